"""Transitions checked from both sides: after a referral, does the contact with the next unit
really start, and does it work for the person?

- The receiving unit: its distributors are asked at once to confirm, within a set number of
  working days (default 5), that contact has started.
- The individual: a set number of days later (default 14) they are asked whether it has
  started and works for them; without consent to reminders (also when that part is turned
  off, or a new consent leaves it out, before the question goes), the referring staff member
  is asked to check instead. Reminders turned on again before that check: the person is asked.
- The referring staff member hears every answer. A missing answer, or a "no", is a nudge to
  them; if it still stands some working days later (default 3), the referring unit's
  distributors hear it too. "I have followed it up" ends the nudging.
- A transition is closed when the unit confirmed and the person says it works (or cannot be
  asked), when the referrer says it is followed up, or when the case is closed.

The answers themselves are handled in :mod:`bot.nudges.transition_answers`, and a change of
the reminders part of consent in :mod:`bot.nudges.transition_consent`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access
from bot.meetings import distribution
from bot.meetings import lifecycle as meetings
from bot.models import Individual, OutboxMessage, Staff, Unit
from bot.models.meetings import Meeting
from bot.models.nudges import TransitionCheck
from bot.outbox import queue as outbox
from bot.outbox import timing
from bot.people import contacts
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.context import settings_of
from bot.platform.i18n import N_

KIND_TRANSITION = "transition_check"
KIND_TRANSITION_SILENT = "transition_unanswered"
KIND_TRANSITION_NOT_STARTED = "transition_not_started"
KIND_TRANSITION_STAFF_CHECK = "transition_staff_check"
KIND_UNIT_ASK = "transition_unit_ask"
KIND_UNIT_SILENT = "transition_unit_silent"
KIND_ANSWER = "transition_answer"
KIND_ESCALATED = "transition_escalated"

STAFF_KINDS = (
    KIND_TRANSITION_SILENT,
    KIND_TRANSITION_NOT_STARTED,
    KIND_TRANSITION_STAFF_CHECK,
    KIND_UNIT_ASK,
    KIND_UNIT_SILENT,
    KIND_ANSWER,
    KIND_ESCALATED,
)

# The individual's answers (their action names are kept from the first version).
WORKS, NOT_WORKING, NOT_STARTED = "works", "not_working", "not_started"
STARTED = "started"
STARTED_ACTION = "transition_started"
NOT_STARTED_ACTION = "transition_not_started"
NOT_WORKING_ACTION = "transition_not_working"
UNIT_STARTED_ACTION = "transition_unit_started"
UNIT_NOT_STARTED_ACTION = "transition_unit_not_started"
FOLLOWED_UP_ACTION = "transition_followed_up"
PERSON, UNIT = "person", "unit"
SILENT, NO = "silent", "no"

TRANSITION_ASK = N_(
    "Hi! At the meeting on {date} you were referred to {unit}. How is it going with {unit}? "
    "Has your contact started, and does it work for you?\n\n{contact}"
)
WORKS_LABEL = N_("It has started and works")
NOT_WORKING_LABEL = N_("It has started, but it does not work well")
NOT_STARTED_LABEL = N_("It has not started yet")

TRANSITION_SILENT = N_(
    "{case} has not answered whether their contact with {unit} has started. They were "
    "referred at the meeting on {date}. Please check with them."
)
TRANSITION_STAFF_CHECK = N_(
    "Time to check whether the contact of {case} with {unit} has started. They were referred "
    "at the meeting on {date}. I cannot ask them here, so please check with them."
)
UNIT_ASK = N_(
    "{case} was referred to {unit} by {referrer} ({referring_unit}) at the meeting on {date}. "
    "Please confirm here when contact has started, at the latest by {due}."
)
UNIT_STARTED_LABEL = N_("Contact has started")
UNIT_NOT_STARTED_LABEL = N_("Not started yet")
UNIT_SILENT = N_(
    "{unit} has not confirmed that contact with {case} has started. They were referred at the "
    "meeting on {date}. Please check with {unit}."
)
ESCALATED = N_(
    "A referral from {referring_unit} is stuck: {case} was referred to {unit} by {referrer} on "
    "{date}, and {problem} Please make sure someone follows it up."
)
PROBLEMS = {
    (UNIT, SILENT): N_("{unit} has not confirmed that contact has started."),
    (UNIT, NO): N_("{unit} says contact has not started."),
    (PERSON, SILENT): N_("the person has not answered whether it works."),
    (PERSON, NO): N_("the person says it has not started, or does not work."),
}
FOLLOWED_UP_LABEL = N_("I have followed it up")

OUTBOX_KINDS = {KIND_TRANSITION: N_("a question about their referral")}


def subject(check: TransitionCheck) -> str:
    return f"transition:{check.id}"


def _own(check: TransitionCheck) -> dict[str, Any]:
    return {"check_id": check.id}


def working_days_after(session: AsyncSession, moment: datetime, days: int) -> datetime:
    """The staff nudge time, ``days`` working days after ``moment``'s day."""
    settings = settings_of(session)
    policy = timing.Policy.from_settings(settings)
    day = policy.local(moment).date()
    for _ in range(days):
        day = policy.next_working_day(day)
    return policy.at(day, settings.staff_nudge_time)


# ----------------------------------------------------------------- reading


async def open_for(session: AsyncSession, individual_id: int) -> list[TransitionCheck]:
    found = await session.scalars(
        select(TransitionCheck)
        .where(TransitionCheck.individual_id == individual_id, TransitionCheck.closed_at.is_(None))
        .order_by(TransitionCheck.referred_at, TransitionCheck.id)
    )
    return list(found)


def unit_side_done(check: TransitionCheck) -> bool:
    return check.unit_due_at is None or check.unit_answer == STARTED


def person_side_done(check: TransitionCheck, can_ask: bool) -> bool:
    return check.answer == WORKS or (not can_ask and check.answer is None)


# ----------------------------------------------------------------- planning


@events.listen(events.MEETING_OUTCOME)
async def on_outcome(event: events.Event) -> None:
    """A referral at a held meeting gets a transition check."""
    next_steps = event.data.get("next_steps") or []
    unit_id = event.data.get("referred_to_unit_id")
    meeting_id = event.data.get("meeting_id")
    if event.data.get("outcome") != "held" or "referred" not in next_steps:
        return
    if not isinstance(unit_id, int) or not isinstance(meeting_id, int):
        return
    meeting = await meetings.load(event.session, meeting_id)
    if meeting is not None:
        await plan_transition_check(event.session, event.clock, meeting, unit_id)


async def plan_transition_check(
    session: AsyncSession, clock: Clock, meeting: Meeting, unit_id: int
) -> TransitionCheck | None:
    settings = settings_of(session)
    policy = timing.Policy.from_settings(settings)
    now = clock.now()
    if meeting.individual_id is None:
        return None
    existing = await session.scalar(
        select(TransitionCheck).where(TransitionCheck.meeting_id == meeting.id)
    )
    if existing is not None:
        return existing
    person = await session.get(Individual, meeting.individual_id)
    unit = await session.get(Unit, unit_id)
    if person is None or unit is None:
        return None
    referrer_id = meeting.outcome_by_staff_id or meeting.requester_staff_id
    referred_at = meeting.starts_at or now
    ask_day = policy.local(now).date() + timedelta(days=settings.transition_check_days)
    check = TransitionCheck(
        meeting_id=meeting.id,
        individual_id=person.id,
        unit_id=unit.id,
        referring_staff_id=referrer_id,
        referring_unit_id=meetings.unit_of(meeting, referrer_id) if referrer_id else None,
        referred_at=referred_at,
        ask_at=policy.at(ask_day, settings.individual_nudge_time),
        created_at=now,
    )
    session.add(check)
    await session.flush()
    await _ask_unit(session, clock, check)
    consent = await access.active_consent(session, person.id, now)
    if person.telegram_id is None or consent is None or not consent.reminders:
        await tell_referrer(
            session, clock, check, KIND_TRANSITION_STAFF_CHECK, TRANSITION_STAFF_CHECK, check.ask_at
        )
        return check
    await ask_person(session, clock, check, person, meeting)
    return check


async def ask_person(
    session: AsyncSession,
    clock: Clock,
    check: TransitionCheck,
    person: Individual,
    meeting: Meeting | None,
    again: str = "",
) -> None:
    """The question to the person at the check's time, and the nudges that follow if they do
    not answer. ``again`` tells a later round's messages apart from the first one's."""
    settings = settings_of(session)
    home = await contacts.home_unit(session, person, meeting)
    unit = await session.get(Unit, check.unit_id)
    row = await contacts.notify_individual(
        session,
        clock,
        person,
        kind=KIND_TRANSITION,
        message=TRANSITION_ASK,
        unit=home,
        params={
            "check_id": check.id,
            "date": outbox.date_param(check.referred_at),
            "unit": unit.name if unit else "–",
            "contact": contacts.call_line(home),
        },
        buttons=[
            [{"label": WORKS_LABEL, "action": STARTED_ACTION, "payload": _own(check)}],
            [{"label": NOT_WORKING_LABEL, "action": NOT_WORKING_ACTION, "payload": _own(check)}],
            [{"label": NOT_STARTED_LABEL, "action": NOT_STARTED_ACTION, "payload": _own(check)}],
        ],
        due_at=check.ask_at,
        dedupe_key=f"transition:{check.id}{again}",
        subject=subject(check),
    )
    if row is not None:
        check.ask_at = row.due_at
    silent_from = check.ask_at + timedelta(days=settings.transition_answer_days)
    await tell_referrer(
        session,
        clock,
        check,
        KIND_TRANSITION_SILENT,
        TRANSITION_SILENT,
        silent_from,
        key=f"{KIND_TRANSITION_SILENT}:{check.id}{again}",
    )
    await escalate(session, clock, check, PERSON, SILENT, silent_from, again=again)


async def round_suffix(session: AsyncSession, check: TransitionCheck, kind: str) -> str:
    """ "" the first time a message of ``kind`` is queued for the check, then ":1", ":2"…"""
    earlier = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.subject == subject(check), OutboxMessage.kind == kind)
    )
    return f":{earlier}" if earlier else ""


async def _ask_unit(session: AsyncSession, clock: Clock, check: TransitionCheck) -> None:
    """The receiving unit's distributors confirm within some working days that contact started.

    Only a unit the person's consent covers is told about them; for any other unit (or one
    whose distributors are not in Samordna) only the person's side is checked."""
    settings = settings_of(session)
    now = clock.now()
    if check.unit_id not in await access.case_unit_ids(session, check.individual_id, now):
        return
    asked = [
        person
        for person in await distribution.distributors(session, check.unit_id)
        if person.telegram_id is not None
    ]
    if not asked:
        return
    check.unit_due_at = working_days_after(session, now, settings.transition_unit_days)
    params = await _params(session, check)
    for distributor in asked:
        await contacts.notify_staff(
            session,
            clock,
            distributor,
            individual_id=check.individual_id,
            kind=KIND_UNIT_ASK,
            message=UNIT_ASK,
            params={**params, "due": outbox.date_param(check.unit_due_at)},
            dedupe_key=f"{KIND_UNIT_ASK}:{check.id}:s{distributor.id}",
            subject=subject(check),
            buttons=[
                [
                    {
                        "label": UNIT_STARTED_LABEL,
                        "action": UNIT_STARTED_ACTION,
                        "payload": _own(check),
                    },
                    {
                        "label": UNIT_NOT_STARTED_LABEL,
                        "action": UNIT_NOT_STARTED_ACTION,
                        "payload": _own(check),
                    },
                ]
            ],
        )
    await tell_referrer(session, clock, check, KIND_UNIT_SILENT, UNIT_SILENT, check.unit_due_at)
    await escalate(session, clock, check, UNIT, SILENT, check.unit_due_at)


async def _params(session: AsyncSession, check: TransitionCheck) -> dict[str, Any]:
    person = await session.get(Individual, check.individual_id)
    unit = await session.get(Unit, check.unit_id)
    referrer = await session.get(Staff, check.referring_staff_id or 0)
    home = await session.get(Unit, check.referring_unit_id or 0)
    return {
        "check_id": check.id,
        "case": person.case_ref if person else "–",
        "unit": unit.name if unit else "–",
        "referrer": referrer.name if referrer else "–",
        "referring_unit": home.name if home else "–",
        "date": outbox.date_param(check.referred_at),
    }


async def tell_referrer(
    session: AsyncSession,
    clock: Clock,
    check: TransitionCheck,
    kind: str,
    message: str,
    due_at: datetime | None = None,
    *,
    key: str | None = None,
    follow_up: bool = True,
) -> None:
    """A nudge or an answer for the referring staff member, with "I have followed it up"."""
    staff = await contacts.active_staff(session, check.referring_staff_id)
    if staff is None:
        return
    await contacts.notify_staff(
        session,
        clock,
        staff,
        individual_id=check.individual_id,
        kind=kind,
        message=message,
        params={**await _params(session, check), "side": kind},
        due_at=due_at,
        dedupe_key=key or f"{kind}:{check.id}",
        # An answer is news that stays news; a nudge goes when the transition closes.
        subject=None if kind == KIND_ANSWER else subject(check),
        buttons=[
            [{"label": FOLLOWED_UP_LABEL, "action": FOLLOWED_UP_ACTION, "payload": _own(check)}]
        ]
        if follow_up
        else None,
    )


async def escalate(
    session: AsyncSession,
    clock: Clock,
    check: TransitionCheck,
    side: str,
    problem: str,
    from_moment: datetime,
    *,
    again: str = "",
) -> None:
    """If the problem still stands some working days after the referrer heard of it, the
    referring unit's distributors hear it too."""
    settings = settings_of(session)
    if check.referring_unit_id is None:
        return
    due = working_days_after(session, from_moment, settings.transition_escalate_days)
    params = await _params(session, check)
    params["problem"] = outbox.msg_param(PROBLEMS[(side, problem)], unit=params["unit"])
    params.update(side=side, why=problem)
    for distributor in await distribution.distributors(session, check.referring_unit_id):
        if distributor.id == check.referring_staff_id:
            continue
        await contacts.notify_staff(
            session,
            clock,
            distributor,
            individual_id=check.individual_id,
            kind=KIND_ESCALATED,
            message=ESCALATED,
            params=params,
            due_at=due,
            dedupe_key=f"{KIND_ESCALATED}:{check.id}:{side}:{problem}:s{distributor.id}{again}",
            subject=subject(check),
            buttons=[
                [{"label": FOLLOWED_UP_LABEL, "action": FOLLOWED_UP_ACTION, "payload": _own(check)}]
            ],
        )


# ----------------------------------------------------------------- closing


async def close(session: AsyncSession, clock: Clock, check: TransitionCheck, reason: str) -> None:
    if check.closed_at is not None:
        return
    check.closed_at = clock.now()
    check.closed_reason = reason
    await outbox.cancel(session, subject=subject(check))


@events.listen(events.CASE_CLOSED)
async def _on_case_closed(event: events.Event) -> None:
    individual_id = event.data.get("individual_id")
    if isinstance(individual_id, int):
        for check in await open_for(event.session, individual_id):
            await close(event.session, event.clock, check, "case_closed")


# ----------------------------------------------------------------- guards


async def _check_of(session: AsyncSession, row: OutboxMessage) -> TransitionCheck | None:
    check_id = row.params.get("check_id")
    check = await session.get(TransitionCheck, check_id) if isinstance(check_id, int) else None
    return check if check is not None and check.closed_at is None else None


async def _person_unanswered(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    check = await _check_of(session, row)
    return check is not None and check.answer is None


async def _person_may_be_asked(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    """The question itself goes only while the person's consent covers reminders."""
    if not await _person_unanswered(session, row, now) or row.individual_id is None:
        return False
    consent = await access.active_consent(session, row.individual_id, now)
    return consent is not None and consent.reminders


async def _unit_unanswered(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    check = await _check_of(session, row)
    return check is not None and check.unit_answer is None


async def _still_stuck(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    check = await _check_of(session, row)
    if check is None:
        return False
    side, why = row.params.get("side"), row.params.get("why")
    answer = check.unit_answer if side == UNIT else check.answer
    if why == SILENT:
        return answer is None
    return answer in ((NOT_STARTED,) if side == UNIT else (NOT_STARTED, NOT_WORKING))


outbox.guard(KIND_TRANSITION)(_person_may_be_asked)


outbox.guard(KIND_TRANSITION_SILENT)(_person_unanswered)


outbox.guard(KIND_TRANSITION_STAFF_CHECK)(_person_unanswered)


outbox.guard(KIND_UNIT_ASK)(_unit_unanswered)


outbox.guard(KIND_UNIT_SILENT)(_unit_unanswered)


outbox.guard(KIND_ESCALATED)(_still_stuck)
