"""/prepare in the chat: choosing the meeting and starting or resuming the förmöte."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, actions, buttons
from bot.chat.turn import Turn
from bot.models import FlowState, Individual
from bot.models.meetings import (
    Meeting,
    Preparation,
)
from bot.people import units
from bot.platform.i18n import N_, Translator
from bot.preparation.service import (
    LATER_ACTION,
    NO_CONSENT,
    START_ACTION,
    MeetingFacts,
    before_times,
    can_prepare,
    case_units,
    flow_context,
    home_units,
    kind_label,
    meeting_facts,
    persons_meetings,
    saved_preparation,
    shares_answers,
    summary_lines,
)
from flows import preparation as flow
from flows.screens import Button, Outcome, Screen

INTRO = N_("Getting ready for your {meeting} on {when}.")


INTRO_EARLY = N_(
    "Getting ready for your {meeting}. No time is set yet, so what you say can still shape "
    "who is invited."
)


NO_TIME_YET = N_("no time yet")


INTRO_AGAIN = N_("Here are the answers you gave before. Change what you want, then finish below.")


WILL_SEND = N_(
    "When you are done, you can send your answers to {name}, who coordinates the meeting."
)


WILL_SEND_STAFF = N_("When you are done, you can send your answers to the staff at the meeting.")


STAYS_WITH_YOU = N_(
    "You said no to sharing your answers before meetings, so your answers stay here with you."
)


NO_MEETING = N_(
    "You have no meeting coming up to get ready for right now. When one is booked, "
    "I will let you know."
)


NOT_CONNECTED = N_(
    "I can help you get ready for a meeting once a unit has connected you with me. "
    "If someone at a unit gave you a link, open it first."
)


PICK_MEETING = N_("Which meeting do you want to get ready for?")


MEETING_GONE = N_("That meeting is no longer coming up. /prepare shows your meetings.")


LATER_OK = N_("Okay. Send /prepare whenever you want to get ready for it.")


async def prepare(turn: Turn) -> Outcome:
    """/prepare: the one upcoming meeting at once, a choice between several, or a kind no."""
    now = turn.clock.now()
    found = await persons_meetings(turn.session, turn.telegram_id, now)
    individual, meetings = found.individual, found.meetings
    if individual is None:
        return Outcome.message(turn.tr.gettext(NOT_CONNECTED))
    if len(meetings) == 1:
        return await start(turn, meetings[0], individual, found.saved)
    if not meetings:
        call = units.call_line(turn.tr, await home_units(turn.session, individual, now))
        return Outcome.message(summary_lines(turn.tr.gettext(NO_MEETING), call))
    return await _choose(turn, meetings, individual, {m for m, p in found.saved.items() if p})


async def _choose(
    turn: Turn, meetings: Sequence[Meeting], individual: Individual, done: set[int]
) -> Outcome:
    """``done``: the meetings the person has saved answers for, marked with a tick."""
    group = f"prepare:{individual.id}:{turn.clock.now().timestamp():.0f}"
    choices: list[list[Button]] = []
    for meeting in meetings:
        when = (
            turn.tr.gettext(NO_TIME_YET)
            if before_times(meeting) or meeting.starts_at is None
            else turn.tr.datetime(meeting.starts_at)
        )
        text = f"{turn.tr.gettext(kind_label(meeting))} · {turn.tr.isolate(when)}"
        data = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            START_ACTION,
            {"meeting_id": meeting.id},
            group=group,
        )
        choices.append([Button(("✓ " if meeting.id in done else "") + text, data)])
    first = await meeting_facts(turn.session, meetings[0])
    call = units.call_line(turn.tr, [first.contact] if first and first.contact else [])
    return Outcome(
        [Screen(summary_lines(turn.tr.gettext(PICK_MEETING), call), choices)], replace=False
    )


@actions.action(START_ACTION)
async def start_from_button(turn: Turn, payload: dict[str, Any]) -> Outcome:
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    meeting = await _meeting(turn.session, payload)
    if (
        individual is None
        or meeting is None
        or meeting.individual_id != individual.id
        or not can_prepare(meeting, turn.clock.now())
    ):
        return Outcome.message(turn.tr.gettext(MEETING_GONE))
    return await start(turn, meeting, individual)


@actions.action(LATER_ACTION)
async def later(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """ "Later": nothing is started, and the person knows how to come back to it."""
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    meeting = await _meeting(turn.session, payload)
    if individual is None or meeting is None or meeting.individual_id != individual.id:
        return Outcome.message(turn.tr.gettext(MEETING_GONE))
    return Outcome([Screen(turn.tr.gettext(LATER_OK))], replace=False)


async def start(
    turn: Turn,
    meeting: Meeting,
    individual: Individual,
    saved: Mapping[int, Preparation | None] | None = None,
) -> Outcome:
    """Open the flow for this meeting: where it was left, at the review of what was sent
    before, or from the start. ``saved``: what was saved for the meeting, when already read."""
    tr = turn.tr
    facts = await meeting_facts(turn.session, meeting)
    consents = await access.active_consents(turn.session, individual.id, turn.clock.now())
    consent = consents[0] if consents else None
    if facts is None or consent is None:
        call = units.call_line(tr, [facts.contact] if facts and facts.contact else [])
        return Outcome.message(summary_lines(tr.gettext(NO_CONSENT), call))
    context = flow_context(facts, shares_answers(consent), case_units(facts, consents))
    shape = flow.for_type(meeting.type)
    states = await turn.services.engine.open_states(turn.session, turn.telegram_id)
    open_state = _refresh_open_state(states, meeting.id, context)
    earlier: dict[str, Any] | None = None
    opening = _intro(tr, facts)
    if open_state is None:
        prepared = (
            saved[meeting.id]
            if saved is not None and meeting.id in saved
            else await saved_preparation(turn.session, meeting.id)
        )
        if prepared is not None:
            earlier = dict(prepared.answers)
            opening = tr.gettext(INTRO_AGAIN)
    call = units.call_line(tr, [facts.contact] if facts.contact else [])
    closing = "\n".join(p for p in (_sharing_line(tr, facts, shares_answers(consent)), call) if p)
    return await turn.services.engine.start(
        turn.session,
        turn.telegram_id,
        shape.name,
        tr,
        context=context,
        individual_id=individual.id,
        intro=summary_lines(opening, closing),
        answers=earlier,
        open_states=states,
    )


def _intro(tr: Translator, facts: MeetingFacts) -> str:
    """The meeting's name and time; its own step explains what kind of meeting it is."""
    meeting = facts.meeting
    kind = tr.gettext(kind_label(meeting))
    if before_times(meeting) or meeting.starts_at is None:
        return tr.gettext(INTRO_EARLY).format(meeting=kind)
    return tr.gettext(INTRO).format(meeting=kind, when=tr.datetime(meeting.starts_at))


def _sharing_line(tr: Translator, facts: MeetingFacts, shares: bool) -> str:
    if not shares:
        return tr.gettext(STAYS_WITH_YOU)
    if facts.coordinator is not None:
        return tr.gettext(WILL_SEND).format(name=facts.coordinator.name)
    return tr.gettext(WILL_SEND_STAFF)


def _refresh_open_state(
    states: list[FlowState], meeting_id: int, context: dict[str, Any]
) -> FlowState | None:
    """An unfinished preparation for this meeting among the person's open flows, its context
    brought up to date so the engine continues it (names and consent may have changed since
    it was started)."""
    for state in states:
        if state.flow in flow.NAMES and state.context.get("meeting_id") == meeting_id:
            private = {k: v for k, v in state.context.items() if k.startswith("_")}
            if {k: v for k, v in state.context.items() if not k.startswith("_")} != context:
                state.context = {**private, **context}
            return state
    return None


async def _meeting(session: AsyncSession, payload: dict[str, Any]) -> Meeting | None:
    meeting_id = payload.get("meeting_id")
    if not isinstance(meeting_id, int) or isinstance(meeting_id, bool):
        return None
    return await session.get(Meeting, meeting_id)
