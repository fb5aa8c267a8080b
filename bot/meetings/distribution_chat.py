"""The distributor's queue in the chat: assigning a request to a colleague, or returning it."""

from __future__ import annotations

from typing import Any

from bot.chat import access, actions
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.meetings.distribution import DIGEST_LINE, OPEN_REQUEST, after_assignment, queue
from bot.meetings.views import BACK, StaffView, for_staff, staff_card, token, unit_staff
from bot.models import Staff, Unit
from bot.models.meetings import Meeting, MeetingUnit, MeetingUnitStaff, UnitRequestStatus
from bot.outbox import queue as outbox
from bot.platform.i18n import N_
from flows.screens import Button, Outcome, Screen

QUEUE_TITLE = N_("Requests waiting for {unit}:")


QUEUE_EMPTY = N_("Nothing is waiting for {unit}.")


NOT_DISTRIBUTOR = N_("Only the unit's distributors can do that.")


ASSIGNED_YOU = N_(
    "{who} assigned you to the {type} for {case}, requested by {requester} ({requester_unit})."
)


ASSIGNED_REQUESTER = N_("{unit} assigned {name} to the {type} for {case}.")


ASSIGNED_NOTICE = N_("Assigned to {name}.")


ALREADY_ASSIGNED = N_("{name} already has it.")


UNASSIGNED = N_("{who} gave the {type} for {case} to someone else at {unit}.")


NOT_WAITING = N_("That unit is no longer waiting on this request.")


NOT_MEMBER = N_("That person is not at this unit any more.")


WHO_TAKES = N_("Who at {unit} should take the {type} for {case}?")


WHO_ALSO = N_("Who else at {unit} should come to the {type} for {case}?")


ADDED_NOTICE = N_("{name} comes as well.")


NO_ONE_ELSE = N_("There is nobody else at {unit} yet.")


RETURN_WHY = N_("Why are you returning the {type} request for {case}?")


RETURNED_NOTICE = N_("Returned to {name}.")


RETURNED_REQUESTER = N_("{unit} returned the {type} request for {case}. Reason: {reason}.")


RETURNED_CLOSED = N_(
    "{unit} returned the {type} request for {case}. Reason: {reason}. Fewer than two units "
    "are left, so the request is closed. You can send a new one with /gfi or /book."
)


RETURN_REASONS: dict[str, str] = {
    "not_our_unit": N_("This is not for our unit"),
    "already_known": N_("We already know the person: contact us directly"),
    "more_information": N_("We need to know more first: please call us"),
    "other": N_("Another reason"),
}


async def _distributor_view(turn: Turn, payload: dict[str, Any], what: str) -> StaffView | Outcome:
    view = await for_staff(turn, payload, what)
    if isinstance(view, Outcome):
        return view
    unit_id = payload.get("unit_id")
    if not isinstance(unit_id, int) or not await meetings.distributes(
        turn.session, view.staff, unit_id
    ):
        ref = await meetings.case_ref(turn.session, view.meeting)
        return await access.refuse(turn, what, NOT_DISTRIBUTOR, case_ref=ref, toast=True)
    return view


def _target(meeting: Meeting, unit_id: int) -> MeetingUnit | None:
    for target in meeting.units:
        if target.unit_id == unit_id and target.status in meetings.ACTIVE_UNIT:
            return target
    return None


@actions.action("mtg_queue")
async def open_queue(turn: Turn, payload: dict[str, Any]) -> Outcome:
    unit_id = payload.get("unit_id")
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    unit = await turn.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if (
        staff is None
        or unit is None
        or not await meetings.distributes(turn.session, staff, unit.id)
    ):
        return await access.refuse(turn, "queue", NOT_DISTRIBUTOR, toast=True)
    waiting = await queue(turn.session, unit.id)
    if not waiting:
        return Outcome([Screen(turn.tr.gettext(QUEUE_EMPTY).format(unit=unit.name))])
    tr = turn.tr
    rows: list[list[Button]] = []
    lines = [tr.gettext(QUEUE_TITLE).format(unit=unit.name)]
    for meeting, target in waiting:
        case = await meetings.case_ref(turn.session, meeting)
        line = tr.gettext(DIGEST_LINE).format(
            case=case,
            type=tr.gettext(meetings.TYPE_LABELS[meeting.type]),
            date=tr.date(target.queued_at),
        )
        lines.append(f"• {line}")
        rows.append([await token(turn, f"📋 {case}", meetings.OPEN_CARD, meeting_id=meeting.id)])
    return Outcome([Screen("\n".join(lines), rows)], replace=False)


@actions.action("mtg_pick")
async def pick(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await _distributor_view(turn, payload, "assign")
    if isinstance(view, Outcome):
        return view
    unit_id = int(payload["unit_id"])
    target = _target(view.meeting, unit_id)
    if target is None or view.meeting.status not in meetings.OPEN:
        return Outcome(toast=turn.tr.gettext(NOT_WAITING), replace=False)
    unit = await turn.session.get(Unit, unit_id)
    name = unit.name if unit else "–"
    adding = payload.get("add") is True and target.status == UnitRequestStatus.ASSIGNED
    taken = target.assigned_ids() if adding else [target.assigned_staff_id]
    people = [p for p in await unit_staff(turn, unit_id) if p.id not in taken]
    rows: list[list[Button]] = []
    for person in people:
        rows.append(
            [
                await token(
                    turn,
                    person.name,
                    "mtg_add" if adding else "mtg_assign",
                    meeting_id=view.meeting.id,
                    unit_id=unit_id,
                    staff_id=person.id,
                )
            ]
        )
    rows.append(
        [await token(turn, turn.tr.gettext(BACK), meetings.OPEN_CARD, meeting_id=view.meeting.id)]
    )
    case = await meetings.case_ref(turn.session, view.meeting)
    text = turn.tr.gettext(WHO_ALSO if adding else WHO_TAKES).format(
        unit=name, type=turn.tr.gettext(meetings.TYPE_LABELS[view.meeting.type]), case=case
    )
    if not people:
        text = turn.tr.gettext(NO_ONE_ELSE).format(unit=name)
    return Outcome([Screen(text, rows)])


@actions.action("mtg_assign")
async def assign(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await _distributor_view(turn, payload, "assign")
    if isinstance(view, Outcome):
        return view
    session, clock, tr = turn.session, turn.clock, turn.tr
    meeting, unit_id = view.meeting, int(payload["unit_id"])
    target = _target(meeting, unit_id)
    chosen = await session.get(Staff, payload.get("staff_id"))
    if target is None or meeting.status not in meetings.OPEN:
        return Outcome(toast=tr.gettext(NOT_WAITING), replace=False)
    members = {p.id for p in await unit_staff(turn, unit_id)}
    if chosen is None or chosen.id not in members:
        return Outcome(toast=tr.gettext(NOT_MEMBER), replace=False)
    if target.status == UnitRequestStatus.ASSIGNED and target.assigned_staff_id == chosen.id:
        return Outcome(toast=tr.gettext(ALREADY_ASSIGNED).format(name=chosen.name), replace=False)
    previous = await session.get(Staff, target.assigned_staff_id or 0)
    now = clock.now()
    target.status = UnitRequestStatus.ASSIGNED
    target.assigned_staff_id = chosen.id
    target.assigned_at = now
    meeting.updated_at = now
    unit = await session.get(Unit, unit_id)
    home = await meetings.contact_unit(session, meeting)
    requester = await session.get(Staff, meeting.requester_staff_id or 0)
    stamp = int(now.timestamp())
    kind = outbox.msg_param(meetings.TYPE_LABELS[meeting.type])
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"assigned:{unit_id}:{chosen.id}:{stamp}",
        ASSIGNED_YOU,
        {
            "who": view.staff.name,
            "type": kind,
            "requester": requester.name if requester else "–",
            "requester_unit": home.name if home else "–",
        },
        to=[chosen],
        exclude=[view.staff.id],
        buttons=[[meetings.button(OPEN_REQUEST, meetings.OPEN_CARD, meeting_id=meeting.id)]],
    )
    if previous is not None and previous.id != chosen.id:
        await meetings.tell_staff(
            session,
            clock,
            meeting,
            f"unassigned:{unit_id}:{previous.id}:{stamp}",
            UNASSIGNED,
            {"who": view.staff.name, "type": kind, "unit": unit.name if unit else "–"},
            to=[previous],
            exclude=[view.staff.id],
        )
    if requester is not None:
        await meetings.tell_staff(
            session,
            clock,
            meeting,
            f"assigned_requester:{unit_id}:{chosen.id}:{stamp}",
            ASSIGNED_REQUESTER,
            {"unit": unit.name if unit else "–", "name": chosen.name, "type": kind},
            to=[requester],
            exclude=[view.staff.id, chosen.id],
        )
    await after_assignment(session, clock, meeting, joined=chosen)
    notice = tr.gettext(ASSIGNED_NOTICE).format(name=chosen.name)
    return await staff_card(turn, view.staff, meeting, notice=notice)


@actions.action("mtg_add")
async def add_person(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """One more person from the same unit: everyone who would work with the individual."""
    view = await _distributor_view(turn, payload, "assign")
    if isinstance(view, Outcome):
        return view
    session, clock, tr = turn.session, turn.clock, turn.tr
    meeting, unit_id = view.meeting, int(payload["unit_id"])
    target = _target(meeting, unit_id)
    chosen = await session.get(Staff, payload.get("staff_id"))
    if target is None or target.status != UnitRequestStatus.ASSIGNED:
        return Outcome(toast=tr.gettext(NOT_WAITING), replace=False)
    if meeting.status not in meetings.OPEN:
        return Outcome(toast=tr.gettext(NOT_WAITING), replace=False)
    if chosen is None or chosen.id not in {p.id for p in await unit_staff(turn, unit_id)}:
        return Outcome(toast=tr.gettext(NOT_MEMBER), replace=False)
    if chosen.id in target.assigned_ids():
        return Outcome(toast=tr.gettext(ALREADY_ASSIGNED).format(name=chosen.name), replace=False)
    now = clock.now()
    target.also.append(MeetingUnitStaff(staff_id=chosen.id, assigned_at=now))
    meeting.updated_at = now
    await session.flush()
    home = await meetings.contact_unit(session, meeting)
    requester = await session.get(Staff, meeting.requester_staff_id or 0)
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"assigned:{unit_id}:{chosen.id}:{int(now.timestamp())}",
        ASSIGNED_YOU,
        {
            "who": view.staff.name,
            "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type]),
            "requester": requester.name if requester else "–",
            "requester_unit": home.name if home else "–",
        },
        to=[chosen],
        exclude=[view.staff.id],
        buttons=[[meetings.button(OPEN_REQUEST, meetings.OPEN_CARD, meeting_id=meeting.id)]],
    )
    await after_assignment(session, clock, meeting, joined=chosen)
    notice = tr.gettext(ADDED_NOTICE).format(name=chosen.name)
    return await staff_card(turn, view.staff, meeting, notice=notice)


@actions.action("mtg_return")
async def ask_return(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await _distributor_view(turn, payload, "return")
    if isinstance(view, Outcome):
        return view
    unit_id = int(payload["unit_id"])
    if _target(view.meeting, unit_id) is None or view.meeting.status not in meetings.OPEN:
        return Outcome(toast=turn.tr.gettext(NOT_WAITING), replace=False)
    tr, mid = turn.tr, view.meeting.id
    rows: list[list[Button]] = [
        [
            await token(
                turn,
                tr.gettext(label),
                "mtg_returned",
                meeting_id=mid,
                unit_id=unit_id,
                reason=code,
            )
        ]
        for code, label in RETURN_REASONS.items()
    ]
    rows.append([await token(turn, tr.gettext(BACK), meetings.OPEN_CARD, meeting_id=mid)])
    case = await meetings.case_ref(turn.session, view.meeting)
    text = tr.gettext(RETURN_WHY).format(
        type=tr.gettext(meetings.TYPE_LABELS[view.meeting.type]), case=case
    )
    return Outcome([Screen(text, rows)])


@actions.action("mtg_returned")
async def returned(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await _distributor_view(turn, payload, "return")
    if isinstance(view, Outcome):
        return view
    session, clock, tr = turn.session, turn.clock, turn.tr
    meeting, unit_id = view.meeting, int(payload["unit_id"])
    reason = str(payload.get("reason"))
    target = _target(meeting, unit_id)
    if target is None or meeting.status not in meetings.OPEN or reason not in RETURN_REASONS:
        return Outcome(toast=tr.gettext(NOT_WAITING), replace=False)
    had_someone = target.status == UnitRequestStatus.ASSIGNED
    informed = await meetings.participants(session, meeting)
    target.status = UnitRequestStatus.RETURNED
    target.returned_reason = reason
    target.assigned_staff_id = None
    target.also.clear()
    now = clock.now()
    meeting.updated_at = now
    if had_someone and meeting.status in meetings.TIMED:
        meetings.touch(meeting, now)
    unit = await session.get(Unit, unit_id)
    params = {
        "unit": unit.name if unit else "–",
        "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type]),
        "reason": outbox.msg_param(RETURN_REASONS[reason]),
    }
    too_few = len(meetings.unit_ids(meeting)) < 2
    if too_few:
        await meetings.close_request(session, clock, meeting, "returned")
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"returned:{unit_id}:{int(now.timestamp())}",
        RETURNED_CLOSED if too_few else RETURNED_REQUESTER,
        params,
        to=informed,
        exclude=[view.staff.id],
    )
    if not too_few:
        await after_assignment(session, clock, meeting)
    requester = await session.get(Staff, meeting.requester_staff_id or 0)
    name = requester.name if requester else "–"
    return Outcome([Screen(tr.gettext(RETURNED_NOTICE).format(name=name))])
