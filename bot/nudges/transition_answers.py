"""The answers to a transition check: the receiving unit's and the individual's. Each goes to
the referring staff member at once; a "no" may later reach the referring unit's distributors;
both sides done closes the transition."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access
from bot.models import Individual, Staff
from bot.models.nudges import TransitionCheck
from bot.nudges.transitions import (
    KIND_ANSWER,
    KIND_TRANSITION,
    KIND_TRANSITION_SILENT,
    KIND_UNIT_ASK,
    NO,
    NOT_STARTED,
    NOT_WORKING,
    PERSON,
    STARTED,
    UNIT,
    WORKS,
    close,
    escalate,
    person_side_done,
    subject,
    tell_referrer,
    unit_side_done,
)
from bot.outbox import queue as outbox
from bot.platform.clock import Clock
from bot.platform.i18n import N_

ANSWER_UNIT_STARTED = N_("{unit} confirms that contact with {case} has started.")
ANSWER_UNIT_NOT_STARTED = N_(
    "{unit} says contact with {case} has not started yet. They were referred at the meeting "
    "on {date}. Please follow up."
)
ANSWER_WORKS = N_("{case} says their contact with {unit} has started and works.")
ANSWER_NOT_WORKING = N_(
    "{case} says their contact with {unit} has started but does not work well for them. "
    "Please follow up."
)
ANSWER_NOT_STARTED = N_(
    "{case} says their contact with {unit} has not started yet. They were referred at the "
    "meeting on {date}. Please follow up."
)


async def answer_unit(
    session: AsyncSession, clock: Clock, check: TransitionCheck, staff: Staff, answer: str
) -> None:
    now = clock.now()
    check.unit_answer = answer
    check.unit_answered_at = now
    check.unit_answered_by = staff.id
    await outbox.cancel(session, subject=subject(check), kind=KIND_UNIT_ASK)
    if answer == STARTED:
        await tell_referrer(
            session,
            clock,
            check,
            KIND_ANSWER,
            ANSWER_UNIT_STARTED,
            key=f"{KIND_ANSWER}:{check.id}:unit:{STARTED}",
            follow_up=False,
        )
        await maybe_close(session, clock, check)
        return
    await tell_referrer(
        session,
        clock,
        check,
        KIND_ANSWER,
        ANSWER_UNIT_NOT_STARTED,
        key=f"{KIND_ANSWER}:{check.id}:unit:{int(now.timestamp())}",
    )
    await escalate(session, clock, check, UNIT, NO, now)


async def answer_person(
    session: AsyncSession, clock: Clock, check: TransitionCheck, answer: str
) -> None:
    now = clock.now()
    check.answer = answer
    check.answered_at = now
    await outbox.cancel(session, subject=subject(check), kind=KIND_TRANSITION)
    await outbox.cancel(session, subject=subject(check), kind=KIND_TRANSITION_SILENT)
    message = {
        WORKS: ANSWER_WORKS,
        NOT_WORKING: ANSWER_NOT_WORKING,
        NOT_STARTED: ANSWER_NOT_STARTED,
    }[answer]
    await tell_referrer(
        session,
        clock,
        check,
        KIND_ANSWER,
        message,
        key=f"{KIND_ANSWER}:{check.id}:person",
        follow_up=answer != WORKS,
    )
    if answer == WORKS:
        await maybe_close(session, clock, check)
    else:
        await escalate(session, clock, check, PERSON, NO, now)


async def maybe_close(session: AsyncSession, clock: Clock, check: TransitionCheck) -> bool:
    """Closed once both sides are done: the unit confirmed, and the person says it works (or
    the person cannot be asked here)."""
    person = await session.get(Individual, check.individual_id)
    consent = await access.active_consent(session, check.individual_id, clock.now())
    can_ask = (
        person is not None
        and person.telegram_id is not None
        and consent is not None
        and consent.reminders
    )
    if unit_side_done(check) and person_side_done(check, can_ask):
        await close(session, clock, check, "done")
        return True
    return False
