"""SIP duties in the chat: the prompt and the SIP on ``/case``, and recording a SIP established
at a meeting (the form, started from the outcome or from the meeting's card)."""

from __future__ import annotations

from typing import Any

from bot.chat import actions
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.meetings import sip, sip_duties
from bot.meetings.views import card_buttons_from, for_staff, token
from bot.models import Individual, Staff
from bot.models.meetings import Meeting, MeetingType
from bot.people.cases_chat import CaseSection, case_section
from bot.platform.i18n import N_
from flows import sip_record as form
from flows.screens import Button, Outcome

RECORD_ACTION = "sip_record"

PROMPT = N_(
    "⚠ Units of both the municipality and the region work with this person, and there is no "
    "SIP. When their efforts need to be coordinated, the person must be offered a SIP; they "
    "can also ask for one themselves."
)
ACTIVE = N_("SIP established on {date}. Main responsible: {main}. Follow-up: {when}.")
ACTIVE_NO_MANDATE = N_("The plan was made as far as possible: some units were missing.")
PLAN_LINE = N_("Plan for interruptions: {plan}")
RECORD_LABEL = N_("Record the SIP")
INTRO = N_("Now the SIP for {case}: a few questions, then you get the text for the SIP system.")


async def start_record(turn: Turn, meeting: Meeting, notice: str | None = None) -> Outcome:
    """The SIP form for a held meeting whose next steps say a SIP was established."""
    case = await meetings.case_ref(turn.session, meeting)
    intro = turn.tr.gettext(INTRO).format(case=case)
    outcome = await turn.services.engine.start(
        turn.session,
        turn.telegram_id,
        form.NAME,
        turn.tr,
        context=await sip.form_context(turn.session, turn.clock, meeting, turn.tr),
        intro=f"{notice}\n\n{intro}" if notice else intro,
    )
    outcome.replace = True
    return outcome


@actions.action(RECORD_ACTION)
async def _record_pressed(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "sip", participant=True)
    if isinstance(view, Outcome):
        return view
    if not sip.waiting_for_record(view.meeting):
        return Outcome(toast=turn.tr.gettext(sip.NOT_NOW), replace=False)
    if await sip.for_meeting(turn.session, view.meeting.id) is not None:
        return Outcome(toast=turn.tr.gettext(sip.ALREADY), replace=False)
    outcome = await start_record(turn, view.meeting)
    outcome.replace = False
    return outcome


@card_buttons_from
async def _record_button(turn: Turn, staff: Staff, meeting: Meeting) -> list[list[Button]]:
    """A held meeting that established a SIP whose answers were not given yet."""
    if not sip.waiting_for_record(meeting) or await sip.for_meeting(turn.session, meeting.id):
        return []
    label = turn.tr.gettext(RECORD_LABEL)
    return [[await token(turn, label, RECORD_ACTION, meeting_id=meeting.id)]]


@case_section
async def _on_case(turn: Turn, staff: Staff, case: Individual) -> CaseSection:
    """The active SIP in a few lines, or the prompt to offer one."""
    tr, session = turn.tr, turn.session
    plan = await sip.active(session, case.id)
    if plan is not None:
        main = await session.get(Staff, plan.main_staff_id or 0)
        lines = [
            tr.gettext(ACTIVE).format(
                date=tr.date(plan.established_at),
                main=main.name if main else "–",
                when=tr.date_time(plan.followup_at),
            )
        ]
        if not plan.mandate:
            lines.append(tr.gettext(ACTIVE_NO_MANDATE))
        labels = {o.code: o.label for o in form.INTERRUPTIONS}
        chosen = "; ".join(tr.gettext(labels[c]) for c in plan.interruption_plan if c in labels)
        lines.append(tr.gettext(PLAN_LINE).format(plan=chosen))
        return CaseSection(lines)
    if case.closed_at is not None:
        return CaseSection()
    if not await sip.both_organisations(session, case.id, turn.clock.now()):
        return CaseSection()
    book = await token(
        turn,
        tr.gettext(sip_duties.BOOK_SIP),
        sip_duties.BOOK_FOR_CASE,
        type=MeetingType.SIP.value,
        individual_id=case.id,
    )
    return CaseSection([tr.gettext(PROMPT)], [[book]])
