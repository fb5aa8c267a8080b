"""Recording on a meeting's card that the survey was offered on paper or by phone."""

from __future__ import annotations

from typing import Any

from bot.chat import actions
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.meetings.views import BACK, card_buttons_from, for_staff, staff_card, token
from bot.models import Staff
from bot.models.meetings import Meeting
from bot.platform.i18n import N_
from bot.survey import offered
from flows.screens import Button, Outcome, Screen

ASK_ACTION = "survey_offered"
SET_ACTION = "survey_offered_set"

OFFER_LABEL = N_("Survey offered on paper or by phone")
HOW = N_(
    "How did {case} get the survey about the {type}? It counts as offered. Answers on paper "
    "are not entered here. The printable page is in the HTML report (samordna report)."
)
SAVED = N_("Saved: the survey was offered {how}.")
ALREADY = N_("The survey about this meeting has already been offered.")
NOT_NOW = N_("The survey can be offered once the meeting with the person is over.")
HOW_WORDS = {"paper": N_("on paper"), "phone": N_("by phone")}


@card_buttons_from
async def _offer_button(turn: Turn, staff: Staff, meeting: Meeting) -> list[list[Button]]:
    if not offered.may_offer(meeting, turn.clock.now()):
        return []
    invitation = await offered.invitation_of(turn.session, meeting)
    if invitation is not None and invitation.offered_at is not None:
        return []
    label = turn.tr.gettext(OFFER_LABEL)
    return [[await token(turn, label, ASK_ACTION, meeting_id=meeting.id)]]


@actions.action(ASK_ACTION)
async def ask(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "survey_offered", participant=True)
    if isinstance(view, Outcome):
        return view
    if not offered.may_offer(view.meeting, turn.clock.now()):
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    tr, mid = turn.tr, view.meeting.id
    rows = [
        [await token(turn, tr.gettext(label), SET_ACTION, meeting_id=mid, via=code)]
        for code, label in offered.WAYS.items()
    ]
    rows.append([await token(turn, tr.gettext(BACK), meetings.OPEN_CARD, meeting_id=mid)])
    case = await meetings.case_ref(turn.session, view.meeting)
    kind = tr.gettext(meetings.TYPE_LABELS[view.meeting.type])
    return Outcome([Screen(tr.gettext(HOW).format(case=case, type=kind), rows)])


@actions.action(SET_ACTION)
async def record(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "survey_offered", participant=True)
    if isinstance(view, Outcome):
        return view
    via = payload.get("via")
    if via not in offered.WAYS or not offered.may_offer(view.meeting, turn.clock.now()):
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    done = await offered.offer_elsewhere(turn.session, turn.clock, view.meeting, str(via))
    if done is None:
        return Outcome(toast=turn.tr.gettext(ALREADY), replace=False)
    notice = turn.tr.gettext(SAVED).format(how=turn.tr.gettext(HOW_WORDS[str(via)]))
    return await staff_card(turn, view.staff, view.meeting, notice=notice)
