"""Distribution days: the digest goes out on Monday and Thursday at 08:00 Stockholm time, a
holiday moves it to the next working day, and old requests are flagged."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.chat.turn import Services
from bot.meetings import distribution
from bot.meetings import lifecycle as meetings
from bot.models import OutboxMessage, Unit
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from tests.conftest import RunningBot
from tests.meetings.support import DINA, local, requested, seed, text_seen


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (local(2026, 3, 5, 8, 0), date(2026, 3, 5)),  # Thursday 08:00
        (local(2026, 3, 5, 7, 59), None),  # a minute early
        (local(2026, 3, 5, 15, 0), date(2026, 3, 5)),  # later the same Thursday
        (local(2026, 3, 2, 8, 0), date(2026, 3, 2)),  # Monday
        (local(2026, 3, 4, 8, 0), None),  # Wednesday
        (local(2026, 5, 14, 8, 0), None),  # Ascension Day, a Thursday
        (local(2026, 5, 15, 8, 0), date(2026, 5, 15)),  # so the Friday after
        (local(2026, 5, 22, 8, 0), None),  # an ordinary Friday
        (local(2026, 4, 6, 8, 0), None),  # Easter Monday
        (local(2026, 4, 7, 8, 0), date(2026, 4, 7)),  # so the Tuesday after
        (local(2026, 12, 24, 9, 0), None),  # Christmas Eve, then Christmas Day
        (local(2026, 12, 28, 8, 0), date(2026, 12, 28)),  # the next working day
    ],
)
def test_digest_days_follow_the_swedish_calendar(moment: object, due: date | None) -> None:
    settings = Settings(_env_file=None)
    assert distribution.digest_day(moment, settings) == due  # type: ignore[arg-type]


def test_distribution_days_and_time_are_settings() -> None:
    settings = Settings(_env_file=None, distribution_days="tue", distribution_time="13:30")
    assert distribution.digest_day(local(2026, 3, 3, 13, 30), settings) == date(2026, 3, 3)
    assert distribution.digest_day(local(2026, 3, 3, 13, 29), settings) is None
    assert distribution.digest_day(local(2026, 3, 5, 13, 30), settings) is None
    with pytest.raises(ValueError, match="distribution_days"):
        Settings(_env_file=None, distribution_days="monday")


async def test_the_digest_is_queued_once_and_flags_old_requests(
    services: Services, clock: ManualClock
) -> None:
    clock.set(local(2026, 3, 5, 7, 0))
    people = await seed(services)
    await requested(services, people, local(2026, 2, 24, 9, 0))  # nine days before
    await requested(services, people, local(2026, 3, 3, 9, 0))
    await distribution.digest_job(services)
    assert await _digests(services) == []
    clock.set(local(2026, 3, 5, 8, 0))
    await distribution.digest_job(services)
    await distribution.digest_job(services)  # a second run, or a second process
    digests = await _digests(services)
    assert len(digests) == 1
    assert digests[0].params["count"] == 2
    first, second = str(digests[0].params["lines"]).splitlines()
    assert "waiting since 24 February 2026" in first
    assert "⚠ waiting more than 7 days" in first
    assert "⚠" not in second


async def test_the_digest_reaches_the_distributor_on_the_friday_after_ascension_day(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 5, 12, 10, 0))
    people = await seed(bot.services)
    await requested(bot.services, people, local(2026, 5, 12, 10, 0))
    dina = bot.double.user(DINA, language_code="en")
    bot.clock.set(local(2026, 5, 14, 8, 0))
    await distribution.digest_job(bot.services)
    assert await _digests(bot.services) == []
    bot.clock.set(local(2026, 5, 15, 8, 0))
    await distribution.digest_job(bot.services)
    digest = await text_seen(bot, dina, "Requests waiting for Socialtjänst Innerstaden: 1")
    assert people.case_ref in digest.text
    assert digest.button_texts == ["Open the queue"]


async def _digests(services: Services) -> list[OutboxMessage]:
    async with services.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "booking_digest")
        )
        return list(rows)


async def test_a_unit_that_wants_no_immediate_notice_only_gets_the_digest(
    services: Services, clock: ManualClock
) -> None:
    clock.set(local(2026, 3, 3, 10))
    people = await seed(services)
    meeting_id = await requested(services, people, local(2026, 3, 3, 10))
    async with services.db.transaction() as session:
        social = await session.get(Unit, people.social_id)
        meeting = await meetings.load(session, meeting_id)
        assert social is not None and meeting is not None
        await distribution.announce(session, clock, meeting, [social.id])
        social.send_requests_at_once = False
    async with services.db.transaction() as session:
        meeting = await meetings.load(session, meeting_id)
        assert meeting is not None
        await distribution.announce(session, clock, meeting, [people.social_id])
        kinds = list(await session.scalars(select(OutboxMessage.kind)))
    assert kinds == ["booking_new"]
