"""The update-id rule in one statement: a new update is taken once, with the person's language;
a redelivered one is recognised, and the second take changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.chat import inbox_store, profiles, update_ids
from bot.chat.turn import Services
from bot.models import ProcessedUpdate
from bot.models.inbox import InboxUpdate
from bot.platform.clock import ManualClock

ANNA, BERIT = 1001, 1002


async def test_a_new_update_comes_with_the_language_and_a_second_delivery_is_refused(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        await profiles.remember(session, clock, ANNA, "sv")

    async with services.db.transaction() as session:
        first = await update_ids.take(session, 500, ANNA, clock.now())
        unknown = await update_ids.take(session, 501, BERIT, clock.now())
    async with services.db.transaction() as session:
        again = await update_ids.take(session, 500, ANNA, clock.now())
        stored = await session.scalar(select(func.count(ProcessedUpdate.update_id)))

    assert first == update_ids.FirstTime("sv")
    assert unknown == update_ids.FirstTime(None)
    assert again is None
    assert stored == 2


async def test_a_rolled_back_update_can_be_taken_again(
    services: Services, clock: ManualClock
) -> None:
    """A handler that fails leaves no trace, so the update is handled when it comes again."""
    try:
        async with services.db.transaction() as session:
            assert await update_ids.take(session, 600, ANNA, clock.now()) is not None
            raise RuntimeError("the handler failed")
    except RuntimeError:
        pass
    async with services.db.transaction() as session:
        assert await update_ids.take(session, 600, ANNA, clock.now()) is not None


async def test_taking_an_update_marks_its_inbox_row_handled_in_the_same_transaction(
    services: Services, clock: ManualClock
) -> None:
    await inbox_store.store(
        services.db, [inbox_store.Received(700, 1, {"update_id": 700})], clock.now()
    )
    claimed = await inbox_store.claim(services.db, limit=5, lease=timedelta(minutes=1))
    assert [c.update_id for c in claimed] == [700]

    async with services.db.transaction() as session:
        assert await update_ids.take(session, 700, ANNA, clock.now()) is not None
        handled_at = await session.scalar(
            select(InboxUpdate.handled_at).where(InboxUpdate.update_id == 700)
        )

    assert handled_at is not None
    assert await inbox_store.claim(services.db, limit=5, lease=timedelta(minutes=1)) == []
