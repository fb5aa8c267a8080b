"""Finding a time: proposals of one to three slots, each staff participant's yes or no per
slot (with their other Samordna meetings that overlap), and the individual's invitation once
every staff participant can come."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, actions, audit, meetings, outbox
from bot.clock import Clock
from bot.i18n import N_, Translator
from bot.meeting_views import NO_ACCESS, for_staff, place_text, staff_card, token
from bot.models import FlowState, OutboxMessage, Staff
from bot.models.meetings import (
    Meeting,
    MeetingSlot,
    MeetingStatus,
    MeetingType,
    MeetingUnit,
    UnitRequestStatus,
)
from bot.runtime import Turn
from flows import texts as flow_texts
from flows.screens import Button, Outcome, Screen

PROPOSAL_FLOW = "propose_slots"
MAX_SLOTS = 3
YES, NO = "yes", "no"

PROPOSED = N_("{who} proposes times for the {type} for {case}. Please answer for each time.")
ANSWER_LABEL = N_("Answer the times")
ASKED = N_("{who} asks you to propose times for the {type} for {case}.")
ASKED_NOTICE = N_("Asked {people} to propose times.")
PROPOSE_LABEL = N_("Propose times")
NONE_FITS = N_(
    "None of the proposed times works for everyone ({type} for {case}). Please propose new times."
)
AGREED_STAFF = N_(
    "Everyone can come on {when} ({type} for {case}). Now {case} is asked; "
    "you will hear when they answer."
)
AGREED_UNREACHABLE = N_(
    "Everyone can come on {when} ({type} for {case}), but {case} cannot be reached in the "
    "chat. Please tell them, then confirm on the meeting card."
)
OPEN_LABEL = N_("Open")
NOT_SCHEDULING = N_("This meeting is not looking for a time right now.")
USE_RESCHEDULE = N_("The meeting already has a time. Use Reschedule on the meeting card.")
SENT = N_("Sent. {people} will answer; you will hear when everyone has.")
NO_FUTURE_TIME = N_("None of those times is in the future. Please propose again.")
SLOTS_TITLE = N_("Proposed times for the {type} for {case}. Can you come?")
SLOTS_HELP = N_("Press ✓ for each time you can come and ✗ for each you cannot.")
SLOT_OVERLAP = N_("⚠ overlaps with your {type} for {case} at {time}")
YOUR_ANSWER_YES = N_("you: yes")
YOUR_ANSWER_NO = N_("you: no")
ALL_ANSWERED = N_("Thank you. You will hear when everyone has answered.")
SLOT_GONE = N_("That time is no longer proposed.")
PROPOSE_INTRO = N_("Propose one to three times for the {type} for {case}.")
PLACE_UNIT = N_("{unit}, {address}")

INVITATION = N_(
    "Hi! You are invited to a meeting.\n\n{about}\n\n"
    "When: {when}, {minutes} minutes\nWhere: {place}\nWho will be there: {people}\n\n"
    "Can you come? Answer with a button. If you have questions, you can also call "
    "{unit} on {phone}."
)
INVITATION_AGAIN = N_(
    "Hi! We missed you at the last meeting. That happens, so here is a new time.\n\n"
    "{about}\n\nWhen: {when}, {minutes} minutes\nWhere: {place}\nWho will be there: {people}\n\n"
    "Can you come? Answer with a button. If you have questions, you can also call "
    "{unit} on {phone}."
)
ABOUT: dict[str, str] = {
    MeetingType.GFI: N_(
        "It is a GFI: an open meeting where you and the units talk together. You hear what "
        "they can offer, and they hear what you need. It is not an investigation, and nobody "
        "has to decide anything."
    ),
    MeetingType.SIP: N_(
        "It is a SIP meeting. A SIP is a plan you make together: who does what, and when. "
        "What matters to you comes first."
    ),
    MeetingType.SIP_FOLLOWUP: N_(
        "It is a follow-up of your SIP, the plan you made together. You look at how it is "
        "going and change what needs changing."
    ),
    MeetingType.CLOSING: N_(
        "It is a closing meeting. Together you look back on what was done and agree on what "
        "happens next."
    ),
}
WILL_COME = N_("I'll come")
OTHER_TIME = N_("I need another time")
QUESTION = N_("I have a question")
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


# ----------------------------------------------------------------- proposals


async def places(session: AsyncSession, meeting: Meeting, tr: Translator) -> list[list[str]]:
    """The units' addresses as place options for the proposal flow."""
    found = await meetings.units_by_id(session, meetings.unit_ids(meeting))
    return [
        [f"unit:{unit.id}", tr.gettext(PLACE_UNIT).format(unit=unit.name, address=unit.address)]
        for unit in found.values()
        if unit.address
    ]


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


async def propose(
    session: AsyncSession,
    clock: Clock,
    meeting: Meeting,
    proposer: Staff,
    times: list[datetime],
    duration: int,
    place_kind: str,
    place: str | None,
) -> list[Staff]:
    """Replace the open proposals; the proposer can come to each. Returns who must answer."""
    meetings.withdraw_slots(meeting)
    for moment in sorted(set(times))[:MAX_SLOTS]:
        meeting.slots.append(
            MeetingSlot(
                starts_at=moment,
                duration_minutes=duration,
                place_kind=place_kind,
                place_text=place,
                proposed_by_staff_id=proposer.id,
                responses={str(proposer.id): YES},
            )
        )
    meeting.updated_at = clock.now()
    await session.flush()
    others = [p for p in await meetings.participants(session, meeting) if p.id != proposer.id]
    stamp = int(clock.now().timestamp())
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"proposed:{stamp}",
        PROPOSED,
        {"who": proposer.name, "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type])},
        to=others,
        buttons=[[meetings.button(ANSWER_LABEL, meetings.ANSWER_SLOTS, meeting_id=meeting.id)]],
    )
    await evaluate(session, clock, meeting)
    return others


async def finish_proposal(session: AsyncSession, state: FlowState, tr: Translator) -> str:
    """The proposal flow's last step: check again, store the slots, ask the others."""
    clock = meetings.FixedClock(state.updated_at)
    staff = await access.staff_by_telegram(session, state.telegram_id)
    meeting = await meetings.load(session, state.context.get("meeting_id"))
    if meeting is None:
        return tr.gettext(NOT_SCHEDULING)
    if staff is None:
        return tr.gettext(NO_ACCESS)
    if staff.id not in await meetings.current_staff_ids(session, meeting):
        audit.record(
            session,
            clock,
            "refused",
            actor=meetings.actor(staff),
            case_ref=await meetings.case_ref(session, meeting),
            what="propose",
        )
        return tr.gettext(NO_ACCESS)
    if meeting.status != MeetingStatus.SCHEDULING:
        return tr.gettext(NOT_SCHEDULING)
    answers = state.answers
    now = clock.now()
    times = []
    wanted = ["when1"]
    if answers.get("more1") == "more":
        wanted.append("when2")
        if answers.get("more2") == "more":
            wanted.append("when3")
    for key in wanted:
        value = answers.get(key)
        if value:
            moment = datetime.fromisoformat(str(value)).replace(tzinfo=tr.tz)
            if moment > now:
                times.append(moment)
    if not times:
        return tr.gettext(NO_FUTURE_TIME)
    place_code = str(answers.get("place") or "other")
    kind, place = await _place(session, place_code, answers.get("place_text"))
    others = await propose(
        session, clock, meeting, staff, times, int(answers.get("duration") or 60), kind, place
    )
    names = ", ".join(p.name for p in others) or staff.name
    return tr.gettext(SENT).format(people=names)


async def _place(session: AsyncSession, code: str, typed: Any) -> tuple[str, str | None]:
    if code.startswith("unit:") and code[5:].isdigit():
        units = await meetings.units_by_id(session, [int(code[5:])])
        unit = units.get(int(code[5:]))
        if unit is not None:
            return "unit", f"{unit.name}, {unit.address or ''}".rstrip(", ")
    if code in ("video", "phone"):
        return code, None
    return "other", str(typed).strip() if typed else None


async def evaluate(session: AsyncSession, clock: Clock, meeting: Meeting) -> None:
    """A slot everyone said yes to is the time; if every slot has a no, ask for new ones."""
    if meeting.status != MeetingStatus.SCHEDULING:
        return
    ids = [str(i) for i in meetings.staff_ids(meeting)]
    slots = meetings.open_slots(meeting)
    for slot in slots:
        if all(slot.responses.get(i) == YES for i in ids):
            await agreed(session, clock, meeting, slot)
            return
    if slots and all(any(s.responses.get(i) == NO for i in ids) for s in slots):
        proposer = await session.get(Staff, slots[0].proposed_by_staff_id or 0)
        meetings.withdraw_slots(meeting)
        await meetings.tell_staff(
            session,
            clock,
            meeting,
            f"none_fits:{slots[0].id}",
            NONE_FITS,
            {"type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type])},
            to=[proposer] if proposer else None,
            buttons=[[meetings.button(PROPOSE_LABEL, meetings.PROPOSE, meeting_id=meeting.id)]],
        )


async def agreed(session: AsyncSession, clock: Clock, meeting: Meeting, slot: MeetingSlot) -> None:
    meeting.starts_at = slot.starts_at
    meeting.duration_minutes = slot.duration_minutes
    meeting.place_kind = slot.place_kind
    meeting.place_text = slot.place_text
    meetings.withdraw_slots(meeting)
    meetings.touch(meeting, clock.now())
    if not meetings.invites_individual(meeting):
        await meetings.confirm(session, clock, meeting)
        return
    meeting.status = MeetingStatus.INVITED
    meeting.individual_answer = None
    reached = await invite(session, clock, meeting)
    params = {"type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type])}
    params["when"] = outbox.dt_param(slot.starts_at)
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"agreed:{meeting.ics_sequence}",
        AGREED_STAFF if reached else AGREED_UNREACHABLE,
        params,
        buttons=None
        if reached
        else [[meetings.button(OPEN_LABEL, meetings.OPEN_CARD, meeting_id=meeting.id)]],
    )


async def invite(session: AsyncSession, clock: Clock, meeting: Meeting) -> bool:
    """The invitation in plain words, with the three answers; False if not reachable."""
    seq = meeting.ics_sequence
    again = False
    if meeting.previous_meeting_id is not None:
        previous = await session.get(Meeting, meeting.previous_meeting_id)
        again = previous is not None and previous.status == MeetingStatus.NO_SHOW
    return await meetings.tell_individual(
        session,
        clock,
        meeting,
        f"invited:{seq}",
        INVITATION_AGAIN if again else INVITATION,
        {
            "seq": seq,
            **meetings.time_params(meeting),
            "about": outbox.msg_param(ABOUT.get(meeting.type, ABOUT[MeetingType.GFI])),
            "people": await meetings.people_line(session, meeting),
        },
        buttons=[
            [_answer(WILL_COME, meeting, meetings.ANSWER_YES)],
            [_answer(OTHER_TIME, meeting, meetings.ANSWER_OTHER_TIME)],
            [_answer(QUESTION, meeting, meetings.ANSWER_QUESTION)],
        ],
    )


@outbox.guard("booking_invited")
async def _invitation_current(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    """An invitation whose meeting moved on before it went out is not sent."""
    meeting = await session.get(Meeting, row.params.get("meeting_id"))
    return (
        meeting is not None
        and meeting.status == MeetingStatus.INVITED
        and row.params.get("seq") == meeting.ics_sequence
    )


def _answer(label: str, meeting: Meeting, answer: str) -> dict[str, Any]:
    return meetings.button(
        label, meetings.INVITATION, meeting_id=meeting.id, seq=meeting.ics_sequence, answer=answer
    )


async def overlaps(
    session: AsyncSession, staff_id: int, start: datetime, minutes: int, exclude: int
) -> list[Meeting]:
    """This staff member's other booked Samordna meetings that overlap the interval."""
    end = start + timedelta(minutes=minutes)
    assigned = select(MeetingUnit.meeting_id).where(
        MeetingUnit.assigned_staff_id == staff_id,
        MeetingUnit.status == UnitRequestStatus.ASSIGNED,
    )
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.id != exclude,
            Meeting.status.in_(meetings.TIMED),
            Meeting.starts_at < end,
            Meeting.starts_at > start - timedelta(hours=12),
            or_(Meeting.requester_staff_id == staff_id, Meeting.id.in_(assigned)),
        )
        .order_by(Meeting.starts_at)
    )
    return [m for m in rows if (meetings.ends_at(m) or start) > start]


# ----------------------------------------------------------------- staff buttons


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
        where = place_text(tr, slot.place_kind, slot.place_text)
        line = f"{number}. {tr.datetime(slot.starts_at)}–{tr.time(end)}, {where}"
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


@actions.action(meetings.ANSWER_SLOTS)
async def open_slots(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "answer_slots", participant=True)
    if isinstance(view, Outcome):
        return view
    outcome = await slots_screen(turn, view.staff, view.meeting)
    outcome.replace = False
    return outcome


@actions.action("mtg_slot")
async def answer_slot(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "answer_slots", participant=True)
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


# ----------------------------------------------------------------- the individual's answer


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
        return Outcome([Screen(tr.gettext(ALREADY_YES))], replace=False)
    allowed = (MeetingStatus.INVITED,) if answer == meetings.ANSWER_YES else meetings.TIMED
    if not current or meeting.status not in allowed:
        return Outcome([Screen(tr.gettext(INVITATION_OLD))], replace=False)
    unit = await meetings.contact_unit(session, meeting)
    contact = {"unit": unit.name if unit else "–", "phone": unit.phone if unit else "–"}
    if answer == meetings.ANSWER_YES:
        meeting.individual_answer = meetings.ANSWER_YES
        await meetings.confirm(session, clock, meeting)
        text = tr.gettext(BOOKED).format(
            when=tr.datetime(meeting.starts_at) if meeting.starts_at else "–",
            place=place_text(tr, meeting.place_kind, meeting.place_text),
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
    return Outcome([Screen(tr.gettext(INVITATION_OLD))], replace=False)


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


def individual_buttons(meeting: Meeting) -> list[tuple[str, str]]:
    """Which answers the individual's own list offers for a meeting."""
    if meeting.status == MeetingStatus.INVITED:
        return [
            (WILL_COME, meetings.ANSWER_YES),
            (OTHER_TIME, meetings.ANSWER_OTHER_TIME),
            (QUESTION, meetings.ANSWER_QUESTION),
        ]
    return [(OTHER_TIME, meetings.ANSWER_OTHER_TIME), (QUESTION, meetings.ANSWER_QUESTION)]
