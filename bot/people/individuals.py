"""Individuals: pseudonymous cases, the invitation links staff hand out, and binding a link to
the Telegram account that opens it.

A case (``K-7F3Q``) exists from the moment staff create the link, so staff can note the
reference; it holds nothing about the person until they open the link and consent. A link that
is never used is erased with its empty case when it runs out.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import segno
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, audit
from bot.models import AuditEntry, Individual, IndividualInvite, Staff, Unit
from bot.outbox import queue as outbox
from bot.people import staff
from bot.platform import events
from bot.platform.clock import Clock

LINK_PREFIX = "i_"


CASE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class LinkTaken(Exception):
    """Someone else used the link in the same moment; it works once."""


class LinkStatus(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    USED = "used"
    EXPIRED = "expired"
    LOCKED = "locked"
    IS_STAFF = "is_staff"
    ALREADY_IN = "already_in"


@dataclass(frozen=True)
class LinkCheck:
    status: LinkStatus
    invite: IndividualInvite | None = None
    individual: Individual | None = None
    unit_ids: list[int] = field(default_factory=list)
    locked_until: datetime | None = None


def is_link_token(payload: str) -> bool:
    return payload.startswith(LINK_PREFIX) and 8 < len(payload) <= 64


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def unit_ids_of(invite: IndividualInvite) -> list[int]:
    return [int(part) for part in invite.unit_ids.split(",") if part.strip().isdigit()]


def qr_png(link: str) -> bytes:
    """The link as a QR code picture, for the individual to scan with their phone."""
    buffer = io.BytesIO()
    segno.make_qr(link, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


async def new_case_ref(session: AsyncSession) -> str:
    """A reference never used before, not even by an erased case still named in the audit log."""
    while True:
        ref = "K-" + "".join(secrets.choice(CASE_ALPHABET) for _ in range(4))
        taken = await session.scalar(select(Individual.id).where(Individual.case_ref == ref))
        logged = await session.scalar(
            select(AuditEntry.id).where(AuditEntry.case_ref == ref).limit(1)
        )
        if taken is None and logged is None:
            return ref


async def by_case_ref(session: AsyncSession, ref: str) -> Individual | None:
    return await session.scalar(
        select(Individual).where(Individual.case_ref == ref.strip().upper())
    )


async def create_invite(
    session: AsyncSession,
    clock: Clock,
    inviter: Staff,
    units: list[Unit],
    *,
    valid_for: timedelta,
) -> tuple[str, IndividualInvite, Individual]:
    """A single-use link token (returned once, only its hash is kept) and its empty case."""
    if not units:
        raise ValueError("an invitation names at least one unit")
    now = clock.now()
    expires = now + valid_for
    individual = Individual(
        telegram_id=None,
        case_ref=await new_case_ref(session),
        responsible_staff_id=inviter.id,
        created_at=now,
        erase_after=expires,
    )
    session.add(individual)
    await session.flush()
    token = LINK_PREFIX + secrets.token_urlsafe(18)
    invite = IndividualInvite(
        token_hash=token_hash(token),
        created_by_staff_id=inviter.id,
        unit_ids=",".join(str(u.id) for u in sorted(units, key=lambda u: u.id)),
        created_at=now,
        expires_at=expires,
        individual_id=individual.id,
    )
    session.add(invite)
    await session.flush()
    audit.record(
        session,
        clock,
        "individual_invited",
        actor=f"staff:{inviter.id}",
        case_ref=individual.case_ref,
        units=[u.id for u in units],
    )
    return token, invite, individual


async def check_link(
    session: AsyncSession, clock: Clock, telegram_id: int, token: str
) -> LinkCheck:
    """Whether this account may go on with the link; a wrong token counts towards the lock."""
    until = await staff.locked_until(session, clock, telegram_id)
    if until is not None:
        return LinkCheck(LinkStatus.LOCKED, locked_until=until)
    invite = await session.scalar(
        select(IndividualInvite).where(IndividualInvite.token_hash == token_hash(token))
    )
    if invite is None or invite.individual_id is None:
        await staff.record_wrong(session, clock, telegram_id)
        return LinkCheck(LinkStatus.WRONG)
    individual = await session.get(Individual, invite.individual_id)
    if individual is None:
        return LinkCheck(LinkStatus.WRONG)
    if invite.used_at is not None:
        mine = individual.telegram_id == telegram_id
        return LinkCheck(LinkStatus.ALREADY_IN if mine else LinkStatus.USED, invite, individual)
    if invite.expires_at <= clock.now():
        return LinkCheck(LinkStatus.EXPIRED, invite, individual)
    if await access.staff_by_telegram(session, telegram_id) is not None:
        return LinkCheck(LinkStatus.IS_STAFF, invite, individual)
    return LinkCheck(LinkStatus.OK, invite, individual, unit_ids_of(invite))


async def bind(
    session: AsyncSession, clock: Clock, invite: IndividualInvite, telegram_id: int
) -> Individual:
    """Use the link: its case now belongs to this account. Someone who already has a case keeps
    it, and the link's empty case is dropped."""
    if invite.individual_id is None:
        raise LookupError("the invitation has no case")
    placeholder = await session.get(Individual, invite.individual_id)
    if placeholder is None:
        raise LookupError("the invitation's case is gone")
    claimed = await session.execute(
        update(IndividualInvite)
        .where(IndividualInvite.id == invite.id, IndividualInvite.used_at.is_(None))
        .values(used_at=clock.now())
    )
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        raise LinkTaken(invite.id)
    existing = await access.individual_by_telegram(session, telegram_id)
    individual = placeholder
    if existing is not None and existing.id != placeholder.id:
        invite.individual_id = existing.id
        if existing.responsible_staff_id is None:
            existing.responsible_staff_id = placeholder.responsible_staff_id
        await session.flush()
        audit.record(
            session,
            clock,
            "cases_joined",
            actor=existing.case_ref,
            case_ref=existing.case_ref,
            dropped=placeholder.case_ref,
        )
        await session.execute(delete(Individual).where(Individual.id == placeholder.id))
        individual = existing
    else:
        placeholder.telegram_id = telegram_id
    individual.erase_after = None
    individual.closed_at = None
    await session.flush()
    return individual


async def close_case(
    session: AsyncSession,
    clock: Clock,
    individual: Individual,
    *,
    retention: timedelta,
    actor: str,
) -> None:
    """End the cooperation: nothing more is sent, and the data is erased after ``retention``."""
    now = clock.now()
    individual.closed_at = now
    individual.erase_after = now + retention
    await outbox.cancel(session, individual_id=individual.id)
    await events.emit(events.CASE_CLOSED, session, clock, individual_id=individual.id)
    audit.record(session, clock, "case_closed", actor=actor, case_ref=individual.case_ref)
