"""Where the clock buttons move the bot's time, and where it stops on the way.

Moving the clock is time passing quickly, not a jump: on its way the clock stops at every
moment something falls due (a queued message, a digest, the times of day the daily nudges
use), and at each stop the jobs and the dispatcher run as they would have then.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meetings import distribution
from bot.meetings import lifecycle as meetings
from bot.models import OutboxMessage, OutboxStatus
from bot.models.meetings import Meeting, MeetingStatus
from bot.platform.config import Settings

MAX_DAYS = 60  # no button moves further; a safety net for the stops between


class Move(StrEnum):
    HOUR = "hour"
    TOMORROW = "tomorrow"
    MEETING_END = "meeting_end"
    DISTRIBUTION = "distribution"


async def target(
    session: AsyncSession, move: Move, now: datetime, settings: Settings
) -> datetime | None:
    """Where ``move`` takes the clock from ``now``; None when there is nowhere to go."""
    tz = settings.tz
    local = now.astimezone(tz)
    if move is Move.HOUR:
        return now + timedelta(hours=1)
    if move is Move.TOMORROW:
        return datetime.combine(local.date() + timedelta(days=1), time(9, 0), tzinfo=tz)
    if move is Move.MEETING_END:
        return await next_meeting_end(session, now)
    return next_distribution(now, settings)


async def next_meeting_end(session: AsyncSession, now: datetime) -> datetime | None:
    """The end of the next booked meeting that has not ended yet."""
    booked = await session.scalars(
        select(Meeting).where(
            Meeting.status.in_([MeetingStatus.INVITED, MeetingStatus.CONFIRMED]),
            Meeting.starts_at.is_not(None),
        )
    )
    ends = [end for meeting in booked if (end := meetings.ends_at(meeting)) and end > now]
    return min(ends, default=None)


def next_distribution(now: datetime, settings: Settings) -> datetime:
    """The next distribution day at the distribution time (a holiday moves it on)."""
    tz = settings.tz
    days = distribution.weekdays(settings.distribution_days)
    day = now.astimezone(tz).date()
    for _ in range(MAX_DAYS):
        moment = datetime.combine(day, settings.distribution_time, tzinfo=tz)
        if moment > now and distribution.is_digest_day(day, days):
            return moment
        day += timedelta(days=1)
    return now + timedelta(days=7)


def daily_stops(start: datetime, end: datetime, settings: Settings) -> list[datetime]:
    """The times of day nudges use, on each day after ``start`` up to ``end``."""
    tz = settings.tz
    times = sorted(
        {
            settings.quiet_hours_end,
            settings.staff_day_start,
            settings.staff_nudge_time,
            settings.individual_nudge_time,
            time(settings.preparation_reminder_hour),
            settings.distribution_time,
        }
    )
    day = start.astimezone(tz).date()
    last = min(end.astimezone(tz).date(), day + timedelta(days=MAX_DAYS))
    stops = []
    while day <= last:
        for at in times:
            moment = datetime.combine(day, at, tzinfo=tz)
            if start < moment <= end:
                stops.append(moment)
        day += timedelta(days=1)
    return stops


async def next_due(session: AsyncSession, after: datetime, until: datetime) -> datetime | None:
    """The first queued message due after ``after`` and no later than ``until``."""
    found = await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.due_at > after,
            OutboxMessage.due_at <= until,
        )
    )
    if found is None:
        return None
    return found if found.tzinfo else found.replace(tzinfo=after.tzinfo)
