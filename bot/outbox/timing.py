"""When a message the bot sends on its own may go out: quiet hours, working days, a daily cap.

The rules follow who receives a row, not what feature queued it:

- A row with ``staff_id`` goes to a staff member: only on working days (Monday to Friday,
  not a Swedish public holiday and not midsummer, Christmas or New Year's Eve) and between
  ``staff_day_start`` and ``staff_day_end``; otherwise it waits for the next working morning.
- A row with ``individual_id`` and no ``staff_id`` goes to the individual: never in quiet
  hours (default 20:00–09:00), which defer it to the end of the quiet hours. A row with an
  ``expires_at`` (a meeting reminder: the meeting's start) that would only go after that
  moment goes the evening before instead, an hour before the quiet hours begin; if that
  moment has passed too, it is not sent. At most ``nudge_daily_cap`` rows a day reach one
  individual; the rest move to the next morning, unless that would be too late for them.
- Other rows (no recipient record) go when due.

The rules are applied twice. When a row is queued, so that its ``due_at`` says when it will
really go; and when the dispatcher claims it, which is the authority: a row delayed by an
outage, a retry or a restart still keeps the rules, and the daily cap can only be counted
then. All times are worked out in local wall-clock time (``SAMORDNA_TIMEZONE``) and turned
into UTC afterwards, so they stay right across the daylight-saving changes; a whole number
of days before a meeting ("24 hours") means the same clock time that many days earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.platform.config import Settings

EVENING_LEAD = timedelta(hours=1)


def stamp(moment: datetime | None) -> str:
    """A moment as a comparable string, whatever time zone the datetime came in."""
    return moment.astimezone(UTC).isoformat() if moment is not None else ""


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    days = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))
    return frozenset(days.keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


@dataclass(frozen=True)
class Policy:
    tz: ZoneInfo
    quiet_start: time
    quiet_end: time
    daily_cap: int
    staff_start: time
    staff_end: time

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            tz=settings.tz,
            quiet_start=settings.quiet_hours_start,
            quiet_end=settings.quiet_hours_end,
            daily_cap=settings.nudge_daily_cap,
            staff_start=settings.staff_day_start,
            staff_end=settings.staff_day_end,
        )

    # ----------------------------------------------------------------- local time

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def at(self, day: date, clock_time: time) -> datetime:
        """``clock_time`` on ``day`` in local time, as UTC."""
        return datetime.combine(day, clock_time, tzinfo=self.tz).astimezone(UTC)

    def day_start(self, moment: datetime) -> datetime:
        return self.at(self.local(moment).date(), time(0, 0))

    def before(self, moment: datetime, hours: int) -> datetime:
        """Whole days count on the calendar (same clock time), other offsets in real hours."""
        if hours % 24 == 0:
            local = self.local(moment)
            day = local.date() - timedelta(days=hours // 24)
            return self.at(day, local.time().replace(tzinfo=None))
        return moment - timedelta(hours=hours)

    # ----------------------------------------------------------------- working days

    def working_day_on_or_before(self, day: date) -> date:
        while not is_working_day(day):
            day -= timedelta(days=1)
        return day

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
        return day

    def in_staff_hours(self, moment: datetime) -> bool:
        """A working day, between the start and the end of the day (the whole day when the
        two are set the wrong way round)."""
        local = self.local(moment)
        clock = local.time().replace(tzinfo=None)
        if not is_working_day(local.date()):
            return False
        return self.staff_start >= self.staff_end or self.staff_start <= clock < self.staff_end

    def next_staff_opening(self, moment: datetime) -> datetime:
        """The next start of a working day at or after ``moment``."""
        local = self.local(moment)
        day = local.date()
        if is_working_day(day) and local.time().replace(tzinfo=None) < self.staff_start:
            return self.at(day, self.staff_start)
        return self.at(self.next_working_day(day), self.staff_start)

    def staff_time(
        self, due: datetime, now: datetime, expires_at: datetime | None = None
    ) -> datetime | None:
        """When a staff row may go; ``None`` when only after it stopped mattering."""
        moment = max(due, now)
        if not self.in_staff_hours(moment):
            moment = self.next_staff_opening(moment)
        if expires_at is not None and moment >= expires_at:
            return None
        return moment

    # ----------------------------------------------------------------- quiet hours

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start != self.quiet_end

    def in_quiet_hours(self, moment: datetime) -> bool:
        if not self.has_quiet_hours:
            return False
        clock = self.local(moment).time().replace(tzinfo=None)
        if self.quiet_start > self.quiet_end:
            return clock >= self.quiet_start or clock < self.quiet_end
        return self.quiet_start <= clock < self.quiet_end

    def quiet_end_after(self, moment: datetime) -> datetime:
        """The first end of quiet hours after ``moment``."""
        day = self.local(moment).date()
        candidate = self.at(day, self.quiet_end)
        return candidate if candidate > moment else self.at(day + timedelta(days=1), self.quiet_end)

    def quiet_start_before(self, moment: datetime) -> datetime:
        """The start of the quiet hours ``moment`` falls in (or the last one before it)."""
        day = self.local(moment).date()
        candidate = self.at(day, self.quiet_start)
        return (
            candidate if candidate <= moment else self.at(day - timedelta(days=1), self.quiet_start)
        )

    def next_morning(self, moment: datetime) -> datetime:
        """Where the daily cap moves a row: the next day, once the quiet hours are over."""
        tomorrow = self.local(moment).date() + timedelta(days=1)
        return self.at(tomorrow, self.quiet_end if self.has_quiet_hours else time(0, 0))

    def individual_time(
        self, due: datetime, now: datetime, expires_at: datetime | None = None
    ) -> datetime | None:
        """When an individual's row may go; ``None`` when it cannot go in time."""
        moment = max(due, now)
        if expires_at is not None and moment >= expires_at:
            return None
        if not self.in_quiet_hours(moment):
            return moment
        later = self.quiet_end_after(moment)
        if expires_at is None or later < expires_at:
            return later
        quiet_from = self.quiet_start_before(moment)
        evening = quiet_from - EVENING_LEAD
        if now <= evening:
            return evening
        if now < quiet_from:
            return now
        return None

    def after_cap(self, now: datetime, expires_at: datetime | None) -> datetime | None:
        """Where a row over the daily cap goes; ``None`` means it may go now regardless,
        because tomorrow would be too late for it."""
        morning = self.next_morning(now)
        if expires_at is not None and morning >= expires_at:
            return None
        return morning

    def send_time(
        self,
        *,
        due: datetime,
        now: datetime,
        to_staff: bool,
        to_individual: bool,
        expires_at: datetime | None = None,
    ) -> datetime | None:
        """The recipient's rule applied to one row (the daily cap aside)."""
        if to_staff:
            return self.staff_time(due, now, expires_at)
        if to_individual:
            return self.individual_time(due, now, expires_at)
        moment = max(due, now)
        if expires_at is not None and moment >= expires_at:
            return None
        return moment
