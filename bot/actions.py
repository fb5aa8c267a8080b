"""Named button actions (see :mod:`bot.buttons`), registered by the services that own them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot import access, audit, buttons, recovery
from bot.i18n import N_
from bot.runtime import Turn
from flows.screens import Outcome

Action = Callable[[Turn, dict[str, Any]], Awaitable[Outcome]]

_ACTIONS: dict[str, Action] = {}

REFUSALS = {
    buttons.Refusal.UNKNOWN: N_("That button no longer works."),
    buttons.Refusal.EXPIRED: N_("That button has expired."),
    buttons.Refusal.USED: N_("That button has already been used."),
    buttons.Refusal.FOREIGN: N_("That button is not for you."),
}


def action(name: str) -> Callable[[Action], Action]:
    """Register the function that runs when a button with this action is pressed."""

    def decorate(function: Action) -> Action:
        if name in _ACTIONS and _ACTIONS[name] is not function:
            raise ValueError(f"button action {name} is registered twice")
        _ACTIONS[name] = function
        return function

    return decorate


async def dispatch(turn: Turn, data: str) -> Outcome:
    """Check the press against the stored button, then run its action."""
    try:
        pressed = await buttons.redeem(turn.session, turn.clock, turn.telegram_id, data)
    except buttons.ButtonRefused as refused:
        if refused.reason is buttons.Refusal.FOREIGN:
            payload = dict(refused.token.payload) if refused.token is not None else {}
            audit.record(
                turn.session,
                turn.clock,
                "button_refused",
                actor=await access.actor_for(turn.session, turn.telegram_id),
                case_ref=await access.case_ref_in(turn.session, payload),
            )
        if refused.reason is buttons.Refusal.USED and refused.token is not None:
            token = refused.token
            shown = await recovery.after_used(turn, token.action, dict(token.payload))
            if shown is not None:
                return shown
        return Outcome(toast=turn.tr.gettext(REFUSALS[refused.reason]), replace=False)
    handler = _ACTIONS.get(pressed.action)
    if handler is None:
        return Outcome(toast=turn.tr.gettext(REFUSALS[buttons.Refusal.UNKNOWN]), replace=False)
    return await handler(turn, pressed.payload)
