"""Consent (samtycke): given through the conversation in :mod:`flows.consent`, shown and
withdrawn with ``/consent``, and ended by a daily job when its period runs out.

Withdrawal stops everything at once, in the same transaction: every message still waiting for
the person is cancelled, listeners hear of it, and the responsible staff member is told that
consent was withdrawn for the case, and nothing more.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.chat import audit
from bot.chat.turn import Services
from bot.models import Consent, Individual, Staff, Unit
from bot.outbox import queue as outbox
from bot.people import contacts
from bot.platform import events, jobs
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator
from flows import consent as conversation

STAFF_WITHDRAWN = N_(
    "Consent was withdrawn for case {case_ref}. Please offer them a conversation, by phone or "
    "in person, about what they want now and what it means for their support."
)


STAFF_PART_CHANGED = N_("Case {case_ref} changed one part of their consent.\n{part}")


STAFF_EXPIRED = N_("The consent for case {case_ref} has run out.")


GIVEN_UNTIL = N_("Given {given}. Applies until {until}.")


ENDED_ON = N_("It ended on {date}.")


WITHDRAWN_ON = N_("You withdrew it on {date}.")


GIVEN_FOR = N_("Given {given} for: {parts}.")


NONE_APPLIES = N_("None of it applies any more.")


STAFF_TAKEN_BACK_ON = N_("Taken back on {date}.")


# The parts in staff wording, for the case view and staff notices; the person's own wording
# ("Sharing your answers before meetings with …") stays in the consent conversation.
STAFF_PARTS = {
    "reminders": N_("Reminders in the chat"),
    "sharing": N_("Sharing of the preparation"),
    "survey": N_("Survey after meetings"),
}


async def give(
    session: AsyncSession,
    clock: Clock,
    individual: Individual,
    *,
    unit_list: list[Unit],
    reminders: bool,
    sharing: bool,
    survey: bool,
    months: int,
    valid_until: datetime,
    text_hash: str,
    text_locale: str,
    text_version: int = conversation.VERSION,
) -> Consent:
    """Store what the person agreed to, exactly as shown to them (version and hash).

    The newest consent in force is the one that counts, so a part that differs from the one
    it follows changes at once: listeners hear it as a change of that part, as if turned."""
    before = await active(session, individual.id, clock.now())
    record = Consent(
        individual_id=individual.id,
        text_version=text_version,
        text_hash=text_hash,
        text_locale=text_locale,
        reminders=reminders,
        sharing=sharing,
        survey=survey,
        period_months=months,
        given_at=clock.now(),
        valid_until=valid_until,
    )
    record.units = list(unit_list)
    session.add(record)
    individual.erase_after = None
    individual.closed_at = None
    await session.flush()
    audit.record(
        session,
        clock,
        "consent_given",
        actor=individual.case_ref,
        case_ref=individual.case_ref,
        consent=record.id,
        version=text_version,
        reminders=reminders,
        sharing=sharing,
        survey=survey,
        months=months,
        units=[u.id for u in unit_list],
    )
    await events.emit(
        events.CONSENT_GIVEN, session, clock, individual_id=individual.id, consent_id=record.id
    )
    turned = [
        p for p in conversation.PARTS if before and getattr(before[0], p) != getattr(record, p)
    ]
    for part in turned:
        await events.emit(
            events.CONSENT_CHANGED,
            session,
            clock,
            individual_id=individual.id,
            part=part,
            given=bool(getattr(record, part)),
            renewed=True,
        )
    return record


async def active(session: AsyncSession, individual_id: int, now: datetime) -> list[Consent]:
    return [c for c in await all_of(session, individual_id) if c.active_at(now)]


async def all_of(session: AsyncSession, individual_id: int) -> list[Consent]:
    return list(
        await session.scalars(
            select(Consent)
            .where(Consent.individual_id == individual_id)
            .options(selectinload(Consent.units))
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        )
    )


async def withdraw(
    session: AsyncSession,
    clock: Clock,
    individual: Individual,
    *,
    retention: timedelta,
    actor: str,
) -> bool:
    """Withdraw every active consent; False when there was none."""
    now = clock.now()
    current = await active(session, individual.id, now)
    if not current:
        return False
    for record in current:
        record.withdrawn_at = now
    await outbox.cancel(session, individual_id=individual.id)
    await tell_responsible(
        session,
        clock,
        individual,
        kind="consent_withdrawn",
        message=STAFF_WITHDRAWN,
        params={"case_ref": individual.case_ref},
        key=f"consent-withdrawn:{individual.id}:{current[0].id}",
    )
    await events.emit(events.CONSENT_WITHDRAWN, session, clock, individual_id=individual.id)
    audit.record(
        session,
        clock,
        "consent_withdrawn",
        actor=actor,
        case_ref=individual.case_ref,
        consents=[c.id for c in current],
    )
    _start_retention(individual, now + retention)
    return True


async def expire_due(session: AsyncSession, clock: Clock, *, retention: timedelta) -> list[int]:
    """End consents whose period is over; returns the cases left without any consent."""
    now = clock.now()
    due = list(
        await session.scalars(
            select(Consent).where(
                Consent.withdrawn_at.is_(None),
                Consent.expired_at.is_(None),
                Consent.valid_until <= now,
            )
        )
    )
    ended: list[int] = []
    for record in due:
        record.expired_at = now
        individual = await session.get(Individual, record.individual_id)
        if individual is None:
            continue
        audit.record(
            session,
            clock,
            "consent_expired",
            actor="system",
            case_ref=individual.case_ref,
            consent=record.id,
        )
        if await active(session, individual.id, now) or individual.id in ended:
            continue
        ended.append(individual.id)
        await outbox.cancel(session, individual_id=individual.id)
        await events.emit(events.CONSENT_EXPIRED, session, clock, individual_id=individual.id)
        await tell_responsible(
            session,
            clock,
            individual,
            kind="consent_expired",
            message=STAFF_EXPIRED,
            params={"case_ref": individual.case_ref},
            key=f"consent-expired:{individual.id}:{record.id}",
        )
        _start_retention(individual, now + retention)
    return ended


@jobs.daily(time(0, 15), "consent_expiry")
async def expiry_job(services: Services) -> None:
    retention = timedelta(days=services.settings.retention_days)
    async with services.db.transaction() as session:
        await expire_due(session, services.clock, retention=retention)


async def tell_responsible(
    session: AsyncSession,
    clock: Clock,
    individual: Individual,
    *,
    kind: str,
    message: str,
    params: dict[str, Any],
    key: str,
) -> None:
    """Queue a note to the case's responsible staff member, if they can still be reached."""
    if individual.responsible_staff_id is None:
        return
    member = await session.get(Staff, individual.responsible_staff_id)
    if member is None or member.telegram_id is None or member.removed_at is not None:
        return
    await contacts.notify_staff(
        session,
        clock,
        member,
        kind=kind,
        message=message,
        params=params,
        dedupe_key=key[:120],
    )


def _start_retention(individual: Individual, at: datetime) -> None:
    if individual.erase_after is None or individual.erase_after > at:
        individual.erase_after = at


def describe(tr: Translator, record: Consent, *, staff: bool = False) -> list[str]:
    """One consent in plain words. In force: when, until when, with whom, and each part yes
    or no. Withdrawn or ended: what was given, and that none of it applies, without ticks.
    ``staff`` words it for the case view ("Sharing of the preparation: yes")."""
    named = sorted(record.units, key=lambda u: u.name)
    who = tr.gettext(conversation.WHO).format(units=tr.join([u.name for u in named]))
    given = tr.date(record.given_at)
    short = STAFF_PARTS if staff else conversation.PART_SHORT
    if record.withdrawn_at is not None or record.expired_at is not None:
        parts = [tr.gettext(short[part]) for part in conversation.PARTS if getattr(record, part)]
        lines = [tr.gettext(GIVEN_FOR).format(given=given, parts=", ".join(parts) or "–"), who]
        if record.withdrawn_at is not None:
            day = tr.date(record.withdrawn_at)
            lines.append(
                tr.gettext(STAFF_TAKEN_BACK_ON if staff else WITHDRAWN_ON).format(date=day)
            )
        else:
            assert record.expired_at is not None
            lines.append(tr.gettext(ENDED_ON).format(date=tr.date(record.expired_at)))
        return [*lines, tr.gettext(NONE_APPLIES)]
    lines = [
        tr.gettext(GIVEN_UNTIL).format(
            given=given, until=tr.date(record.valid_until - timedelta(seconds=1))
        ),
        who,
    ]
    for part in conversation.PARTS:
        yes = bool(getattr(record, part))
        if staff:
            answer = conversation.PART_YES if yes else conversation.PART_NO
            lines.append(tr.gettext(answer).format(part=tr.gettext(STAFF_PARTS[part])))
        else:
            lines.append(("✓ " if yes else "✗ ") + part_line(tr, record, part))
    return lines


def part_line(tr: Translator, record: Consent, part: str) -> str:
    """``Reminders in the chat: yes``, in the reader's language."""
    named = sorted(record.units, key=lambda u: u.name)
    label = conversation.part_label(tr, part, named)
    template = conversation.PART_YES if getattr(record, part) else conversation.PART_NO
    return tr.gettext(template).format(part=label)


async def change_part(
    session: AsyncSession, clock: Clock, individual: Individual, part: str, given: bool
) -> list[Consent]:
    """Turn one part of every consent in force on or off; the rest stays. Returns the
    consents changed (none when nothing is in force or nothing changes)."""
    if part not in conversation.PARTS:
        raise ValueError(part)
    current = await active(session, individual.id, clock.now())
    changed = [c for c in current if getattr(c, part) != given]
    if not changed:
        return []
    for record in changed:
        setattr(record, part, given)
    await session.flush()
    audit.record(
        session,
        clock,
        "consent_changed",
        actor=individual.case_ref,
        case_ref=individual.case_ref,
        consents=[c.id for c in changed],
        part=part,
        given=given,
    )
    await events.emit(
        events.CONSENT_CHANGED, session, clock, individual_id=individual.id, part=part, given=given
    )
    stamp = int(clock.now().timestamp())
    await tell_responsible(
        session,
        clock,
        individual,
        kind="consent_changed",
        message=STAFF_PART_CHANGED,
        params={
            "case_ref": individual.case_ref,
            "part": outbox.msg_param(
                conversation.PART_YES if given else conversation.PART_NO,
                part=outbox.msg_param(STAFF_PARTS[part]),
            ),
        },
        key=f"consent-changed:{individual.id}:{part}:{stamp}",
    )
    return changed


async def last_units(session: AsyncSession, individual_id: int) -> list[Unit]:
    """The units of the newest consent, given or not: whom the person may call."""
    records = await all_of(session, individual_id)
    return sorted(records[0].units, key=lambda u: u.name) if records else []
