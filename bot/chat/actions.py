"""Named button actions (see :mod:`bot.chat.buttons`): features mark them, the composition
root wires them, and a press runs the one its stored button names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.chat import access, audit, buttons, recovery
from bot.chat.turn import Turn
from bot.platform.i18n import N_
from bot.platform.wiring import Wiring, mark
from flows.screens import Outcome

Action = Callable[[Turn, dict[str, Any]], Awaitable[Outcome]]


REFUSALS = {
    buttons.Refusal.UNKNOWN: N_("That button no longer works."),
    buttons.Refusal.EXPIRED: N_("That button has expired."),
    buttons.Refusal.USED: recovery.USED,
    buttons.Refusal.FOREIGN: N_("That button is not for you."),
}


def action(name: str) -> Callable[[Action], Action]:
    """Mark the function that runs when a button with this action is pressed."""
    return mark(KIND, name)


KIND = "action"


def registered(wiring: Wiring) -> list[str]:
    """Every wired action name, so that tests can press each one."""
    return wiring.keys(KIND)


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
    handler: Action | None = turn.services.wiring.one(KIND, pressed.action)
    if handler is None:
        return Outcome(toast=turn.tr.gettext(REFUSALS[buttons.Refusal.UNKNOWN]), replace=False)
    return await handler(turn, pressed.payload)
