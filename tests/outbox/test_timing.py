"""Quiet hours, working days and daylight saving: when a nudge may go, as plain functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.outbox.timing import Policy, is_working_day
from bot.platform.config import Settings

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.fixture
def policy() -> Policy:
    return Policy.from_settings(Settings(_env_file=None))


def test_an_individual_nudge_in_the_evening_waits_for_nine(policy: Policy) -> None:
    now = local(2026, 3, 2, 21, 15)
    assert policy.individual_time(now, now) == local(2026, 3, 3, 9, 0)


def test_early_morning_waits_until_nine_the_same_day(policy: Policy) -> None:
    now = local(2026, 3, 3, 6, 30)
    assert policy.individual_time(now, now) == local(2026, 3, 3, 9, 0)
    assert policy.individual_time(local(2026, 3, 3, 9, 0), now) == local(2026, 3, 3, 9, 0)
    assert policy.individual_time(local(2026, 3, 3, 19, 59), now) == local(2026, 3, 3, 19, 59)


def test_a_reminder_for_an_early_meeting_goes_the_evening_before(policy: Policy) -> None:
    meeting = local(2026, 3, 3, 8, 0)
    two_hours_before = local(2026, 3, 3, 6, 0)
    planned_at = local(2026, 3, 2, 12, 0)
    assert policy.individual_time(two_hours_before, planned_at, meeting) == local(2026, 3, 2, 19, 0)


def test_an_early_meeting_reminder_planned_late_goes_now_or_not_at_all(policy: Policy) -> None:
    meeting = local(2026, 3, 3, 8, 0)
    due = local(2026, 3, 3, 6, 0)
    at_half_past_seven = local(2026, 3, 2, 19, 30)
    assert policy.individual_time(due, at_half_past_seven, meeting) == at_half_past_seven
    assert policy.individual_time(due, local(2026, 3, 2, 22, 0), meeting) is None


def test_nothing_goes_after_it_expired(policy: Policy) -> None:
    meeting = local(2026, 3, 3, 14, 0)
    late = local(2026, 3, 3, 14, 5)
    assert policy.individual_time(local(2026, 3, 3, 13, 0), late, meeting) is None


def test_staff_nudges_skip_easter_and_wait_for_the_morning(policy: Policy) -> None:
    maundy_thursday_evening = local(2026, 4, 2, 18, 0)
    tuesday_after_easter = local(2026, 4, 7, 8, 0)
    assert policy.staff_time(maundy_thursday_evening, maundy_thursday_evening) == (
        tuesday_after_easter
    )
    friday_late = local(2026, 3, 6, 17, 30)
    assert policy.staff_time(friday_late, friday_late) == local(2026, 3, 9, 8, 0)
    monday_early = local(2026, 3, 9, 6, 0)
    assert policy.staff_time(monday_early, monday_early) == local(2026, 3, 9, 8, 0)
    during_work = local(2026, 3, 9, 10, 0)
    assert policy.staff_time(during_work, during_work) == during_work


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 2), True),
        (date(2026, 3, 7), False),
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2026, 6, 19), False),  # Midsummer Eve
        (date(2026, 12, 24), False),  # Christmas Eve
        (date(2026, 12, 28), True),
        (date(2027, 1, 6), False),  # Epiphany
    ],
)
def test_swedish_working_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_quiet_hours_end_at_nine_local_on_the_day_the_clocks_go_back(policy: Policy) -> None:
    # Sunday 25 October 2026: 03:00 summer time becomes 02:00 winter time.
    night = datetime(2026, 10, 25, 3, 30, tzinfo=UTC)  # 04:30 winter time
    assert policy.individual_time(night, night) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    saturday_night = datetime(2026, 10, 24, 3, 30, tzinfo=UTC)  # 05:30 summer time
    assert policy.individual_time(saturday_night, saturday_night) == datetime(
        2026, 10, 24, 7, 0, tzinfo=UTC
    )


def test_a_day_before_is_the_same_clock_time_across_the_change(policy: Policy) -> None:
    sunday_meeting = local(2026, 10, 25, 10, 0)  # winter time, 09:00 UTC
    day_before = policy.before(sunday_meeting, 24)
    assert day_before == local(2026, 10, 24, 10, 0)
    assert day_before == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
    assert policy.before(sunday_meeting, 2) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    spring_monday = local(2026, 3, 30, 10, 0)
    assert policy.before(spring_monday, 24) == local(2026, 3, 29, 10, 0)


def test_the_day_starts_at_local_midnight(policy: Policy) -> None:
    assert policy.day_start(local(2026, 10, 25, 23, 0)) == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert policy.day_start(local(2026, 10, 26, 0, 30)) == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_the_cap_moves_to_the_next_morning_unless_too_late(policy: Policy) -> None:
    now = local(2026, 3, 2, 15, 0)
    assert policy.after_cap(now, None) == local(2026, 3, 3, 9, 0)
    assert policy.after_cap(now, local(2026, 3, 2, 18, 0)) is None


def test_other_quiet_hours_and_none() -> None:
    custom = Policy.from_settings(
        Settings(_env_file=None, quiet_hours_start=time(22, 0), quiet_hours_end=time(7, 30))
    )
    late = local(2026, 3, 2, 21, 30)
    assert custom.individual_time(late, late) == late
    assert custom.individual_time(local(2026, 3, 2, 23, 0), late) == local(2026, 3, 3, 7, 30)
    none = Policy.from_settings(
        Settings(_env_file=None, quiet_hours_start=time(0, 0), quiet_hours_end=time(0, 0))
    )
    midnight = local(2026, 3, 3, 0, 30)
    assert none.individual_time(midnight, midnight) == midnight
