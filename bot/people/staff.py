"""Staff join codes and membership.

A code is shown once and only its hash is kept; it works once and runs out. An account that
types five wrong codes within an hour is refused for an hour before any code is looked at, so
codes cannot be guessed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.chat import access, audit
from bot.models import (
    CodeAttempt,
    OutboxMessage,
    OutboxStatus,
    Role,
    Staff,
    StaffInvite,
    StaffMembership,
    Unit,
)
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_WRONG = 5
WINDOW = timedelta(hours=1)
_LOOSE_CODE = re.compile(r"^[A-Z0-9]{6,16}$")
_DURATION = re.compile(r"^(\d{1,4})\s*([hdw])$")

ROLE_LABELS = {
    Role.STAFF: N_("Staff"),
    Role.DISTRIBUTOR: N_("Distributor"),
    Role.ADMIN: N_("Admin"),
}


class StaffError(ValueError):
    """Bad admin input; the message says what to fix."""


class JoinStatus(StrEnum):
    JOINED = "joined"
    WRONG = "wrong"
    USED = "used"
    EXPIRED = "expired"
    LOCKED = "locked"
    IS_INDIVIDUAL = "is_individual"


@dataclass(frozen=True)
class JoinResult:
    status: JoinStatus
    staff: Staff | None = None
    unit: Unit | None = None
    role: Role | None = None
    new_member: bool = False
    locked_until: datetime | None = None


def normalise(code: str) -> str:
    return re.sub(r"[\s\-]", "", code).upper()


def looks_like_code(payload: str) -> bool:
    """Whether a ``/start`` payload was meant as a staff code (other links carry a ``_``)."""
    return "_" not in payload and bool(_LOOSE_CODE.match(normalise(payload)))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii", "replace")).hexdigest()


def display(code: str) -> str:
    """``ABCDEFGHJK`` as ``ABCDE-FGHJK``, easier to read out and type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def deep_link(username: str | None, payload: str) -> str | None:
    if not username:
        return None
    return f"https://t.me/{username.lstrip('@')}?start={payload}"


def parse_duration(raw: str) -> timedelta:
    """``7d``, ``12h`` or ``2w``."""
    match = _DURATION.match(raw.strip().lower())
    if match is None:
        raise StaffError(f"{raw!r} is not a duration like 7d, 12h or 2w")
    amount, unit = int(match.group(1)), match.group(2)
    if amount < 1:
        raise StaffError("the duration must be at least 1")
    return {
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
        "w": timedelta(weeks=amount),
    }[unit]


def parse_role(raw: str) -> Role:
    try:
        return Role(raw.strip().lower())
    except ValueError:
        raise StaffError("role must be staff, distributor or admin") from None


def role_label(tr: Translator, role: str) -> str:
    label = ROLE_LABELS.get(Role(role), role)
    return tr.gettext(label)


async def create_invite(
    session: AsyncSession,
    clock: Clock,
    unit: Unit,
    role: Role,
    *,
    valid_for: timedelta,
    actor: str,
) -> tuple[str, StaffInvite]:
    """A new code; the plain code is returned once and never stored."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = clock.now()
    invite = StaffInvite(
        code_hash=code_hash(code),
        unit_id=unit.id,
        role=role,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(invite)
    await session.flush()
    audit.record(
        session,
        clock,
        "staff_invited",
        actor=actor,
        unit=unit.id,
        role=role.value,
        invite=invite.id,
    )
    return code, invite


# ----------------------------------------------------------------- guessing protection


async def locked_until(session: AsyncSession, clock: Clock, telegram_id: int) -> datetime | None:
    """When the lock on this account ends, if five wrong codes fell within one hour lately."""
    now = clock.now()
    times = list(
        await session.scalars(
            select(CodeAttempt.at)
            .where(CodeAttempt.telegram_id == telegram_id, CodeAttempt.at > now - 2 * WINDOW)
            .order_by(CodeAttempt.at)
        )
    )
    end: datetime | None = None
    for last in range(MAX_WRONG - 1, len(times)):
        if times[last] - times[last - MAX_WRONG + 1] <= WINDOW:
            candidate = times[last] + WINDOW
            if candidate > now and (end is None or candidate > end):
                end = candidate
    return end


async def record_wrong(session: AsyncSession, clock: Clock, telegram_id: int) -> None:
    now = clock.now()
    await session.execute(
        delete(CodeAttempt).where(
            CodeAttempt.telegram_id == telegram_id, CodeAttempt.at <= now - 2 * WINDOW
        )
    )
    session.add(CodeAttempt(telegram_id=telegram_id, at=now))
    await session.flush()


async def forget_old_attempts(session: AsyncSession, clock: Clock) -> int:
    result = await session.execute(
        delete(CodeAttempt).where(CodeAttempt.at <= clock.now() - 2 * WINDOW)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# ----------------------------------------------------------------- joining


async def join(session: AsyncSession, clock: Clock, telegram_id: int, code: str) -> JoinResult:
    """Use a code from ``/start CODE``; a wrong one counts towards the lock."""
    until = await locked_until(session, clock, telegram_id)
    if until is not None:
        return JoinResult(JoinStatus.LOCKED, locked_until=until)
    invite = await session.scalar(
        select(StaffInvite).where(StaffInvite.code_hash == code_hash(code))
    )
    if invite is None:
        await record_wrong(session, clock, telegram_id)
        return JoinResult(JoinStatus.WRONG)
    now = clock.now()
    if invite.used_at is not None:
        return JoinResult(JoinStatus.USED)
    if invite.expires_at <= now:
        return JoinResult(JoinStatus.EXPIRED)
    if await access.individual_by_telegram(session, telegram_id) is not None:
        return JoinResult(JoinStatus.IS_INDIVIDUAL)
    unit = await session.get(Unit, invite.unit_id)
    if unit is None:
        return JoinResult(JoinStatus.WRONG)
    claimed = await session.execute(
        update(StaffInvite)
        .where(StaffInvite.id == invite.id, StaffInvite.used_at.is_(None))
        .values(used_at=now)
    )
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        return JoinResult(JoinStatus.USED)
    staff = await access.staff_by_telegram(session, telegram_id)
    new_member = staff is None
    if staff is None:
        staff = Staff(telegram_id=telegram_id, name="", phone=None, created_at=now)
        session.add(staff)
        await session.flush()
    membership = await session.get(StaffMembership, (staff.id, unit.id))
    if membership is None:
        session.add(StaffMembership(staff_id=staff.id, unit_id=unit.id, role=invite.role))
    else:
        membership.role = invite.role
    invite.used_by_staff_id = staff.id
    await session.flush()
    audit.record(
        session,
        clock,
        "staff_joined",
        actor=f"staff:{staff.id}",
        unit=unit.id,
        role=str(invite.role),
        invite=invite.id,
    )
    return JoinResult(JoinStatus.JOINED, staff, unit, Role(invite.role), new_member)


async def save_profile(session: AsyncSession, staff: Staff, name: str, phone: str | None) -> None:
    staff.name = " ".join(name.split())[:120]
    staff.phone = phone
    await session.flush()


# ----------------------------------------------------------------- listing and removing


async def listed(session: AsyncSession, unit: Unit | None = None) -> list[Staff]:
    """Active staff (of one unit, if given), with their memberships and units loaded."""
    query = (
        select(Staff)
        .where(Staff.removed_at.is_(None))
        .options(selectinload(Staff.memberships).selectinload(StaffMembership.unit))
        .order_by(Staff.id)
    )
    if unit is not None:
        query = query.where(
            Staff.id.in_(select(StaffMembership.staff_id).where(StaffMembership.unit_id == unit.id))
        )
    return list(await session.scalars(query))


async def units_of(session: AsyncSession, staff_id: int) -> list[Unit]:
    return list(
        await session.scalars(
            select(Unit)
            .join(StaffMembership, StaffMembership.unit_id == Unit.id)
            .where(StaffMembership.staff_id == staff_id)
            .order_by(Unit.name)
        )
    )


async def find(session: AsyncSession, staff_id: int) -> Staff:
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.removed_at is not None:
        raise StaffError(f"no active staff member {staff_id}; 'samordna staff list' shows them")
    return staff


async def remove(
    session: AsyncSession, clock: Clock, staff: Staff, *, unit: Unit | None, actor: str
) -> bool:
    """Take a staff member out of one unit, or out entirely; True when they are gone entirely.

    Someone removed entirely can no longer be reached or act: their account link is dropped and
    messages waiting for them are cancelled.
    """
    if unit is not None:
        membership = await session.get(StaffMembership, (staff.id, unit.id))
        if membership is None:
            raise StaffError(f"staff member {staff.id} is not in {unit.name!r}")
        await session.delete(membership)
        await session.flush()
        audit.record(session, clock, "staff_removed", actor=actor, staff=staff.id, unit=unit.id)
        remaining = await session.scalar(
            select(StaffMembership.unit_id).where(StaffMembership.staff_id == staff.id).limit(1)
        )
        if remaining is not None:
            await events.emit(
                events.STAFF_REMOVED, session, clock, staff_id=staff.id, unit_id=unit.id
            )
            return False
    await session.execute(delete(StaffMembership).where(StaffMembership.staff_id == staff.id))
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.staff_id == staff.id,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)),
        )
        .values(status=OutboxStatus.CANCELLED)
    )
    staff.removed_at = clock.now()
    staff.telegram_id = None
    await session.flush()
    if unit is None:
        audit.record(session, clock, "staff_removed", actor=actor, staff=staff.id)
    await events.emit(events.STAFF_REMOVED, session, clock, staff_id=staff.id, unit_id=None)
    return True
