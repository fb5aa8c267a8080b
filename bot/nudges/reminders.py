"""Meeting nudges, planned when a meeting is confirmed and re-planned when it moves.

- The individual: reminders before the meeting (default 24 and 2 hours) with "I'm coming" /
  "I can't come", and three days before a SIP follow-up, a question about what they want to
  raise. Only with a consent that covers reminders.
- Staff taking part: the working day before, with a link to the preparation summary; seven
  days before a SIP follow-up; and, for the organiser, an unrecorded outcome at 09:00 the
  next working day after the meeting ended, with booking's "Record outcome" button.

Every row has the subject ``meeting:<id>``: a move or a cancellation cancels them all, and
their dedupe keys carry the meeting's ``ics_sequence`` and start, so a moved meeting gets
fresh ones. Guards check right before sending that the meeting still starts when the row
says, so a missed event never sends a reminder for the wrong time. The place is read when
the row is sent, never copied into the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access
from bot.models import Individual, OutboxMessage, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.outbox import queue as outbox
from bot.outbox import timing
from bot.people import contacts
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.context import settings_of
from bot.platform.i18n import N_
from flows import texts as flow_texts

KIND_CANNOT_COME = "meeting_cannot_come"

KIND_REMINDER = "meeting_reminder"


KIND_SIP_INDIVIDUAL = "sip_followup_individual"


KIND_STAFF_BEFORE = "meeting_staff_before"


KIND_SIP_STAFF = "sip_followup_staff"


KIND_OUTCOME_DUE = "meeting_outcome_due"


INDIVIDUAL_KINDS = (KIND_REMINDER, KIND_SIP_INDIVIDUAL)


MEETING_KINDS = (*INDIVIDUAL_KINDS, KIND_STAFF_BEFORE, KIND_SIP_STAFF, KIND_OUTCOME_DUE)


COMING_ACTION = "meeting_coming"


CANNOT_COME_ACTION = "meeting_cannot_come"


PREPARATION_ACTION = "preparation_summary"


OUTCOME_ACTION = "mtg_outcome"


CANNOT_COME = "cannot_come"


FOR_INDIVIDUAL = {
    MeetingType.GFI: N_("meeting with the units (GFI, a first meeting to share information)"),
    MeetingType.SIP: N_("SIP meeting (where you and the units make a plan together)"),
    MeetingType.SIP_FOLLOWUP: N_("follow-up of your plan (SIP)"),
    MeetingType.CLOSING: N_("closing meeting"),
    MeetingType.STAFF_ONLY: N_("meeting"),
}


FOR_STAFF = {
    MeetingType.GFI: N_("GFI meeting"),
    MeetingType.SIP: N_("SIP meeting"),
    MeetingType.SIP_FOLLOWUP: N_("SIP follow-up"),
    MeetingType.CLOSING: N_("closing meeting"),
    MeetingType.STAFF_ONLY: N_("staff meeting"),
}


PLACE_VIDEO = N_("by video; the link comes before the meeting")


PLACE_PHONE = N_("by phone; you will be called")


PLACE_NOT_SET = N_("not set yet")


REMINDER = N_(
    "Reminder: your {meeting} is on {when}.\nPlace: {place}\n\n"
    "Are you coming? Answer with a button.\n{contact}"
)


SIP_FOLLOWUP_INDIVIDUAL = N_(
    "Your plan (SIP) will be followed up on {when}.\nPlace: {place}\n\n"
    "Is there anything you want to raise? You can get ready with /prepare.\n{contact}"
)


STAFF_BEFORE = N_("Coming up: {meeting} for {case}, {when}.\nPlace: {place}")


STAFF_BEFORE_NO_CASE = N_("Coming up: {meeting}, {when}.\nPlace: {place}")


SIP_FOLLOWUP_STAFF = N_(
    "In {days}: SIP follow-up for {case}, {when}.\nPlace: {place}\n"
    "Is the plan up to date, and does everyone know what to bring?"
)


OUTCOME_DUE = N_(
    "The {meeting} for {case} on {when} has no outcome yet. Please record how it went: "
    "held, no-show or cancelled, and the next step."
)


COMING_LABEL = N_("I'm coming")


CANNOT_COME_LABEL = N_("I can't come")


READ_PREPARATION = N_("Read the preparation")


RECORD_OUTCOME = N_("Record outcome")


OUTBOX_KINDS = {
    KIND_REMINDER: N_("a meeting reminder"),
    KIND_SIP_INDIVIDUAL: N_("a notice about their SIP follow-up"),
}


def subject(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def reminder_key(meeting: Meeting, part: str) -> str:
    starts = int(meeting.starts_at.timestamp()) if meeting.starts_at else 0
    return f"m{meeting.id}:{meeting.ics_sequence}:{starts}:{part}"


def _stamp(meeting: Meeting, starts: datetime) -> dict[str, Any]:
    """What the guards compare: the meeting and the start the row was planned for."""
    return {
        "meeting_id": meeting.id,
        "starts": timing.stamp(starts),
        "when": outbox.dt_param(starts),
    }


async def _reminders_allowed(session: AsyncSession, individual_id: int, now: datetime) -> bool:
    consent = await access.active_consent(session, individual_id, now)
    return consent is not None and consent.reminders


async def plan(session: AsyncSession, clock: Clock, meeting: Meeting) -> None:
    """Queue every nudge a confirmed meeting needs; safe to call again."""
    if meeting.status != MeetingStatus.CONFIRMED or meeting.starts_at is None:
        return
    if meeting.starts_at <= clock.now():
        return
    await _plan_individual(session, clock, meeting)
    await _plan_staff(session, clock, meeting)


async def _plan_individual(session: AsyncSession, clock: Clock, meeting: Meeting) -> None:
    settings = settings_of(session)
    policy = timing.Policy.from_settings(settings)
    now = clock.now()
    if meeting.individual_id is None or meeting.type == MeetingType.STAFF_ONLY:
        return
    starts = meeting.starts_at
    if starts is None or meeting.individual_answer == CANNOT_COME:
        return
    person = await session.get(Individual, meeting.individual_id)
    if person is None or person.telegram_id is None:
        return
    if not await _reminders_allowed(session, person.id, now):
        return
    unit = await contacts.home_unit(session, person, meeting)
    params = {
        **_stamp(meeting, starts),
        "meeting": outbox.msg_param(FOR_INDIVIDUAL[meeting.type]),
        "contact": contacts.call_line(unit),
    }
    answer = [
        [
            _button(COMING_LABEL, COMING_ACTION, meeting),
            _button(CANNOT_COME_LABEL, CANNOT_COME_ACTION, meeting),
        ]
    ]
    for hours in sorted(set(settings.reminder_offsets_hours), reverse=True):
        due = policy.before(starts, hours)
        if due <= now:
            continue
        await contacts.notify_individual(
            session,
            clock,
            person,
            kind=KIND_REMINDER,
            message=REMINDER,
            unit=unit,
            params=params,
            buttons=answer,
            due_at=due,
            expires_at=meeting.starts_at,
            dedupe_key=reminder_key(meeting, f"r{hours}"),
            subject=subject(meeting.id),
        )
    if meeting.type == MeetingType.SIP_FOLLOWUP:
        due = policy.before(starts, 24 * settings.sip_followup_individual_days)
        if due > now:
            await contacts.notify_individual(
                session,
                clock,
                person,
                kind=KIND_SIP_INDIVIDUAL,
                message=SIP_FOLLOWUP_INDIVIDUAL,
                unit=unit,
                params=params,
                due_at=due,
                expires_at=meeting.starts_at,
                dedupe_key=reminder_key(meeting, "sip_i"),
                subject=subject(meeting.id),
            )


def _button(label: str, action: str, meeting: Meeting) -> dict[str, Any]:
    return {
        "label": label,
        "action": action,
        "payload": {"meeting_id": meeting.id, "starts": timing.stamp(meeting.starts_at)},
    }


async def _plan_staff(session: AsyncSession, clock: Clock, meeting: Meeting) -> None:
    settings = settings_of(session)
    policy = timing.Policy.from_settings(settings)
    now = clock.now()
    starts = meeting.starts_at
    if starts is None:
        return
    person = await session.get(Individual, meeting.individual_id) if meeting.individual_id else None
    case = person.case_ref if person else "–"
    params = {
        **_stamp(meeting, starts),
        "meeting": outbox.msg_param(FOR_STAFF[meeting.type]),
        "case": case,
        "days": outbox.count_param(flow_texts.DAYS, settings.sip_followup_staff_days),
    }
    day = policy.local(starts).date()
    before = policy.at(
        policy.working_day_on_or_before(day - timedelta(days=1)), settings.staff_nudge_time
    )
    week = policy.at(
        policy.working_day_on_or_before(day - timedelta(days=settings.sip_followup_staff_days)),
        settings.staff_nudge_time,
    )
    preparation = (
        [
            [
                {
                    "label": READ_PREPARATION,
                    "action": PREPARATION_ACTION,
                    "payload": {"meeting_id": meeting.id},
                }
            ]
        ]
        if person is not None
        else None
    )
    for staff in await contacts.meeting_staff(session, meeting):
        if staff.telegram_id is None:
            continue
        common: dict[str, Any] = {
            "chat_id": staff.telegram_id,
            "staff_id": staff.id,
            "individual_id": meeting.individual_id,
            "params": params,
            "subject": subject(meeting.id),
            "expires_at": meeting.starts_at,
        }
        if before > now:
            await outbox.enqueue(
                session,
                clock,
                kind=KIND_STAFF_BEFORE,
                message=STAFF_BEFORE if person is not None else STAFF_BEFORE_NO_CASE,
                buttons=preparation,
                due_at=before,
                dedupe_key=reminder_key(meeting, f"before:{staff.id}"),
                **common,
            )
        if meeting.type == MeetingType.SIP_FOLLOWUP and now < week < before:
            await outbox.enqueue(
                session,
                clock,
                kind=KIND_SIP_STAFF,
                message=SIP_FOLLOWUP_STAFF,
                due_at=week,
                dedupe_key=reminder_key(meeting, f"week:{staff.id}"),
                **common,
            )
    await _plan_outcome_nudge(session, clock, meeting, params)


async def _plan_outcome_nudge(
    session: AsyncSession, clock: Clock, meeting: Meeting, params: dict[str, Any]
) -> None:
    settings = settings_of(session)
    policy = timing.Policy.from_settings(settings)
    if meeting.starts_at is None:
        return
    organiser = await contacts.organiser(session, meeting)
    if organiser is None or organiser.telegram_id is None:
        return
    ends = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    day = policy.next_working_day(policy.local(ends).date())
    await contacts.notify_staff(
        session,
        clock,
        organiser,
        individual_id=meeting.individual_id,
        kind=KIND_OUTCOME_DUE,
        message=OUTCOME_DUE,
        params=params,
        buttons=[
            [
                {
                    "label": RECORD_OUTCOME,
                    "action": OUTCOME_ACTION,
                    "payload": {"meeting_id": meeting.id},
                }
            ]
        ],
        due_at=policy.at(day, settings.staff_nudge_time),
        dedupe_key=reminder_key(meeting, "outcome"),
        subject=subject(meeting.id),
    )


def _meeting_id(event: events.Event) -> int | None:
    value = event.data.get("meeting_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@events.listen(events.MEETING_CONFIRMED)
async def on_confirmed(event: events.Event) -> None:
    meeting_id = _meeting_id(event)
    meeting = await event.session.get(Meeting, meeting_id) if meeting_id else None
    if meeting is not None:
        await plan(event.session, event.clock, meeting)


@events.listen(events.MEETING_RESCHEDULED)
async def on_rescheduled(event: events.Event) -> None:
    """The old reminders go; a meeting that has its new time gets new ones."""
    meeting_id = _meeting_id(event)
    if meeting_id is None:
        return
    await outbox.cancel(event.session, subject=subject(meeting_id))
    meeting = await event.session.get(Meeting, meeting_id)
    if meeting is not None:
        await plan(event.session, event.clock, meeting)


@events.listen(events.MEETING_CANCELLED)
@events.listen(events.MEETING_OUTCOME)
async def on_ended(event: events.Event) -> None:
    meeting_id = _meeting_id(event)
    if meeting_id is not None:
        await outbox.cancel(event.session, subject=subject(meeting_id))


async def _current(session: AsyncSession, row: OutboxMessage) -> Meeting | None:
    """The row's meeting, if it is still confirmed for the time the row was planned for."""
    meeting_id = row.params.get("meeting_id")
    if not isinstance(meeting_id, int):
        return None
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != MeetingStatus.CONFIRMED:
        return None
    if meeting.starts_at is None or timing.stamp(meeting.starts_at) != row.params.get("starts"):
        return None
    return meeting


@outbox.guard(KIND_REMINDER)
@outbox.guard(KIND_SIP_INDIVIDUAL)
async def _individual_still_wanted(
    session: AsyncSession, row: OutboxMessage, now: datetime
) -> bool:
    meeting = await _current(session, row)
    if meeting is None or meeting.individual_answer == CANNOT_COME or row.individual_id is None:
        return False
    return await _reminders_allowed(session, row.individual_id, now)


@outbox.guard(KIND_STAFF_BEFORE)
@outbox.guard(KIND_SIP_STAFF)
async def _staff_still_wanted(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    return await _current(session, row) is not None


@outbox.guard(KIND_OUTCOME_DUE)
async def _outcome_still_missing(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    meeting = await _current(session, row)
    return meeting is not None and meeting.outcome_recorded_at is None


async def place(session: AsyncSession, meeting: Meeting) -> Any:
    if meeting.place_kind == "video":
        return outbox.msg_param(PLACE_VIDEO)
    if meeting.place_kind == "phone":
        return outbox.msg_param(PLACE_PHONE)
    if meeting.place_text:
        return meeting.place_text
    if meeting.place_kind == "unit" and meeting.requester_unit_id is not None:
        unit = await session.get(Unit, meeting.requester_unit_id)
        if unit is not None and unit.address:
            return f"{unit.name}, {unit.address}"
    return outbox.msg_param(PLACE_NOT_SET)


async def _live_place(session: AsyncSession, row: OutboxMessage) -> dict[str, Any]:
    meeting_id = row.params.get("meeting_id")
    meeting = await session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    return {"place": await place(session, meeting) if meeting else "–"}


for _kind in MEETING_KINDS:
    outbox.live_params(_kind)(_live_place)
