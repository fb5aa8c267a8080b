"""The duty to offer a SIP: a case with units of both organisations (the municipality and the
region) and no SIP gets one nudge to the responsible staff member, and the individual is told
once, in plain words, that they can ask for a SIP themselves. ``/case`` shows the same prompt
for as long as it holds (see :mod:`bot.meetings.sip_chat`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access
from bot.chat.turn import Services
from bot.meetings import lifecycle as meetings
from bot.meetings.sip import active, both_organisations, case_unit_ids
from bot.models import Individual, OutboxMessage
from bot.models.meetings import MeetingType
from bot.models.people import Consent, consent_units
from bot.models.process import SipDuty
from bot.outbox import queue as outbox
from bot.outbox import timing
from bot.people import contacts
from bot.platform import jobs
from bot.platform.clock import Clock
from bot.platform.context import settings_of
from bot.platform.i18n import N_

KIND_DUTY_STAFF = "sip_duty_staff"
KIND_DUTY_PERSON = "sip_duty_person"
OPEN_CASE = "case_open"
BOOK_FOR_CASE = "mtg_case"

DUTY_STAFF = N_(
    "{case} has units of both the municipality and the region: {units}. When their efforts "
    "need to be coordinated, the person must be offered a SIP (samordnad individuell plan). "
    "Talk with them about it, and book a SIP meeting if they want one."
)
DUTY_PERSON = N_(
    "Good to know: you get support from both social services and health care. Then you can "
    "ask for a SIP. A SIP is a plan you make together with the units: what is done, who does "
    "what, and when. You can ask for one at any time: just tell your contact person.\n\n"
    "{contact}"
)
BOOK_SIP = N_("Book a SIP meeting")
OPEN_CASE_LABEL = N_("Open the case")
OUTBOX_KINDS = {KIND_DUTY_PERSON: N_("a word about asking for a SIP")}


BATCH = 50  # cases per transaction


@jobs.every(3600, "sip_duties")
async def duties_job(services: Services) -> None:
    """A batch of cases per transaction: one transaction over every open case would hold
    SQLite's write turn for as long as it takes and keep people's answers waiting."""
    after = 0
    while True:
        async with services.db.transaction() as session:
            _, last = await bring_up_batch(session, services.clock, after=after, limit=BATCH)
        if last is None:
            return
        after = last


async def bring_up_duties(session: AsyncSession, clock: Clock) -> int:
    """Nudge the responsible staff member once, and tell the person once, for each open case
    with units of both organisations and no SIP; returns how many were queued."""
    queued, _ = await bring_up_batch(session, clock, after=0, limit=None)
    return queued


async def bring_up_batch(
    session: AsyncSession, clock: Clock, *, after: int, limit: int | None
) -> tuple[int, int | None]:
    """The duties of the open cases after case id ``after``, at most ``limit`` of them; the
    messages queued and the last case id looked at (None when there were none left)."""
    now = clock.now()
    covered = (
        select(Consent.individual_id)
        .join(consent_units, consent_units.c.consent_id == Consent.id)
        .where(
            Consent.withdrawn_at.is_(None),
            Consent.expired_at.is_(None),
            Consent.valid_until > now,
        )
    )
    done = select(SipDuty.individual_id).where(
        SipDuty.staff_nudged_at.is_not(None), SipDuty.person_told_at.is_not(None)
    )
    cases = list(
        await session.scalars(
            select(Individual)
            .where(
                Individual.id > after,
                Individual.closed_at.is_(None),
                Individual.id.in_(covered),
                Individual.id.not_in(done),
            )
            .order_by(Individual.id)
            .limit(limit)
        )
    )
    queued = 0
    for person in cases:
        if await active(session, person.id) is not None:
            continue
        if not await both_organisations(session, person.id, now):
            continue
        duty = await session.get(SipDuty, person.id)
        if duty is None:
            duty = SipDuty(individual_id=person.id)
            session.add(duty)
        if duty.staff_nudged_at is None:
            queued += await _nudge_staff(session, clock, person)
            duty.staff_nudged_at = now
        if duty.person_told_at is None:
            queued += await _tell_person(session, clock, person)
            duty.person_told_at = now
    return queued, (cases[-1].id if cases else None)


async def _nudge_staff(session: AsyncSession, clock: Clock, person: Individual) -> int:
    names = outbox.list_param(
        await meetings.unit_name_list(
            session, sorted(await case_unit_ids(session, person.id, clock.now()))
        )
    )
    row = await contacts.notify_responsible(
        session,
        clock,
        person,
        kind=KIND_DUTY_STAFF,
        message=DUTY_STAFF,
        params={"case": person.case_ref, "units": names, "individual": person.id},
        dedupe_key=f"sip_duty_staff:{person.id}",
        due_at=_next_morning(session, clock, staff=True),
        buttons=[
            [
                {
                    "label": BOOK_SIP,
                    "action": BOOK_FOR_CASE,
                    "payload": {"type": MeetingType.SIP.value, "individual_id": person.id},
                },
                {
                    "label": OPEN_CASE_LABEL,
                    "action": OPEN_CASE,
                    "payload": {"case_ref": person.case_ref},
                },
            ]
        ],
    )
    return int(row is not None)


async def _tell_person(session: AsyncSession, clock: Clock, person: Individual) -> int:
    consent = await access.active_consent(session, person.id, clock.now())
    if consent is None or not consent.reminders:
        return 0  # the staff nudge asks staff to tell them in person
    unit = await contacts.home_unit(session, person)
    row = await contacts.notify_individual(
        session,
        clock,
        person,
        kind=KIND_DUTY_PERSON,
        message=DUTY_PERSON,
        params={"individual": person.id, "contact": contacts.call_line(unit)},
        dedupe_key=f"sip_duty_person:{person.id}",
        due_at=_next_morning(session, clock, staff=False),
    )
    return int(row is not None)


def _next_morning(session: AsyncSession, clock: Clock, *, staff: bool) -> datetime:
    """Not in the middle of whatever made the case one for both organisations: the next
    working morning for staff, the next morning for the person."""
    settings = settings_of(session)
    policy = timing.Policy.from_settings(settings)
    today = policy.local(clock.now()).date()
    if staff:
        return policy.at(policy.next_working_day(today), settings.staff_nudge_time)
    return policy.at(today + timedelta(days=1), settings.individual_nudge_time)


async def _still_without_sip(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    individual_id = row.params.get("individual")
    return isinstance(individual_id, int) and await active(session, individual_id) is None


outbox.guard(KIND_DUTY_STAFF)(_still_without_sip)


outbox.guard(KIND_DUTY_PERSON)(_still_without_sip)
