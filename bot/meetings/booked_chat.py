"""The buttons around a booked meeting: its card, the calendar file, rescheduling and
cancelling with a reason, and what the individual sees of their own meetings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.chat import access, actions, audit
from bot.chat.turn import Turn
from bot.meetings import ics, slots, slots_chat
from bot.meetings import lifecycle as meetings
from bot.meetings.views import BACK, for_staff, staff_card, staff_list, token
from bot.models import Individual, Staff
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.outbox import queue as outbox
from bot.platform import events
from bot.platform.i18n import N_
from flows.screens import Button, Outcome, Screen

WHY_MOVE = N_("Why does the {type} for {case} need a new time?")
WHY_CANCEL = N_("Why is the {type} for {case} cancelled?")
MOVED = N_("The time is dropped and everyone has been told.")
CANCELLED = N_("Cancelled. Everyone has been told.")
NOT_NOW = N_("That cannot be done with this meeting now.")
CALENDAR_WITH = N_("With: {people}")
CALENDAR_CAPTION = N_("Calendar file for the {type} for {case}.")
CANNOT_COME = N_("{case} cannot come to the {type} on {when}. Shall we find a new time?")
NEW_TIME_LABEL = N_("Find a new time")
YOUR_MEETINGS = N_("Your meetings:")
NO_MEETINGS = N_("You have no meetings booked right now.")
NOT_CONNECTED = N_(
    "I can show your meetings once a unit has connected you with me. If someone at a unit "
    "gave you a link, open it first. /help shows what I can do."
)
WAITING_FOR_YOU = N_("Waiting for your answer.")
YOU_COME = N_("You have said you will come.")
CALL_US = N_("Questions? Call {unit} on {phone}.")
WHEN_WHERE = N_("When: {when}\nWhere: {place}\nWho will be there: {people}")
INDIVIDUAL_TYPES: dict[str, str] = {
    MeetingType.GFI: N_("GFI – an open meeting with you and the units"),
    MeetingType.SIP: N_("SIP meeting – making your plan together"),
    MeetingType.SIP_FOLLOWUP: N_("SIP follow-up – how your plan is going"),
    MeetingType.STAFF_ONLY: N_("Staff-only meeting"),
    MeetingType.CLOSING: N_("Closing meeting – looking back and ahead"),
}
MOVE_REASONS = ("illness", "staff_unavailable", "person_asked", "other")


@actions.action(meetings.OPEN_CARD)
async def open_card(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "open")
    if isinstance(view, Outcome):
        return view
    ref = await meetings.case_ref(turn.session, view.meeting)
    audit.record(
        turn.session,
        turn.clock,
        "meeting_opened",
        actor=meetings.actor(view.staff),
        case_ref=ref,
        meeting=view.meeting.id,
    )
    return await staff_card(turn, view.staff, view.meeting, replace=False)


@actions.action(meetings.CALENDAR)
async def calendar_file(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "calendar", participant=True)
    if isinstance(view, Outcome):
        return view
    meeting, tr = view.meeting, turn.tr
    if meeting.starts_at is None:
        return Outcome(toast=tr.gettext(NOT_NOW), replace=False)
    case = await meetings.case_ref(turn.session, meeting)
    kind = tr.gettext(meetings.TYPE_LABELS[meeting.type])
    people = await meetings.people_line(turn.session, meeting)
    entry = ics.CalendarEntry(
        uid=meeting.ics_uid,
        sequence=meeting.ics_sequence,
        starts_at=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        summary=f"{kind} · {case}",
        location=meetings.place_text(tr, meeting.place_kind, meeting.place_text),
        description=tr.gettext(CALENDAR_WITH).format(people=people),
        stamp=turn.clock.now(),
        cancelled=meeting.status == MeetingStatus.CANCELLED,
    )
    caption = tr.gettext(CALENDAR_CAPTION).format(type=kind, case=case)
    screen = Screen(caption, attachment=(f"samordna-{meeting.id}.ics", ics.build(entry), False))
    return Outcome([screen], replace=False)


async def _reasons(
    turn: Turn, meeting: Meeting, prompt: str, action: str, codes: tuple[str, ...]
) -> Outcome:
    tr = turn.tr
    rows: list[list[Button]] = [
        [
            await token(
                turn, tr.gettext(meetings.REASONS[code]), action, meeting_id=meeting.id, r=code
            )
        ]
        for code in codes
    ]
    rows.append([await token(turn, tr.gettext(BACK), meetings.OPEN_CARD, meeting_id=meeting.id)])
    case = await meetings.case_ref(turn.session, meeting)
    text = tr.gettext(prompt).format(type=tr.gettext(meetings.TYPE_LABELS[meeting.type]), case=case)
    return Outcome([Screen(text, rows)])


@actions.action("mtg_move")
async def ask_move(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "reschedule", participant=True)
    if isinstance(view, Outcome):
        return view
    if view.meeting.status not in meetings.TIMED:
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    return await _reasons(turn, view.meeting, WHY_MOVE, "mtg_moved", MOVE_REASONS)


@actions.action("mtg_moved")
async def moved(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "reschedule", participant=True)
    if isinstance(view, Outcome):
        return view
    reason = payload.get("r")
    if view.meeting.status not in meetings.TIMED or reason not in MOVE_REASONS:
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    await meetings.begin_reschedule(
        turn.session,
        turn.clock,
        view.meeting,
        who=view.staff.name,
        reason=str(reason),
        by_staff_id=view.staff.id,
    )
    return await slots_chat.start_proposal(turn, view.meeting, notice=turn.tr.gettext(MOVED))


@actions.action(meetings.FIND_NEW_TIME)
async def find_new_time(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """After the individual said they cannot come: drop the time and propose new ones."""
    view = await for_staff(turn, payload, "reschedule", participant=True)
    if isinstance(view, Outcome):
        return view
    meeting = view.meeting
    if meeting.status in meetings.TIMED:
        await meetings.begin_reschedule(
            turn.session,
            turn.clock,
            meeting,
            who=view.staff.name,
            reason="person_asked",
            by_staff_id=view.staff.id,
        )
    if meeting.status != MeetingStatus.SCHEDULING:
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    outcome = await slots_chat.start_proposal(turn, meeting)
    outcome.replace = False
    return outcome


@actions.action("mtg_cancel")
async def ask_cancel(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "cancel", participant=True)
    if isinstance(view, Outcome):
        return view
    if view.meeting.status not in meetings.OPEN:
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    return await _reasons(turn, view.meeting, WHY_CANCEL, "mtg_cancelled", tuple(meetings.REASONS))


@actions.action("mtg_cancelled")
async def cancelled(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "cancel", participant=True)
    if isinstance(view, Outcome):
        return view
    reason = payload.get("r")
    if view.meeting.status not in meetings.OPEN or reason not in meetings.REASONS:
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    await meetings.cancel(
        turn.session,
        turn.clock,
        view.meeting,
        who=view.staff.name,
        reason=str(reason),
        by_staff_id=view.staff.id,
    )
    return await staff_card(turn, view.staff, view.meeting, notice=turn.tr.gettext(CANCELLED))


@events.listen(events.INDIVIDUAL_CANNOT_COME)
async def individual_cannot_come(event: events.Event) -> None:
    """Offer the requester a new time; the meeting stays as it is until they choose."""
    meeting = await meetings.load(event.session, event.data.get("meeting_id"))
    if meeting is None or meeting.status not in meetings.TIMED:
        return
    requester = await event.session.get(Staff, meeting.requester_staff_id or 0)
    if requester is None:
        return
    await meetings.tell_staff(
        event.session,
        event.clock,
        meeting,
        f"cannot_come:{meeting.ics_sequence}",
        CANNOT_COME,
        {
            "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type]),
            "when": outbox.dt_param(meeting.starts_at) if meeting.starts_at else "–",
        },
        to=[requester],
        buttons=[
            [
                meetings.button(NEW_TIME_LABEL, meetings.FIND_NEW_TIME, meeting_id=meeting.id),
                meetings.button(meetings.OPEN_LABEL, meetings.OPEN_CARD, meeting_id=meeting.id),
            ]
        ],
    )


# ----------------------------------------------------------------- /meetings


async def my_meetings(turn: Turn) -> Outcome:
    """Staff see their units' meetings; an individual sees only their own; anyone else
    learns how to get connected."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is not None:
        return await staff_list(turn, staff)
    person = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if person is None:
        return Outcome.message(turn.tr.gettext(NOT_CONNECTED))
    return await individual_list(turn, person)


async def individual_list(turn: Turn, person: Individual) -> Outcome:
    tr, session = turn.tr, turn.session
    now = turn.clock.now()
    found = [
        m
        for m in await session.scalars(
            select(Meeting)
            .where(
                Meeting.individual_id == person.id,
                Meeting.type != MeetingType.STAFF_ONLY,
                Meeting.status.in_(meetings.TIMED),
            )
            .order_by(Meeting.starts_at)
        )
        if (meetings.ends_at(m) or now) > now
    ]
    if not found:
        return Outcome.message(tr.gettext(NO_MEETINGS))
    lines = [tr.gettext(YOUR_MEETINGS)]
    rows: list[list[Button]] = []
    contact = None
    for meeting in found:
        loaded = await meetings.load(session, meeting.id)
        if loaded is None:
            continue
        contact = contact or await meetings.contact_unit(session, loaded)
        state = WAITING_FOR_YOU if loaded.status == MeetingStatus.INVITED else YOU_COME
        details = tr.gettext(WHEN_WHERE).format(
            when=tr.datetime(loaded.starts_at) if loaded.starts_at else "–",
            place=meetings.place_text(tr, loaded.place_kind, loaded.place_text),
            people=await meetings.people_line(session, loaded),
        )
        lines += ["", tr.gettext(INDIVIDUAL_TYPES[loaded.type]), details, tr.gettext(state)]
        day = tr.short_day(loaded.starts_at) if loaded.starts_at else ""
        for label, answer in slots.individual_buttons(loaded):
            rows.append(
                [
                    await token(
                        turn,
                        f"{tr.gettext(label)} · {tr.isolate(day)}",
                        meetings.INVITATION,
                        meeting_id=loaded.id,
                        seq=loaded.ics_sequence,
                        answer=answer,
                    )
                ]
            )
    if contact is not None:
        lines += ["", tr.gettext(CALL_US).format(unit=contact.name, phone=contact.phone)]
    return Outcome([Screen("\n".join(lines), rows)], replace=False)
