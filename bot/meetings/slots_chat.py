"""Times in the chat: staff propose times, the others answer, the individual confirms one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.chat import access, actions
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.meetings.slots import (
    NO,
    NOT_SCHEDULING,
    OTHER_TIME,
    PROPOSE_LABEL,
    WILL_COME,
    YES,
    evaluate,
    overlaps,
    places,
)
from bot.meetings.views import StaffView, for_staff, staff_card, token
from bot.models import Staff
from bot.models.meetings import (
    Meeting,
    MeetingStatus,
)
from bot.outbox import queue as outbox
from bot.platform.i18n import N_
from flows import texts as flow_texts
from flows.screens import Button, Outcome, Screen
from flows.slot_proposal import PROPOSAL_FLOW

ASKED = N_("{who} asks you to propose times for the {type} for {case}.")


ASKED_NOTICE = N_("Asked {people} to propose times.")


USE_RESCHEDULE = N_("The meeting already has a time. Use Reschedule on the meeting card.")


SLOTS_TITLE = N_("Proposed times for the {type} for {case}. Can you come?")


SLOTS_HELP = N_("Press ✓ for each time you can come and ✗ for each you cannot.")


SLOT_OVERLAP = N_("⚠ overlaps with your {type} for {case} at {time}")


YOUR_ANSWER_YES = N_("you: yes")


YOUR_ANSWER_NO = N_("you: no")


ALL_ANSWERED = N_("Thank you. You will hear when everyone has answered.")


SLOT_GONE = N_("That time is no longer proposed.")


PROPOSE_INTRO = N_("Propose one to three times for the {type} for {case}.")


BOOKED = N_(
    "Thank you! The meeting is booked: {when}.\nWhere: {place}\n\n"
    "If something comes up, send /meetings or call {unit} on {phone}."
)


ASKED_OTHER_TIME = N_(
    "OK. We will find another time and send it to you. You can also call {unit} on {phone}."
)


QUESTION_SENT = N_(
    "I have told {name}. They will contact you. You can also call {unit} on {phone}."
)


QUESTION_STAFF = N_("{case} has a question about the {type} on {when}. Please contact them.")


ALREADY_YES = N_("You have already said yes. /meetings shows your meetings.")


INVITATION_OLD = N_("This invitation is no longer valid. /meetings shows your meetings.")


NOT_YOURS = N_("That meeting is not yours.")


CONFIRMED_FOR = N_("Confirmed. Everyone has been told.")


NOT_TAKING_PART = N_("You no longer take part in this meeting, so your answer is not needed.")


async def start_proposal(turn: Turn, meeting: Meeting, notice: str | None = None) -> Outcome:
    case = await meetings.case_ref(turn.session, meeting)
    intro = turn.tr.gettext(PROPOSE_INTRO).format(
        type=turn.tr.gettext(meetings.TYPE_LABELS[meeting.type]), case=case
    )
    if notice:
        intro = f"{notice}\n\n{intro}"
    return await turn.services.engine.start(
        turn.session,
        turn.telegram_id,
        PROPOSAL_FLOW,
        turn.tr,
        context={
            "meeting_id": meeting.id,
            "places": await places(turn.session, meeting, turn.tr),
        },
        intro=intro,
    )


@actions.action(meetings.PROPOSE)
async def propose_times(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "propose", participant=True)
    if isinstance(view, Outcome):
        return view
    if view.meeting.status in meetings.TIMED:
        return Outcome(toast=turn.tr.gettext(USE_RESCHEDULE), replace=False)
    if view.meeting.status != MeetingStatus.SCHEDULING:
        return Outcome(toast=turn.tr.gettext(NOT_SCHEDULING), replace=False)
    outcome = await start_proposal(turn, view.meeting)
    outcome.replace = False
    return outcome


@actions.action(meetings.ASK_PROPOSE)
async def ask_to_propose(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "propose", participant=True)
    if isinstance(view, Outcome):
        return view
    meeting = view.meeting
    if meeting.status != MeetingStatus.SCHEDULING:
        return Outcome(toast=turn.tr.gettext(NOT_SCHEDULING), replace=False)
    others = [
        p for p in await meetings.participants(turn.session, meeting) if p.id != view.staff.id
    ]
    await meetings.tell_staff(
        turn.session,
        turn.clock,
        meeting,
        f"ask_propose:{int(turn.clock.now().timestamp())}",
        ASKED,
        {"who": view.staff.name, "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type])},
        to=others,
        buttons=[[meetings.button(PROPOSE_LABEL, meetings.PROPOSE, meeting_id=meeting.id)]],
    )
    names = ", ".join(p.name for p in others)
    return Outcome([Screen(turn.tr.gettext(ASKED_NOTICE).format(people=names))])


async def slots_screen(turn: Turn, staff: Staff, meeting: Meeting) -> Outcome:
    tr = turn.tr
    slots = meetings.open_slots(meeting)
    if meeting.status != MeetingStatus.SCHEDULING or not slots:
        return await staff_card(turn, staff, meeting, notice=tr.gettext(NOT_SCHEDULING))
    case = await meetings.case_ref(turn.session, meeting)
    kind = tr.gettext(meetings.TYPE_LABELS[meeting.type])
    lines = [tr.gettext(SLOTS_TITLE).format(type=kind, case=case), tr.gettext(SLOTS_HELP), ""]
    rows: list[list[Button]] = []
    mine = str(staff.id)
    for number, slot in enumerate(slots, start=1):
        end = slot.starts_at + timedelta(minutes=slot.duration_minutes)
        where = meetings.place_text(tr, slot.place_kind, slot.place_text)
        line = f"{number}. {tr.isolate(f'{tr.datetime(slot.starts_at)}–{tr.time(end)}')}, {where}"
        answer = slot.responses.get(mine)
        if answer in (YES, NO):
            line += f" ({tr.gettext(YOUR_ANSWER_YES if answer == YES else YOUR_ANSWER_NO)})"
        lines.append(line)
        for other in await overlaps(
            turn.session, staff.id, slot.starts_at, slot.duration_minutes, meeting.id
        ):
            other_case = await meetings.case_ref(turn.session, other)
            lines.append(
                "   "
                + tr.gettext(SLOT_OVERLAP).format(
                    type=tr.gettext(meetings.TYPE_LABELS[other.type]),
                    case=other_case,
                    time=tr.time(other.starts_at) if other.starts_at else "–",
                )
            )
        rows.append(
            [
                await token(
                    turn, f"✓ {number}", "mtg_slot", meeting_id=meeting.id, slot=slot.id, a=YES
                ),
                await token(
                    turn, f"✗ {number}", "mtg_slot", meeting_id=meeting.id, slot=slot.id, a=NO
                ),
            ]
        )
    if all(s.responses.get(mine) in (YES, NO) for s in slots):
        lines += ["", tr.gettext(ALL_ANSWERED)]
    return Outcome([Screen("\n".join(lines), rows)])


async def _answering(turn: Turn, payload: dict[str, Any]) -> StaffView | Outcome:
    """A participant answering the times. Someone who still sees the meeting but no longer
    takes part (taken out of the unit they came for, or replaced) presses an old button:
    they hear their answer is not needed."""
    view = await for_staff(turn, payload, "answer_slots")
    if isinstance(view, Outcome):
        return view
    if view.staff.id not in await meetings.current_staff_ids(turn.session, view.meeting):
        return Outcome(toast=turn.tr.gettext(NOT_TAKING_PART), replace=False)
    return view


@actions.action(meetings.ANSWER_SLOTS)
async def open_slots(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await _answering(turn, payload)
    if isinstance(view, Outcome):
        return view
    outcome = await slots_screen(turn, view.staff, view.meeting)
    outcome.replace = False
    return outcome


@actions.action("mtg_slot")
async def answer_slot(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await _answering(turn, payload)
    if isinstance(view, Outcome):
        return view
    meeting, answer = view.meeting, payload.get("a")
    slot = next((s for s in meetings.open_slots(meeting) if s.id == payload.get("slot")), None)
    if slot is None or answer not in (YES, NO) or meeting.status != MeetingStatus.SCHEDULING:
        return Outcome(toast=turn.tr.gettext(SLOT_GONE), replace=False)
    slot.responses = {**slot.responses, str(view.staff.id): answer}
    await evaluate(turn.session, turn.clock, meeting)
    if meeting.status != MeetingStatus.SCHEDULING:
        return await staff_card(turn, view.staff, meeting)
    return await slots_screen(turn, view.staff, meeting)


@actions.action("mtg_confirm_for")
async def confirm_for(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """The person said yes on the phone; the requester confirms for them."""
    view = await for_staff(turn, payload, "confirm_for", participant=True)
    if isinstance(view, Outcome):
        return view
    meeting = view.meeting
    if meeting.status != MeetingStatus.INVITED or view.staff.id != meeting.requester_staff_id:
        return Outcome(toast=turn.tr.gettext(NOT_SCHEDULING), replace=False)
    meeting.individual_answer = meetings.ANSWER_YES
    await meetings.confirm(turn.session, turn.clock, meeting)
    return await staff_card(turn, view.staff, meeting, notice=turn.tr.gettext(CONFIRMED_FOR))


@actions.action(meetings.INVITATION)
async def invitation_answer(turn: Turn, payload: dict[str, Any]) -> Outcome:
    session, clock, tr = turn.session, turn.clock, turn.tr
    person = await access.individual_by_telegram(session, turn.telegram_id)
    meeting = await meetings.load(session, payload.get("meeting_id"))
    if person is None or meeting is None or meeting.individual_id != person.id:
        return await access.refuse(turn, "invitation", NOT_YOURS, toast=True)
    answer = payload.get("answer")
    current = payload.get("seq") == meeting.ics_sequence
    if answer == meetings.ANSWER_YES and meeting.status == MeetingStatus.CONFIRMED:
        return Outcome.message(tr.gettext(ALREADY_YES))
    allowed = (MeetingStatus.INVITED,) if answer == meetings.ANSWER_YES else meetings.TIMED
    if not current or meeting.status not in allowed:
        return Outcome.message(tr.gettext(INVITATION_OLD))
    unit = await meetings.contact_unit(session, meeting)
    contact = {"unit": unit.name if unit else "–", "phone": unit.phone if unit else "–"}
    if answer == meetings.ANSWER_YES:
        meeting.individual_answer = meetings.ANSWER_YES
        await meetings.confirm(session, clock, meeting)
        text = tr.gettext(BOOKED).format(
            when=tr.datetime(meeting.starts_at) if meeting.starts_at else "–",
            place=meetings.place_text(tr, meeting.place_kind, meeting.place_text),
            **contact,
        )
        return Outcome([Screen(text)])
    if answer == meetings.ANSWER_OTHER_TIME:
        await meetings.begin_reschedule(
            session, clock, meeting, who=person.case_ref, reason="person_asked"
        )
        return Outcome([Screen(tr.gettext(ASKED_OTHER_TIME).format(**contact))])
    if answer == meetings.ANSWER_QUESTION:
        return await _question(turn, meeting, contact)
    return Outcome.message(tr.gettext(INVITATION_OLD))


async def _question(turn: Turn, meeting: Meeting, contact: dict[str, str]) -> Outcome:
    session, clock, tr = turn.session, turn.clock, turn.tr
    requester = await session.get(Staff, meeting.requester_staff_id or 0)
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"question:{int(clock.now().timestamp())}",
        QUESTION_STAFF,
        {
            "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type]),
            "when": outbox.dt_param(meeting.starts_at) if meeting.starts_at else "–",
        },
        to=[requester] if requester else None,
    )
    name = requester.name if requester else contact["unit"]
    text = tr.gettext(QUESTION_SENT).format(name=name, **contact)
    text += "\n\n" + tr.gettext(flow_texts.NOT_WATCHED)
    rows: list[list[Button]] = []
    choices = [(OTHER_TIME, meetings.ANSWER_OTHER_TIME)]
    if meeting.status == MeetingStatus.INVITED:
        choices.insert(0, (WILL_COME, meetings.ANSWER_YES))
    for label, answer in choices:
        rows.append(
            [
                await token(
                    turn,
                    tr.gettext(label),
                    meetings.INVITATION,
                    meeting_id=meeting.id,
                    seq=meeting.ics_sequence,
                    answer=answer,
                )
            ]
        )
    return Outcome([Screen(text, rows)], replace=False)
