"""/ask: what a person asks for reaches a person at a unit, and goes further if nobody answers.

A request (a call, a SIP, contact with another unit, a new time) becomes a notice to the
person's responsible staff member, with buttons that do what was asked. Nobody acts within
one working day: the distributors of that unit get it too, and the person is told. Only the
kind of request is kept, never anything the person wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, audit
from bot.chat.turn import Services
from bot.meetings import distribution
from bot.meetings import lifecycle as meetings
from bot.models import Individual, Organisation, OutboxMessage, Staff, Unit
from bot.models.asks import AskKind, PersonRequest
from bot.models.meetings import Meeting, MeetingType
from bot.outbox import queue as outbox
from bot.people import contacts
from bot.platform import events, jobs
from bot.platform.clock import Clock
from bot.platform.context import settings_of
from bot.platform.i18n import N_

log = logging.getLogger(__name__)

KIND_STAFF = "ask_staff"
KIND_ESCALATED = "ask_escalated"
KIND_PERSON_ESCALATED = "ask_person_escalated"

DONE_ACTION = "ask_done"
REQUEST_ACTION = "ask_request"
NEW_TIME_ACTION = "ask_new_time"
BOOK_ACTION = "ask_book"

WHAT: dict[str, str] = {
    AskKind.CALL_ME: N_("to be called (their number is in your records, not here)"),
    AskKind.WANT_SIP: N_("a SIP, a joint plan with the units"),
    AskKind.OTHER_UNIT: N_("contact with another unit"),
    AskKind.NEW_TIME: N_("a new time for a meeting"),
}
ORGANISATION_WHAT = {
    Organisation.REGION: N_("contact with health care (the region)"),
    Organisation.MUNICIPALITY: N_("contact with social services (the municipality)"),
}
TO_STAFF = N_(
    "{case} asks for {what}. Please answer by {when}. If nobody has acted by then, the "
    "distributors of {unit} get it."
)
TO_STAFF_MEETING = N_(
    "{case} asks for a new time for the {type} on {meeting}. Please answer by {when}. If nobody "
    "has acted by then, the distributors of {unit} get it."
)
ESCALATED = N_(
    "On {asked}, {case} asked for {what}, and nobody has answered yet. Can someone at {unit} "
    "take it? Please answer by {when}."
)
PERSON_ESCALATED = N_(
    "Nobody has answered your request from {asked} yet. I am sorry. It has now gone to more "
    "people at {unit}, and someone will get back to you by {when}."
)
DONE_LABEL = N_("✓ Done: I have been in touch")
SIP_LABEL = N_("Start a SIP request")
GFI_LABEL = N_("Start a GFI request")
NEW_TIME_LABEL = N_("Find a new time")
BOOK_LABEL = N_("Book a meeting…")

OUTBOX_KINDS = {
    KIND_STAFF: N_("a person's request"),
    KIND_ESCALATED: N_("a person's request nobody answered"),
    KIND_PERSON_ESCALATED: N_("a notice that their request went further"),
}


@dataclass(frozen=True)
class Answerer:
    """Who answers first (None: straight to the distributors) and the unit behind them."""

    staff: Staff | None
    unit: Unit | None


async def answerer(session: AsyncSession, individual: Individual, now: datetime) -> Answerer:
    """The responsible staff member, at a unit the consent covers; else that unit's
    distributors, or the first unit of the consent."""
    covered = await access.case_unit_ids(session, individual.id, now)
    staff = await contacts.responsible_staff(session, individual)
    if staff is not None:
        roles = await access.roles_of(session, staff.id)
        shared = sorted(set(roles) & covered)
        if shared:
            return Answerer(staff, await session.get(Unit, shared[0]))
    units = sorted(
        await session.scalars(select(Unit).where(Unit.id.in_(covered))), key=lambda u: u.name
    )
    return Answerer(None, units[0] if units else None)


def answer_by(asked: datetime, tz: Any) -> datetime:
    """One working day later: the same time on the next working day (a request made on a day
    off counts from 08:00 on the first working day)."""
    local = asked.astimezone(tz)
    if not distribution.working_day(local.date()):
        start = distribution.next_working_day(local.date())
        local = datetime.combine(start, time(8, 0), tzinfo=tz)
    day = distribution.next_working_day(local.date() + timedelta(days=1))
    return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=tz)


async def open_request(
    session: AsyncSession, individual_id: int, kind: AskKind, meeting_id: int | None
) -> PersonRequest | None:
    return await session.scalar(
        select(PersonRequest)
        .where(
            PersonRequest.individual_id == individual_id,
            PersonRequest.kind == kind,
            PersonRequest.handled_at.is_(None),
            PersonRequest.meeting_id.is_(None)
            if meeting_id is None
            else PersonRequest.meeting_id == meeting_id,
        )
        .limit(1)
    )


async def create(
    session: AsyncSession,
    clock: Clock,
    individual: Individual,
    kind: AskKind,
    *,
    meeting: Meeting | None = None,
    organisation: str | None = None,
) -> PersonRequest:
    """Store the request and tell whoever answers first; the same open request is not made
    twice."""
    meeting_id = meeting.id if meeting is not None else None
    existing = await open_request(session, individual.id, kind, meeting_id)
    if existing is not None:
        return existing
    now = clock.now()
    who = await answerer(session, individual, now)
    request = PersonRequest(
        individual_id=individual.id,
        kind=kind,
        meeting_id=meeting_id,
        organisation=organisation if organisation in set(Organisation) else None,
        staff_id=who.staff.id if who.staff else None,
        unit_id=who.unit.id if who.unit else None,
        created_at=now,
        answer_by=answer_by(now, settings_of(session).tz),
    )
    session.add(request)
    await session.flush()
    audit.record(
        session,
        clock,
        "ask_received",
        actor=individual.case_ref,
        case_ref=individual.case_ref,
        request=request.id,
        kind=kind.value,
    )
    if who.staff is None:
        await escalate(session, clock, request, first=True)
        return request
    meeting_params = await _meeting_params(session, request)
    await contacts.notify_staff(
        session,
        clock,
        who.staff,
        individual=individual,
        kind=KIND_STAFF,
        message=TO_STAFF_MEETING if meeting_params else TO_STAFF,
        params={**await _params(session, request, individual), **meeting_params},
        dedupe_key=f"ask:{request.id}:staff",
        subject=subject(request),
        buttons=await buttons_for(session, request),
    )
    return request


def subject(request: PersonRequest) -> str:
    return f"ask:{request.id}"


async def _params(
    session: AsyncSession, request: PersonRequest, individual: Individual
) -> dict[str, Any]:
    unit = await session.get(Unit, request.unit_id) if request.unit_id else None
    what: Any = outbox.msg_param(WHAT[request.kind])
    if request.kind == AskKind.OTHER_UNIT and request.organisation in ORGANISATION_WHAT:
        what = outbox.msg_param(ORGANISATION_WHAT[Organisation(request.organisation)])
    return {
        "case": individual.case_ref,
        "what": what,
        "when": outbox.dt_param(request.answer_by),
        "asked": outbox.dt_param(request.created_at),
        "unit": unit.name if unit else "–",
    }


async def _meeting_params(session: AsyncSession, request: PersonRequest) -> dict[str, Any]:
    meeting = await session.get(Meeting, request.meeting_id) if request.meeting_id else None
    if meeting is None or meeting.starts_at is None:
        return {}
    return {
        "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type]),
        "meeting": outbox.dt_param(meeting.starts_at),
    }


async def buttons_for(session: AsyncSession, request: PersonRequest) -> list[list[dict[str, Any]]]:
    """What staff can do in one tap: what was asked for, or say it is done."""
    own = {"ask_id": request.id}
    first: list[dict[str, Any]] = []
    if request.kind == AskKind.WANT_SIP:
        first.append(_button(SIP_LABEL, REQUEST_ACTION, **own, type=MeetingType.SIP.value))
    elif request.kind == AskKind.OTHER_UNIT:
        first.append(_button(GFI_LABEL, REQUEST_ACTION, **own, type=MeetingType.GFI.value))
    elif request.kind == AskKind.NEW_TIME and request.meeting_id is not None:
        first.append(_button(NEW_TIME_LABEL, NEW_TIME_ACTION, **own))
    else:
        first.append(_button(BOOK_LABEL, BOOK_ACTION, **own))
    return [first, [_button(DONE_LABEL, DONE_ACTION, **own)]]


def _button(label: str, action: str, **payload: Any) -> dict[str, Any]:
    return {"label": label, "action": action, "payload": payload}


async def escalate(
    session: AsyncSession, clock: Clock, request: PersonRequest, *, first: bool = False
) -> int:
    """The unit's distributors get the request; unless nobody had it before, the person is
    told it went further. Returns how many distributors were told."""
    individual = await session.get(Individual, request.individual_id)
    if individual is None:
        return 0
    now = clock.now()
    request.escalated_at = now
    if not first:
        request.answer_by = answer_by(now, settings_of(session).tz)
    params = await _params(session, request, individual)
    told = 0
    targets = await distribution.distributors(session, request.unit_id) if request.unit_id else []
    for person in targets:
        if person.id == request.staff_id:
            continue
        row = await contacts.notify_staff(
            session,
            clock,
            person,
            individual=individual,
            kind=KIND_ESCALATED,
            message=ESCALATED,
            params=params,
            dedupe_key=f"ask:{request.id}:escalated:s{person.id}",
            subject=subject(request),
            buttons=await buttons_for(session, request),
        )
        told += row is not None
    if not first:
        unit = await session.get(Unit, request.unit_id) if request.unit_id else None
        await contacts.notify_individual(
            session,
            clock,
            individual,
            unit=unit,
            kind=KIND_PERSON_ESCALATED,
            message=PERSON_ESCALATED,
            params=params,
            dedupe_key=f"ask:{request.id}:escalated:i",
            subject=subject(request),
        )
    audit.record(
        session,
        clock,
        "ask_escalated",
        actor="system",
        case_ref=individual.case_ref,
        request=request.id,
        distributors=told,
    )
    return told


async def escalate_due(session: AsyncSession, clock: Clock) -> int:
    """Every request nobody answered within its working day goes one step further, once."""
    due = list(
        await session.scalars(
            select(PersonRequest)
            .where(
                PersonRequest.handled_at.is_(None),
                PersonRequest.escalated_at.is_(None),
                PersonRequest.answer_by <= clock.now(),
            )
            .order_by(PersonRequest.id)
        )
    )
    for request in due:
        await escalate(session, clock, request)
    return len(due)


@jobs.every(300, "ask_escalation")
async def escalation_job(services: Services) -> None:
    async with services.db.transaction() as session:
        count = await escalate_due(session, services.clock)
    if count:
        log.info("%s request(s) went on to the distributors", count)


async def handle(
    session: AsyncSession, clock: Clock, request: PersonRequest, staff: Staff, outcome: str
) -> None:
    """Someone acted: the request is answered, and notices not yet sent about it are dropped."""
    request.handled_at = clock.now()
    request.handled_by_staff_id = staff.id
    request.outcome = outcome
    await outbox.cancel(session, subject=subject(request), to_staff=True)
    individual = await session.get(Individual, request.individual_id)
    audit.record(
        session,
        clock,
        "ask_handled",
        actor=meetings.actor(staff),
        case_ref=individual.case_ref if individual else None,
        request=request.id,
        outcome=outcome,
    )


@outbox.guard(KIND_STAFF)
@outbox.guard(KIND_ESCALATED)
@outbox.guard(KIND_PERSON_ESCALATED)
async def _still_open(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    request_id = (row.subject or "").rpartition(":")[2]
    request = await session.get(PersonRequest, int(request_id)) if request_id.isdigit() else None
    return request is not None and request.handled_at is None


@events.listen(events.CONSENT_WITHDRAWN)
@events.listen(events.CONSENT_EXPIRED)
async def _no_consent(event: events.Event) -> None:
    """Without consent nobody is asked to act on the person's behalf any more."""
    individual_id = event.data.get("individual_id")
    if not isinstance(individual_id, int):
        return
    found = await event.session.scalars(
        select(PersonRequest).where(
            PersonRequest.individual_id == individual_id, PersonRequest.handled_at.is_(None)
        )
    )
    for request in list(found):
        request.handled_at = event.clock.now()
        request.outcome = "no_consent"
        await outbox.cancel(event.session, subject=subject(request))
