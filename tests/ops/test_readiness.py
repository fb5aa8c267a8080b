"""What makes a process unready besides a stopped database: an outbox that fell behind by
more than the allowed lag, and a database not at the newest migration."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, text

from bot.chat.turn import Services
from bot.models import OutboxMessage, OutboxStatus
from bot.ops.checks import Probe
from bot.platform.clock import ManualClock


async def _due(services: Services, clock: ManualClock, ago: timedelta, number: int = 1) -> None:
    async with services.db.transaction() as session:
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "chat_id": 500_000 + n,
                    "kind": "test",
                    "message": "Row",
                    "params": {},
                    "due_at": clock.now() - ago,
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "dedupe_key": f"row:{ago.total_seconds()}:{n}",
                    "created_at": clock.now() - ago,
                }
                for n in range(number)
            ],
        )


def _probe(services: Services, clock: ManualClock, lag: float = 60.0) -> Probe:
    return Probe(services.settings.resolved_database_url, clock, max_lag_seconds=lag)


async def test_a_message_due_for_more_than_a_minute_makes_the_process_unready(
    services: Services, clock: ManualClock
) -> None:
    probe = _probe(services, clock)
    try:
        await _due(services, clock, timedelta(seconds=30))
        keeping_up = await probe.readiness()
        clock.advance(timedelta(seconds=45))
        behind = await probe.readiness()
        depths = await probe.depths()
    finally:
        await probe.close()
    assert keeping_up.ready
    assert not behind.ready
    assert behind.checks["dispatcher"].ok is False
    assert behind.checks["dispatcher"].value == 75.0
    assert behind.checks["database"].ok and behind.checks["migrations"].ok
    assert (depths.outbox_due, depths.outbox_scheduled, depths.oldest_due_age) == (1, 0, 75.0)


async def test_messages_waiting_for_later_do_not_count_as_behind(
    services: Services, clock: ManualClock
) -> None:
    await _due(services, clock, timedelta(hours=-3), number=4)
    probe = _probe(services, clock)
    try:
        found = await probe.readiness()
        depths = await probe.depths()
    finally:
        await probe.close()
    assert found.ready
    assert (depths.outbox_due, depths.outbox_scheduled, depths.oldest_due_age) == (0, 4, 0.0)


async def test_a_lag_of_zero_turns_the_outbox_check_off(
    services: Services, clock: ManualClock
) -> None:
    await _due(services, clock, timedelta(hours=2))
    probe = _probe(services, clock, lag=0)
    try:
        found = await probe.readiness()
    finally:
        await probe.close()
    assert found.ready
    assert found.checks["dispatcher"].value == 7200.0


async def test_a_database_behind_the_newest_migration_is_not_ready(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    probe = _probe(services, clock)
    try:
        found = await probe.readiness()
    finally:
        await probe.close()
    assert not found.ready
    assert found.checks["migrations"].ok is False
    assert found.checks["database"].ok is True
