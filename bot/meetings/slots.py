"""Finding a time: proposals of one to three slots, each staff participant's yes or no per
slot (with their other Samordna meetings that overlap), and the individual's invitation once
every staff participant can come."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, audit
from bot.meetings import lifecycle as meetings
from bot.meetings.views import NO_ACCESS
from bot.models import FlowState, OutboxMessage, Staff
from bot.models.meetings import (
    Meeting,
    MeetingSlot,
    MeetingStatus,
    MeetingType,
    MeetingUnit,
    MeetingUnitStaff,
    UnitRequestStatus,
)
from bot.outbox import queue as outbox
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator

MAX_SLOTS = 3


YES, NO = "yes", "no"


PROPOSED = N_("{who} proposes times for the {type} for {case}. Please answer for each time.")


ANSWER_LABEL = N_("Answer the times")


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


SENT = N_("Sent. {people} will answer; you will hear when everyone has.")


NO_FUTURE_TIME = N_("None of those times is in the future. Please propose again.")


PLACE_UNIT = N_("{unit}, {address}")


INVITATION = N_(
    "Hi! You are invited to a meeting.\n\n{about}\n\n"
    "When: {when}, {minutes}\nWhere: {place}\nWho will be there: {people}\n\n"
    "Can you come? Answer with a button. If you have questions, you can also call "
    "{unit} on {phone}."
)


INVITATION_AGAIN = N_(
    "Hi! We missed you at the last meeting. That happens, so here is a new time.\n\n"
    "{about}\n\nWhen: {when}, {minutes}\nWhere: {place}\nWho will be there: {people}\n\n"
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


async def places(session: AsyncSession, meeting: Meeting, tr: Translator) -> list[list[str]]:
    """The units' addresses as place options for the proposal flow."""
    found = await meetings.units_by_id(session, meetings.unit_ids(meeting))
    return [
        [f"unit:{unit.id}", tr.gettext(PLACE_UNIT).format(unit=unit.name, address=unit.address)]
        for unit in found.values()
        if unit.address
    ]


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
    await _ask_about_times(session, clock, meeting, proposer.name, others)
    await evaluate(session, clock, meeting)
    return others


async def _ask_about_times(
    session: AsyncSession, clock: Clock, meeting: Meeting, proposer: str, to: list[Staff]
) -> None:
    """The question "``proposer`` proposes times", with the button that opens them."""
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"proposed:{int(clock.now().timestamp())}",
        PROPOSED,
        {"who": proposer, "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type])},
        to=to,
        buttons=[[meetings.button(ANSWER_LABEL, meetings.ANSWER_SLOTS, meeting_id=meeting.id)]],
    )


async def ask_newcomer(
    session: AsyncSession, clock: Clock, meeting: Meeting, person: Staff
) -> None:
    """Someone assigned while times are proposed is waited for like the others, so they get
    the same question the others got; without it the proposal would wait for them unasked."""
    slots = meetings.open_slots(meeting)
    if meeting.status != MeetingStatus.SCHEDULING or not slots:
        return
    if all(s.responses.get(str(person.id)) in (YES, NO) for s in slots):
        return
    proposer = await session.get(Staff, slots[0].proposed_by_staff_id or 0)
    await _ask_about_times(session, clock, meeting, proposer.name if proposer else "–", [person])


async def finish_proposal(
    session: AsyncSession, clock: Clock, state: FlowState, tr: Translator
) -> str:
    """The proposal flow's last step: check again, store the slots, ask the others."""
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
    # Only those still taking part are waited for; someone removed from their unit is not.
    ids = [str(i) for i in await meetings.current_staff_ids(session, meeting)]
    slots = meetings.open_slots(meeting)
    if not ids:
        return
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


@events.listen(events.STAFF_REMOVED)
async def _on_staff_removed(event: events.Event) -> None:
    """A proposal that was waiting for someone now removed may be answered by everyone left."""
    staff_id = event.data.get("staff_id")
    if not isinstance(staff_id, int):
        return
    assigned = select(MeetingUnit.meeting_id).where(MeetingUnit.assigned_staff_id == staff_id)
    also = select(MeetingUnitStaff.meeting_id).where(MeetingUnitStaff.staff_id == staff_id)
    found = await event.session.scalars(
        select(Meeting.id).where(
            Meeting.status == MeetingStatus.SCHEDULING,
            or_(
                Meeting.requester_staff_id == staff_id,
                Meeting.id.in_(assigned),
                Meeting.id.in_(also),
            ),
        )
    )
    for meeting_id in list(found):
        meeting = await meetings.load(event.session, meeting_id)
        if meeting is not None:
            await evaluate(event.session, event.clock, meeting)


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


@outbox.guard("booking_proposed")
async def _still_asked(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    """The question about proposed times goes only to someone who still takes part, while
    times are still proposed."""
    meeting = await meetings.load(session, row.params.get("meeting_id"))
    if meeting is None or meeting.status != MeetingStatus.SCHEDULING:
        return False
    if not meetings.open_slots(meeting):
        return False
    return row.staff_id in await meetings.current_staff_ids(session, meeting)


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
    also = select(MeetingUnitStaff.meeting_id).where(MeetingUnitStaff.staff_id == staff_id)
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.id != exclude,
            Meeting.status.in_(meetings.TIMED),
            Meeting.starts_at < end,
            Meeting.starts_at > start - timedelta(hours=12),
            or_(
                Meeting.requester_staff_id == staff_id,
                Meeting.id.in_(assigned),
                Meeting.id.in_(also),
            ),
        )
        .order_by(Meeting.starts_at)
    )
    return [m for m in rows if (meetings.ends_at(m) or start) > start]


def individual_buttons(meeting: Meeting) -> list[tuple[str, str]]:
    """Which answers the individual's own list offers for a meeting."""
    if meeting.status == MeetingStatus.INVITED:
        return [
            (WILL_COME, meetings.ANSWER_YES),
            (OTHER_TIME, meetings.ANSWER_OTHER_TIME),
            (QUESTION, meetings.ANSWER_QUESTION),
        ]
    return [(OTHER_TIME, meetings.ANSWER_OTHER_TIME), (QUESTION, meetings.ANSWER_QUESTION)]
