"""Answers to a meeting reminder in the chat: I'm coming, I can't come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.chat import access, actions, buttons
from bot.chat.turn import Turn
from bot.models import Individual, OutboxMessage
from bot.models.meetings import Meeting, MeetingStatus
from bot.nudges.reminders import (
    CANNOT_COME,
    CANNOT_COME_ACTION,
    COMING_ACTION,
    FOR_STAFF,
    INDIVIDUAL_KINDS,
    KIND_CANNOT_COME,
    place,
    reminder_key,
    subject,
)
from bot.outbox import queue as outbox
from bot.outbox import timing
from bot.people import contacts
from bot.platform import events
from bot.platform.i18n import N_
from flows.screens import Outcome, Screen

COMING = "coming"


ORGANISER_CANNOT_COME = N_(
    "{case} cannot come to the {meeting} on {when}. They were told that someone will get "
    "back to them about a new time."
)


COMING_REPLY = N_("Thank you! See you on {when}.\nPlace: {place}\n\n{contact}")


CANNOT_COME_REPLY = N_(
    "Thank you for telling us. It happens. Someone will get back to you about a new time.\n\n"
    "{contact}"
)


MEETING_MOVED = N_(
    "This reminder was for a time that has changed. The newest message has the right time."
)


MEETING_OFF = N_("That meeting is no longer planned.")


@dataclass(frozen=True)
class _Answering:
    meeting: Meeting
    person: Individual
    starts: datetime


async def _answerable(turn: Turn, payload: dict[str, Any]) -> _Answering | Outcome:
    """The meeting a reminder button is about, if it is this person's and still on."""
    meeting_id = payload.get("meeting_id")
    meeting = await turn.session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    person = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if meeting is None or person is None or meeting.individual_id != person.id:
        refusal = actions.REFUSALS[buttons.Refusal.FOREIGN]
        return Outcome(toast=turn.tr.gettext(refusal), replace=False)
    if meeting.status != MeetingStatus.CONFIRMED or meeting.starts_at is None:
        return Outcome([Screen(turn.tr.gettext(MEETING_OFF))])
    if timing.stamp(meeting.starts_at) != payload.get("starts"):
        return Outcome([Screen(turn.tr.gettext(MEETING_MOVED))])
    return _Answering(meeting, person, meeting.starts_at)


async def _render(turn: Turn, message: str, params: dict[str, Any]) -> str:
    return outbox.render(turn.tr, message, params)


@actions.action(COMING_ACTION)
async def coming(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _answerable(turn, payload)
    if isinstance(found, Outcome):
        return found
    meeting, person = found.meeting, found.person
    meeting.individual_answer = COMING
    unit = await contacts.home_unit(turn.session, person, meeting)
    text = await _render(
        turn,
        COMING_REPLY,
        {
            "when": outbox.dt_param(found.starts),
            "place": await place(turn.session, meeting),
            "contact": contacts.call_line(unit),
        },
    )
    return Outcome([Screen(text)])


@actions.action(CANNOT_COME_ACTION)
async def cannot_come(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """Stop the reminders and tell the organiser. Booking hears the event and offers the
    organiser a new time; when a listener has told the organiser already, no second notice
    goes."""
    found = await _answerable(turn, payload)
    if isinstance(found, Outcome):
        return found
    meeting, person = found.meeting, found.person
    session, clock = turn.session, turn.clock
    unit = await contacts.home_unit(session, person, meeting)
    reply = Outcome(
        [Screen(await _render(turn, CANNOT_COME_REPLY, {"contact": contacts.call_line(unit)}))]
    )
    if meeting.individual_answer == CANNOT_COME:
        return reply  # said already, on another reminder
    meeting.individual_answer = CANNOT_COME
    await outbox.cancel(
        session, subject=subject(meeting.id), kinds=INDIVIDUAL_KINDS, to_staff=False
    )
    before = await session.scalar(select(func.max(OutboxMessage.id))) or 0
    await events.emit(events.INDIVIDUAL_CANNOT_COME, session, clock, meeting_id=meeting.id)
    organiser = await contacts.organiser(session, meeting)
    if organiser is not None and organiser.telegram_id is not None:
        told = await session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.id > before,
                OutboxMessage.staff_id == organiser.id,
                OutboxMessage.individual_id == person.id,
            )
        )
        if told is None:
            await contacts.notify_staff(
                session,
                clock,
                organiser,
                individual=person,
                kind=KIND_CANNOT_COME,
                message=ORGANISER_CANNOT_COME,
                params={
                    "case": person.case_ref,
                    "meeting": outbox.msg_param(FOR_STAFF[meeting.type]),
                    "when": outbox.dt_param(found.starts),
                },
                dedupe_key=reminder_key(meeting, "cannot_come"),
                subject=subject(meeting.id),
            )
    return reply
