"""Each target unit's queue of requests, and its distributors' work on it.

Distributors hear of a new request at once when their unit wants that, and in a digest on
distribution days (by default Monday and Thursday at 08:00); a day that is a Swedish public
holiday (or a de facto one such as Midsummer Eve) moves the digest to the next working day.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import profiles
from bot.chat.turn import Services
from bot.meetings import lifecycle as meetings
from bot.meetings import slots
from bot.models import Role, Staff, StaffMembership, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingUnit, UnitRequestStatus
from bot.outbox import queue as outbox
from bot.people import contacts
from bot.platform import jobs
from bot.platform.clock import Clock
from bot.platform.config import Settings
from bot.platform.i18n import N_, N_plural

log = logging.getLogger(__name__)


WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


NEW_REQUEST = N_(
    "New {type} request for {unit}: {case}, from {requester} ({requester_unit}). "
    "Open it to assign someone."
)


OPEN_REQUEST = N_("Open request")


DIGEST = N_("Requests waiting for {unit}: {count}\n\n{lines}\n\nOpen the queue to assign them.")


DIGEST_LINE = N_("{case} · {type} · waiting since {date}")


DIGEST_FLAG = N_plural("⚠ waiting more than {days} day", "⚠ waiting more than {days} days")


OPEN_QUEUE = N_("Open the queue")


EVERYONE_ASSIGNED = N_(
    "Everyone is assigned for the {type} for {case}: {people}. Now find a time together."
)


PROPOSE_LABEL = N_("Propose times")


ASK_LABEL = N_("Ask the others to propose")


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
                line += "  " + tr.counted_marked(DIGEST_FLAG, days, days=days)
            lines.append(line)
        row = await contacts.notify_staff(
            session,
            services.clock,
            person,
            kind="booking_digest",
            message=DIGEST,
            params={"unit": unit.name, "count": len(waiting), "lines": "\n".join(lines)},
            dedupe_key=f"digest:{unit_id}:{day.isoformat()}:s{person.id}",
            buttons=[[meetings.button(OPEN_QUEUE, "mtg_queue", unit_id=unit_id)]],
        )
        queued += row is not None
    return queued


async def after_assignment(
    session: AsyncSession, clock: Clock, meeting: Meeting, joined: Staff | None = None
) -> None:
    """Once every target unit has someone, the requester is asked to find a time. While times
    are proposed, whoever left is no longer waited for, and whoever ``joined`` is asked."""
    if meeting.status == MeetingStatus.SCHEDULING:
        if joined is not None:
            await slots.ask_newcomer(session, clock, meeting, joined)
        await slots.evaluate(session, clock, meeting)
        return
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
