"""Each target unit's queue of requests, and its distributors' work on it.

Distributors hear of a new request at once when their unit wants that, and in a digest on
distribution days (by default Monday and Thursday at 08:00); a day that is a Swedish public
holiday (or a de facto one such as Midsummer Eve) moves the digest to the next working day.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, actions, profiles
from bot.chat.turn import Services, Turn
from bot.meetings import lifecycle as meetings
from bot.meetings.views import BACK, StaffView, for_staff, staff_card, token, unit_staff
from bot.models import Role, Staff, StaffMembership, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingUnit, UnitRequestStatus
from bot.outbox import queue as outbox
from bot.platform import jobs
from bot.platform.clock import Clock
from bot.platform.config import Settings
from bot.platform.i18n import N_
from flows.screens import Button, Outcome, Screen

log = logging.getLogger(__name__)

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

NEW_REQUEST = N_(
    "New {type} request for {unit}: {case}, from {requester} ({requester_unit}). "
    "Open it to assign someone."
)
OPEN_REQUEST = N_("Open request")
DIGEST = N_("Requests waiting for {unit}: {count}\n\n{lines}\n\nOpen the queue to assign them.")
DIGEST_LINE = N_("{case} · {type} · waiting since {date}")
DIGEST_FLAG = N_("⚠ waiting more than {days} days")
OPEN_QUEUE = N_("Open the queue")
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
EVERYONE_ASSIGNED = N_(
    "Everyone is assigned for the {type} for {case}: {people}. Now find a time together."
)
PROPOSE_LABEL = N_("Propose times")
ASK_LABEL = N_("Ask the others to propose")
NOT_WAITING = N_("That unit is no longer waiting on this request.")
NOT_MEMBER = N_("That person is not at this unit any more.")
WHO_TAKES = N_("Who at {unit} should take the {type} for {case}?")
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


# ----------------------------------------------------------------- distribution days


def weekdays(spec: str) -> frozenset[int]:
    """``"mon,thu"`` as weekday numbers (0 is Monday)."""
    return frozenset(WEEKDAYS[part.strip()] for part in spec.split(",") if part.strip())


@lru_cache(maxsize=8)
def _days_off(year: int) -> frozenset[date]:
    found = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))
    return frozenset(found.keys())


def working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _days_off(day.year)


def next_working_day(day: date) -> date:
    while not working_day(day):
        day += timedelta(days=1)
    return day


def is_digest_day(day: date, days: frozenset[int]) -> bool:
    """A distribution day that is a working day, or the working day a holiday moved one to."""
    if not working_day(day):
        return False
    for back in range(8):
        scheduled = day - timedelta(days=back)
        if scheduled.weekday() in days and next_working_day(scheduled) == day:
            return True
    return False


def digest_day(now: datetime, settings: Settings) -> date | None:
    """Today's local date when the digest is due now (from the distribution time on)."""
    local = now.astimezone(settings.tz)
    if local.time().replace(tzinfo=None) < settings.distribution_time:
        return None
    today = local.date()
    return today if is_digest_day(today, weekdays(settings.distribution_days)) else None


# ----------------------------------------------------------------- queues


async def distributors(session: AsyncSession, unit_id: int) -> list[Staff]:
    rows = await session.scalars(
        select(Staff)
        .join(StaffMembership, StaffMembership.staff_id == Staff.id)
        .where(
            StaffMembership.unit_id == unit_id,
            StaffMembership.role.in_([Role.DISTRIBUTOR, Role.ADMIN]),
            Staff.removed_at.is_(None),
        )
        .order_by(Staff.id)
    )
    return list(rows)


async def queue(session: AsyncSession, unit_id: int) -> list[tuple[Meeting, MeetingUnit]]:
    rows = await session.execute(
        select(Meeting, MeetingUnit)
        .join(MeetingUnit, MeetingUnit.meeting_id == Meeting.id)
        .where(
            MeetingUnit.unit_id == unit_id,
            MeetingUnit.status == UnitRequestStatus.WAITING,
            Meeting.status.in_(meetings.OPEN),
        )
        .order_by(MeetingUnit.queued_at, Meeting.id)
    )
    return [(meeting, target) for meeting, target in rows.all()]


async def announce(
    session: AsyncSession, clock: Clock, meeting: Meeting, unit_ids: list[int]
) -> None:
    """Tell each unit's distributors at once, where the unit wants that."""
    requester = (
        await session.get(Staff, meeting.requester_staff_id) if meeting.requester_staff_id else None
    )
    units = await meetings.units_by_id(session, [*unit_ids, meeting.requester_unit_id or 0])
    home = units.get(meeting.requester_unit_id or 0)
    queued = {t.unit_id: t.queued_at for t in meeting.units}
    for unit_id in unit_ids:
        unit = units.get(unit_id)
        if unit is None or not unit.send_requests_at_once:
            continue
        stamp = int(queued.get(unit_id, clock.now()).timestamp())
        await meetings.tell_staff(
            session,
            clock,
            meeting,
            f"new:{unit_id}:{stamp}",
            NEW_REQUEST,
            {
                "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type]),
                "unit": unit.name,
                "requester": requester.name if requester else "–",
                "requester_unit": home.name if home else "–",
            },
            to=await distributors(session, unit_id),
            buttons=[[meetings.button(OPEN_REQUEST, meetings.OPEN_CARD, meeting_id=meeting.id)]],
        )


@jobs.every(60, "distribution_digest")
async def digest_job(services: Services) -> None:
    """Runs often and sends only when due; the dedupe key makes a second run harmless."""
    day = digest_day(services.clock.now(), services.settings)
    if day is None:
        return
    async with services.db.transaction() as session:
        unit_ids = list(
            await session.scalars(
                select(MeetingUnit.unit_id)
                .join(Meeting, Meeting.id == MeetingUnit.meeting_id)
                .where(
                    MeetingUnit.status == UnitRequestStatus.WAITING,
                    Meeting.status.in_(meetings.OPEN),
                )
                .distinct()
            )
        )
    for unit_id in sorted(unit_ids):
        try:
            async with services.db.transaction() as session:
                await send_digest(session, services, unit_id, day)
        except IntegrityError:
            log.info("digest for unit %s was queued by another process", unit_id)


async def send_digest(session: AsyncSession, services: Services, unit_id: int, day: date) -> int:
    """Queue the digest to each distributor of one unit; returns how many were queued."""
    unit = await session.get(Unit, unit_id)
    waiting = await queue(session, unit_id)
    if unit is None or not waiting:
        return 0
    now = services.clock.now()
    flag_after = timedelta(days=services.settings.distribution_flag_after_days)
    queued = 0
    for person in await distributors(session, unit_id):
        if person.telegram_id is None:
            continue
        locale = await profiles.language_of(session, person.telegram_id)
        tr = services.tr(locale or services.settings.default_locale)
        lines = []
        for meeting, target in waiting:
            case = await meetings.case_ref(session, meeting)
            line = "• " + tr.gettext(DIGEST_LINE).format(
                case=case,
                type=tr.gettext(meetings.TYPE_LABELS[meeting.type]),
                date=tr.date(target.queued_at),
            )
            if now - target.queued_at > flag_after:
                days = services.settings.distribution_flag_after_days
                line += "  " + tr.gettext(DIGEST_FLAG).format(days=days)
            lines.append(line)
        row = await outbox.enqueue(
            session,
            services.clock,
            chat_id=person.telegram_id,
            kind="booking_digest",
            message=DIGEST,
            params={"unit": unit.name, "count": len(waiting), "lines": "\n".join(lines)},
            dedupe_key=f"digest:{unit_id}:{day.isoformat()}:s{person.id}",
            staff_id=person.id,
            buttons=[[meetings.button(OPEN_QUEUE, "mtg_queue", unit_id=unit_id)]],
        )
        queued += row is not None
    return queued


# ----------------------------------------------------------------- after a change


async def after_assignment(session: AsyncSession, clock: Clock, meeting: Meeting) -> None:
    """Once every target unit has someone, the requester is asked to find a time."""
    if meeting.status != MeetingStatus.REQUESTED or not meetings.everyone_assigned(meeting):
        return
    if len(meetings.unit_ids(meeting)) < 2:
        return
    meeting.status = MeetingStatus.SCHEDULING
    meeting.updated_at = clock.now()
    requester = await session.get(Staff, meeting.requester_staff_id or 0)
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        "everyone_assigned",
        EVERYONE_ASSIGNED,
        {
            "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type]),
            "people": await meetings.people_line(session, meeting),
        },
        to=[requester] if requester else [],
        buttons=[
            [
                meetings.button(PROPOSE_LABEL, meetings.PROPOSE, meeting_id=meeting.id),
                meetings.button(ASK_LABEL, meetings.ASK_PROPOSE, meeting_id=meeting.id),
            ]
        ],
    )


# ----------------------------------------------------------------- buttons


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
    people = [p for p in await unit_staff(turn, unit_id) if p.id != target.assigned_staff_id]
    rows: list[list[Button]] = []
    for person in people:
        rows.append(
            [
                await token(
                    turn,
                    person.name,
                    "mtg_assign",
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
    text = turn.tr.gettext(WHO_TAKES).format(
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
    await after_assignment(session, clock, meeting)
    notice = tr.gettext(ASSIGNED_NOTICE).format(name=chosen.name)
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
