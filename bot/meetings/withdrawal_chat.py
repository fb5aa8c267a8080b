"""The button on the notice that a person withdrew their consent: keep the meeting for staff
only. Cancelling uses the meeting's own cancel button."""

from __future__ import annotations

from typing import Any

from bot.chat import actions
from bot.chat.turn import Turn
from bot.meetings.views import for_staff, staff_card
from bot.meetings.withdrawal import KEEP_ACTION, keep_for_staff_only, needs_decision
from bot.platform.i18n import N_
from flows.screens import Outcome

KEPT = N_("The meeting goes on for staff only. The others have been told.")
DECIDED = N_("That meeting has already been decided on.")


@actions.action(KEEP_ACTION)
async def keep(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "keep_staff_only", participant=True)
    if isinstance(view, Outcome):
        return view
    if not needs_decision(view.meeting):
        return Outcome(toast=turn.tr.gettext(DECIDED), replace=False)
    await keep_for_staff_only(turn.session, turn.clock, view.meeting, view.staff)
    return await staff_card(turn, view.staff, view.meeting, notice=turn.tr.gettext(KEPT))
