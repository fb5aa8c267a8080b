"""The individual's answer, in the chat, to the question whether a referral has started."""

from __future__ import annotations

from typing import Any

from bot.chat import access, actions, buttons
from bot.chat.turn import Turn
from bot.models import Unit
from bot.models.nudges import TransitionCheck
from bot.nudges.follow_ups import (
    KIND_TRANSITION_NOT_STARTED,
    NOT_STARTED_ACTION,
    STARTED_ACTION,
    tell_referrer,
    transition_subject,
)
from bot.outbox import queue as outbox
from bot.platform.i18n import N_
from flows.screens import Outcome, Screen

STARTED = "started"


NOT_STARTED = "not_started"


STARTED_REPLY = N_("Good to hear, thank you! If something stops, call {unit} on {phone}.")


NOT_STARTED_REPLY = N_(
    "Thank you for telling me. It happens. I have let the person who referred you know, so "
    "they can help you get started. You can also call {unit} on {phone}."
)


ALREADY_ANSWERED = N_("You have already answered this. Thank you!")


TRANSITION_NOT_STARTED = N_(
    "{case} says their contact with {unit} has not started yet. They were referred at the "
    "meeting on {date}. Please follow up."
)


async def _answering(turn: Turn, payload: dict[str, Any]) -> tuple[TransitionCheck, Unit] | Outcome:
    check_id = payload.get("check_id")
    check = await turn.session.get(TransitionCheck, check_id) if isinstance(check_id, int) else None
    person = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if check is None or person is None or check.individual_id != person.id:
        refusal = actions.REFUSALS[buttons.Refusal.FOREIGN]
        return Outcome(toast=turn.tr.gettext(refusal), replace=False)
    if check.answer is not None:
        return Outcome([Screen(turn.tr.gettext(ALREADY_ANSWERED))])
    unit = await turn.session.get(Unit, check.unit_id)
    if unit is None:
        return Outcome([Screen(turn.tr.gettext(ALREADY_ANSWERED))])
    return check, unit


@actions.action(STARTED_ACTION)
async def started(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _answering(turn, payload)
    if isinstance(found, Outcome):
        return found
    check, unit = found
    check.answer = STARTED
    check.answered_at = turn.clock.now()
    await outbox.cancel(turn.session, subject=transition_subject(check))
    text = turn.tr.gettext(STARTED_REPLY).format(unit=unit.name, phone=unit.phone)
    return Outcome([Screen(text)])


@actions.action(NOT_STARTED_ACTION)
async def not_started(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """No blame: the referring staff member hears it at once and can help."""
    found = await _answering(turn, payload)
    if isinstance(found, Outcome):
        return found
    check, unit = found
    check.answer = NOT_STARTED
    check.answered_at = turn.clock.now()
    await outbox.cancel(turn.session, subject=transition_subject(check))
    await tell_referrer(
        turn.session, turn.clock, check, KIND_TRANSITION_NOT_STARTED, TRANSITION_NOT_STARTED
    )
    text = turn.tr.gettext(NOT_STARTED_REPLY).format(unit=unit.name, phone=unit.phone)
    return Outcome([Screen(text)])
