"""Buttons that open a conversation are single-use: pressed again (the reply to the first press
may have been lost in a crash), they show where the person is instead of only saying so."""

from __future__ import annotations

from typing import Any

from bot import actions, buttons, preparation, recovery, survey
from bot.runtime import Turn
from flows.screens import Outcome

STARTS = (preparation.START_ACTION, survey.START_ACTION, "consent_renew")


async def where_the_person_is(turn: Turn, payload: dict[str, Any]) -> Outcome | None:
    shown = await recovery.resume(turn)
    if shown is not None:
        shown.toast = turn.tr.gettext(actions.REFUSALS[buttons.Refusal.USED])
    return shown


for _action in STARTS:
    recovery.used_button(_action)(where_the_person_is)
