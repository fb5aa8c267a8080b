"""The life of a meeting from request to outcome: who takes part, who may see it, and the
changes everyone must hear about.

Every change to the time, place or status raises ``ics_sequence``, so the newest calendar
file always wins. Booking only says what happened (events); reminders, preparation and the
survey listen without booking knowing about them.

One concept: a meeting's life (who is in it, who may see it, who hears of a change, the
changes themselves); the chat screens around it live in the ``*_chat`` modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.chat import access
from bot.models import Individual, OutboxMessage, Role, Staff, StaffMembership, Unit
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
from bot.people import contacts
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator
from flows import texts as flow_texts

OPEN = (
    MeetingStatus.REQUESTED,
    MeetingStatus.SCHEDULING,
    MeetingStatus.INVITED,
    MeetingStatus.CONFIRMED,
)
TIMED = (MeetingStatus.INVITED, MeetingStatus.CONFIRMED)
ACTIVE_UNIT = (UnitRequestStatus.WAITING, UnitRequestStatus.ASSIGNED)

TYPE_LABELS: dict[str, str] = {
    MeetingType.GFI: N_("GFI"),
    MeetingType.SIP: N_("SIP meeting"),
    MeetingType.SIP_FOLLOWUP: N_("SIP follow-up"),
    MeetingType.STAFF_ONLY: N_("Staff-only meeting"),
    MeetingType.CLOSING: N_("Closing meeting"),
}
STATUS_LABELS: dict[str, str] = {
    MeetingStatus.REQUESTED: N_("waiting for every unit to assign someone"),
    MeetingStatus.SCHEDULING: N_("finding a time"),
    MeetingStatus.INVITED: N_("waiting for the person's answer"),
    MeetingStatus.CONFIRMED: N_("confirmed"),
    MeetingStatus.CANCELLED: N_("cancelled"),
    MeetingStatus.HELD: N_("held"),
    MeetingStatus.NO_SHOW: N_("the person did not come"),
}
PLACE_VIDEO = N_("Video meeting (you get a link before the meeting)")
PLACE_PHONE = N_("Phone meeting (you will be called)")


def place_text(tr: Translator, place_kind: str | None, text: str | None) -> str:
    """Where the meeting is, in the reader's words: a video or phone meeting has no address."""
    if place_kind == "video":
        return tr.gettext(PLACE_VIDEO)
    if place_kind == "phone":
        return tr.gettext(PLACE_PHONE)
    return text or "–"


REASONS: dict[str, str] = {
    "illness": N_("Someone is ill"),
    "staff_unavailable": N_("Someone from a unit cannot come"),
    "person_asked": N_("The person asked for it"),
    "not_needed": N_("The meeting is no longer needed"),
    "other": N_("Another reason"),
}

# Button actions, named here so that notices can carry them without importing their owners.
OPEN_CARD = "mtg_open"
CALENDAR = "mtg_ics"
PROPOSE = "mtg_propose"
ASK_PROPOSE = "mtg_ask_propose"
ANSWER_SLOTS = "mtg_slots"
INVITATION = "mtg_invitation"
CONSENT_ANSWER = "mtg_consent"
FIND_NEW_TIME = "mtg_new_time"
MEETING_OVER = "mtg_over"

ANSWER_YES = "yes"
ANSWER_OTHER_TIME = "other_time"
ANSWER_QUESTION = "question"


def actor(staff: Staff) -> str:
    return f"staff:{staff.id}"


# ----------------------------------------------------------------- reading


async def load(session: AsyncSession, meeting_id: object) -> Meeting | None:
    """A meeting with its units and slots; anything but an id from our own buttons is None."""
    if not isinstance(meeting_id, int) or isinstance(meeting_id, bool):
        return None
    return await session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.units), selectinload(Meeting.slots))
        .execution_options(populate_existing=True)
    )


def active_units(meeting: Meeting) -> list[MeetingUnit]:
    return [u for u in meeting.units if u.status in ACTIVE_UNIT]


def staff_ids(meeting: Meeting) -> list[int]:
    """The requester, then everyone a unit assigned: the staff participants."""
    ids: list[int] = []
    if meeting.requester_staff_id is not None:
        ids.append(meeting.requester_staff_id)
    for target in meeting.units:
        for staff_id in target.assigned_ids():
            if staff_id not in ids:
                ids.append(staff_id)
    return ids


async def current_staff_ids(session: AsyncSession, meeting: Meeting) -> list[int]:
    """The staff participants who are still members of the unit they take part for: the
    requester of the requesting unit, each assigned person of their unit. Someone removed
    from that unit stops being a participant at once."""
    taking_part: list[tuple[int, int | None]] = []
    if meeting.requester_staff_id is not None:
        taking_part.append((meeting.requester_staff_id, meeting.requester_unit_id))
    for target in meeting.units:
        taking_part += [(staff_id, target.unit_id) for staff_id in target.assigned_ids()]
    if not taking_part:
        return []
    held = await session.execute(
        select(StaffMembership.staff_id, StaffMembership.unit_id).where(
            StaffMembership.staff_id.in_({staff_id for staff_id, _ in taking_part})
        )
    )
    memberships = {(staff_id, unit_id) for staff_id, unit_id in held.all()}
    members = {staff_id for staff_id, _ in memberships}
    ids: list[int] = []
    for staff_id, unit_id in taking_part:
        still = (staff_id, unit_id) in memberships if unit_id is not None else staff_id in members
        if still and staff_id not in ids:
            ids.append(staff_id)
    return ids


def unit_ids(meeting: Meeting) -> list[int]:
    """The units taking part: the requester's and every target still in the request."""
    ids = [meeting.requester_unit_id] if meeting.requester_unit_id is not None else []
    return ids + [u.unit_id for u in active_units(meeting) if u.unit_id not in ids]


def unit_of(meeting: Meeting, staff_id: int | None) -> int | None:
    """The unit a staff participant takes part for."""
    if staff_id is not None and staff_id == meeting.requester_staff_id:
        return meeting.requester_unit_id
    for target in meeting.units:
        if staff_id in target.assigned_ids():
            return target.unit_id
    return None


def everyone_assigned(meeting: Meeting) -> bool:
    waiting = [u for u in meeting.units if u.status != UnitRequestStatus.RETURNED]
    return bool(waiting) and all(u.status == UnitRequestStatus.ASSIGNED for u in waiting)


def ends_at(meeting: Meeting) -> datetime | None:
    if meeting.starts_at is None:
        return None
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def has_started(meeting: Meeting, now: datetime) -> bool:
    return meeting.starts_at is not None and meeting.starts_at <= now


def has_ended(meeting: Meeting, now: datetime) -> bool:
    """Over: a participant said so, or its booked end has passed."""
    end = ends_at(meeting)
    return meeting.ended_at is not None or (end is not None and end <= now)


def invites_individual(meeting: Meeting) -> bool:
    return meeting.type != MeetingType.STAFF_ONLY and meeting.individual_id is not None


async def participants(session: AsyncSession, meeting: Meeting) -> list[Staff]:
    """The staff participants still in the unit they take part for (they hear the news)."""
    ids = await current_staff_ids(session, meeting)
    if not ids:
        return []
    found = {s.id: s for s in await session.scalars(select(Staff).where(Staff.id.in_(ids)))}
    return [found[i] for i in ids if i in found and found[i].removed_at is None]


async def units_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Unit]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {u.id: u for u in await session.scalars(select(Unit).where(Unit.id.in_(wanted)))}


async def unit_name_list(session: AsyncSession, ids: Sequence[int]) -> list[str]:
    """The names in the order given; joined for reading with ``Translator.join``."""
    units = await units_by_id(session, ids)
    return [units[i].name for i in ids if i in units]


async def individual_of(session: AsyncSession, meeting: Meeting) -> Individual | None:
    if meeting.individual_id is None:
        return None
    return await session.get(Individual, meeting.individual_id)


async def case_ref(session: AsyncSession, meeting: Meeting) -> str:
    person = await individual_of(session, meeting)
    return person.case_ref if person else "–"


async def contact_unit(session: AsyncSession, meeting: Meeting) -> Unit | None:
    """The unit an individual is told to call: the requester's."""
    if meeting.requester_unit_id is None:
        return None
    return await session.get(Unit, meeting.requester_unit_id)


async def people_line(session: AsyncSession, meeting: Meeting) -> str:
    """Who will be there, as names with their unit (for the individual and for staff)."""
    unit_of: dict[int, int] = {}
    if meeting.requester_staff_id is not None and meeting.requester_unit_id is not None:
        unit_of[meeting.requester_staff_id] = meeting.requester_unit_id
    for target in meeting.units:
        for staff_id in target.assigned_ids():
            unit_of.setdefault(staff_id, target.unit_id)
    units = await units_by_id(session, unit_of.values())
    parts = []
    for person in await participants(session, meeting):
        unit = units.get(unit_of.get(person.id, -1))
        parts.append(f"{person.name} ({unit.name})" if unit else person.name)
    return ", ".join(parts)


def place_param(kind: str | None, text: str | None) -> Any:
    """The place for a queued message: proper text as it is, fixed phrases translated."""
    if kind == "video":
        return outbox.msg_param(PLACE_VIDEO)
    if kind == "phone":
        return outbox.msg_param(PLACE_PHONE)
    return text or "–"


# ----------------------------------------------------------------- access


async def may_see(session: AsyncSession, staff: Staff, meeting: Meeting) -> bool:
    """Participants still in the unit they take part for, and staff of a unit taking part; a
    unit still waiting for consent or one that returned the request sees nothing."""
    if staff.id in await current_staff_ids(session, meeting):
        return True
    mine = set((await access.roles_of(session, staff.id)).keys())
    return bool(mine & set(unit_ids(meeting)))


async def distributes(session: AsyncSession, staff: Staff, unit_id: int) -> bool:
    return access.has_role(await access.roles_of(session, staff.id), Role.DISTRIBUTOR, unit_id)


# ----------------------------------------------------------------- notices


async def tell_staff(
    session: AsyncSession,
    clock: Clock,
    meeting: Meeting,
    key: str,
    message: str,
    params: dict[str, Any] | None = None,
    *,
    to: Sequence[Staff] | None = None,
    exclude: Iterable[int] = (),
    buttons: list[list[dict[str, Any]]] | None = None,
) -> None:
    """Queue one notice per staff member (participants unless ``to`` says otherwise).

    ``key`` is ``"<kind>:<what makes it unique>"``; the kind is what guards and live
    parameters are registered for.
    """
    skip = set(exclude)
    recipients = list(to) if to is not None else await participants(session, meeting)
    for person in recipients:
        if person.id in skip or person.telegram_id is None:
            continue
        await contacts.notify_staff(
            session,
            clock,
            person,
            kind=kind_of(key),
            message=message,
            params={
                "meeting_id": meeting.id,
                "case": await case_ref(session, meeting),
                **(params or {}),
            },
            dedupe_key=f"mtg:{meeting.id}:{key}:s{person.id}"[:120],
            individual_id=meeting.individual_id,
            subject=subject(meeting),
            buttons=buttons,
        )


async def tell_individual(
    session: AsyncSession,
    clock: Clock,
    meeting: Meeting,
    key: str,
    message: str,
    params: dict[str, Any] | None = None,
    *,
    buttons: list[list[dict[str, Any]]] | None = None,
) -> bool:
    """Queue a message to the individual; False when they cannot be reached in the chat."""
    person = await individual_of(session, meeting)
    if person is None or person.telegram_id is None:
        return False
    unit = await contact_unit(session, meeting)
    await contacts.notify_individual(
        session,
        clock,
        person,
        kind=kind_of(key),
        message=message,
        params={
            "meeting_id": meeting.id,
            "unit": unit.name if unit else "",
            "phone": unit.phone if unit else "",
            **(params or {}),
        },
        dedupe_key=f"mtg:{meeting.id}:{key}:i"[:120],
        subject=subject(meeting),
        buttons=buttons,
        unit=unit,
    )
    return True


def subject(meeting: Meeting) -> str:
    return f"booking:{meeting.id}"


def kind_of(key: str) -> str:
    return f"booking_{key.split(':', 1)[0]}"[:40]


async def _live_place(session: AsyncSession, row: OutboxMessage) -> dict[str, Any]:
    """The place is read when the message goes: its free text never waits in the outbox."""
    meeting = await session.get(Meeting, row.params.get("meeting_id"))
    if meeting is None:
        return {"place": "–"}
    return {"place": place_param(meeting.place_kind, meeting.place_text)}


for _kind in ("booking_confirmed", "booking_invited"):
    outbox.live_params(_kind)(_live_place)
OUTBOX_KINDS = {
    "booking_invited": N_("a meeting invitation"),
    "booking_moved": N_("a notice that a meeting is moved"),
    "booking_cancelled": N_("a notice that a meeting is cancelled"),
    "booking_no_show": N_("a kind word after a missed meeting"),
}


def button(label: str, action: str, **payload: Any) -> dict[str, Any]:
    return {"label": label, "action": action, "payload": payload}


def time_params(meeting: Meeting) -> dict[str, Any]:
    """What, when and how long; the place comes live (see :func:`_live_place`)."""
    when = outbox.dt_param(meeting.starts_at) if meeting.starts_at else "–"
    return {
        "type": outbox.msg_param(TYPE_LABELS[meeting.type]),
        "when": when,
        "minutes": outbox.count_param(flow_texts.MINUTES, meeting.duration_minutes),
    }


# ----------------------------------------------------------------- changes

CONFIRMED_STAFF = N_(
    "Confirmed: the {type} for {case} on {when}, {minutes}.\nPlace: {place}\nWith: {people}"
)
CALENDAR_FILE = N_("📅 Calendar file")
OPEN_LABEL = N_("Open")
MOVED_STAFF = N_(
    "{who} is moving the {type} for {case} that was on {when}. Reason: {reason}. "
    "New times will be proposed."
)
MOVED_INDIVIDUAL = N_(
    "The meeting on {when} cannot happen at that time. You will get a new time soon. "
    "If you have questions, call {unit} on {phone}."
)
CANCELLED_STAFF = N_("{who} cancelled the {type} for {case} on {when}. Reason: {reason}.")
CANCELLED_REQUEST = N_("{who} cancelled the {type} request for {case}. Reason: {reason}.")
CANCELLED_INDIVIDUAL = N_(
    "The meeting on {when} is cancelled. If you have questions, call {unit} on {phone}."
)
PROPOSE_LABEL = N_("Propose times")


def touch(meeting: Meeting, now: datetime) -> None:
    meeting.ics_sequence = (meeting.ics_sequence or 0) + 1
    meeting.updated_at = now


def withdraw_slots(meeting: Meeting) -> None:
    for slot in meeting.slots:
        slot.withdrawn = True


def open_slots(meeting: Meeting) -> list[MeetingSlot]:
    return sorted((s for s in meeting.slots if not s.withdrawn), key=lambda s: s.starts_at)


async def confirm(session: AsyncSession, clock: Clock, meeting: Meeting) -> None:
    """The meeting is on: staff hear it with a calendar file; listeners plan around it."""
    now = clock.now()
    first = meeting.confirmed_at is None
    meeting.status = MeetingStatus.CONFIRMED
    if first:
        meeting.confirmed_at = now
    touch(meeting, now)
    await tell_staff(
        session,
        clock,
        meeting,
        f"confirmed:{meeting.ics_sequence}",
        CONFIRMED_STAFF,
        {**time_params(meeting), "people": await people_line(session, meeting)},
        buttons=[
            [
                button(CALENDAR_FILE, CALENDAR, meeting_id=meeting.id),
                button(OPEN_LABEL, OPEN_CARD, meeting_id=meeting.id),
            ]
        ],
    )
    name = events.MEETING_CONFIRMED if first else events.MEETING_RESCHEDULED
    await events.emit(name, session, clock, meeting_id=meeting.id)


async def begin_reschedule(
    session: AsyncSession,
    clock: Clock,
    meeting: Meeting,
    *,
    who: str,
    reason: str,
    by_staff_id: int | None = None,
) -> None:
    """Drop the agreed time and find a new one; everyone hears, reminders follow the event."""
    was_confirmed = meeting.status == MeetingStatus.CONFIRMED
    had_time = meeting.status in TIMED
    params = {**time_params(meeting), "who": who, "reason": outbox.msg_param(REASONS[reason])}
    meeting.status = MeetingStatus.SCHEDULING
    meeting.individual_answer = None
    withdraw_slots(meeting)
    touch(meeting, clock.now())
    await outbox.cancel(session, subject=subject(meeting))
    await tell_staff(
        session,
        clock,
        meeting,
        f"moved:{meeting.ics_sequence}",
        MOVED_STAFF,
        params,
        exclude=[by_staff_id] if by_staff_id else [],
        buttons=[
            [
                button(PROPOSE_LABEL, PROPOSE, meeting_id=meeting.id),
                button(OPEN_LABEL, OPEN_CARD, meeting_id=meeting.id),
            ]
        ],
    )
    if had_time and invites_individual(meeting) and reason != "person_asked":
        await tell_individual(
            session, clock, meeting, f"moved:{meeting.ics_sequence}", MOVED_INDIVIDUAL, params
        )
    if was_confirmed:
        await events.emit(events.MEETING_RESCHEDULED, session, clock, meeting_id=meeting.id)


async def cancel(
    session: AsyncSession,
    clock: Clock,
    meeting: Meeting,
    *,
    who: str,
    reason: str,
    by_staff_id: int | None = None,
) -> None:
    had_time = meeting.status in TIMED
    params = {**time_params(meeting), "who": who, "reason": outbox.msg_param(REASONS[reason])}
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    withdraw_slots(meeting)
    touch(meeting, clock.now())
    await outbox.cancel(session, subject=subject(meeting))
    calendar = [[button(CALENDAR_FILE, CALENDAR, meeting_id=meeting.id)]] if had_time else None
    await tell_staff(
        session,
        clock,
        meeting,
        f"cancelled:{meeting.ics_sequence}",
        CANCELLED_STAFF if had_time else CANCELLED_REQUEST,
        params,
        exclude=[by_staff_id] if by_staff_id else [],
        buttons=calendar,
    )
    if had_time and invites_individual(meeting):
        await tell_individual(session, clock, meeting, "cancelled", CANCELLED_INDIVIDUAL, params)
    await events.emit(events.MEETING_CANCELLED, session, clock, meeting_id=meeting.id)


async def close_request(session: AsyncSession, clock: Clock, meeting: Meeting, reason: str) -> None:
    """Too few units are left to meet; the caller has told the staff why."""
    had_time = meeting.status in TIMED
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    withdraw_slots(meeting)
    touch(meeting, clock.now())
    await outbox.cancel(session, subject=subject(meeting))
    if had_time and invites_individual(meeting):
        await tell_individual(
            session, clock, meeting, "cancelled", CANCELLED_INDIVIDUAL, time_params(meeting)
        )
    await events.emit(events.MEETING_CANCELLED, session, clock, meeting_id=meeting.id)


async def staff_meetings(
    session: AsyncSession, staff: Staff, statuses: Sequence[MeetingStatus]
) -> list[Meeting]:
    """Meetings this staff member may see, newest time last; the access rule is :func:`may_see`."""
    mine = list((await access.roles_of(session, staff.id)).keys())
    via_unit = select(MeetingUnit.meeting_id).where(
        MeetingUnit.unit_id.in_(mine), MeetingUnit.status.in_(ACTIVE_UNIT)
    )
    assigned = select(MeetingUnit.meeting_id).where(
        MeetingUnit.assigned_staff_id == staff.id,
        MeetingUnit.status == UnitRequestStatus.ASSIGNED,
    )
    also = select(MeetingUnitStaff.meeting_id).where(MeetingUnitStaff.staff_id == staff.id)
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.status.in_(list(statuses)),
            (Meeting.requester_staff_id == staff.id)
            | Meeting.requester_unit_id.in_(mine)
            | Meeting.id.in_(via_unit)
            | Meeting.id.in_(assigned)
            | Meeting.id.in_(also),
        )
        .options(selectinload(Meeting.units), selectinload(Meeting.slots))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [meeting for meeting in rows if await may_see(session, staff, meeting)]
