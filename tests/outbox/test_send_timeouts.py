"""A send whose answer does not come may still have been accepted by Telegram: it is never sent
again in the same claim, the row says it may already have been delivered, and it goes again
only after the back-off. A slow answer within the time-out is simply a send."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.bot_api_double import BotApiDouble, Fault
from bot.chat.turn import Services
from bot.models import OutboxMessage, OutboxStatus, Role
from bot.outbox import queue as outbox
from bot.outbox.dispatcher import MAY_HAVE_ARRIVED, Dispatcher
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from tests import factories

ANNA, SARA = 1001, 2001


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"outbox_retry_seconds": 60.0, "outbox_send_timeout": 0.5})


@pytest.fixture
async def dispatcher(services: Services, double: BotApiDouble) -> AsyncIterator[Dispatcher]:
    request = HTTPXRequest(connection_pool_size=16)
    async with Bot(double.token, base_url=double.base_url, request=request) as telegram:
        yield Dispatcher(services, telegram)


async def _queue(services: Services, clock: ManualClock, text: str) -> None:
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock)
        staff = await factories.staff(session, clock, SARA, {unit: Role.STAFF}, language="en")
        person = await factories.individual(session, clock, ANNA, [unit], staff, language="en")
        await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=person.id,
            kind="test",
            message=text,
            dedupe_key=text,
        )


async def _row(services: Services, text: str) -> OutboxMessage:
    async with services.db.transaction() as session:
        found = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == text))
    assert found is not None
    return found


def test_the_send_time_out_is_far_above_telegrams_answer_time() -> None:
    defaults = Settings(_env_file=None)
    assert defaults.outbox_send_timeout >= 30
    assert defaults.outbox_lease_seconds > defaults.outbox_send_timeout


async def test_accepted_but_unanswered_is_not_sent_again_in_the_same_claim(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    await _queue(services, clock, "Hello")
    double.inject(Fault(method="sendMessage", timeout=1.0, delivered=True))
    assert await dispatcher.tick() == 0
    assert [m.text for m in double.messages_in(ANNA)] == ["Hello"]
    assert len(double.calls_of("sendMessage")) == 1
    row = await _row(services, "Hello")
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert (row.last_error or "").startswith(MAY_HAVE_ARRIVED)
    assert row.due_at == clock.now() + timedelta(seconds=60)

    assert await dispatcher.tick() == 0  # the next tick: still waiting out the pause
    assert len(double.calls_of("sendMessage")) == 1
    clock.advance(timedelta(seconds=60))
    assert await dispatcher.tick() == 1  # the one duplicate this rule allows
    assert [m.text for m in double.messages_in(ANNA)] == ["Hello", "Hello"]


async def test_a_slow_answer_within_the_time_out_is_one_message(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    await _queue(services, clock, "Hello")
    double.inject(Fault(method="sendMessage", timeout=0.3, delivered=True, status=200))
    assert await dispatcher.tick() == 1
    assert [m.text for m in double.messages_in(ANNA)] == ["Hello"]
    assert (await _row(services, "Hello")).status == OutboxStatus.SENT


async def test_an_error_answer_is_not_marked_as_maybe_delivered(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    await _queue(services, clock, "Hello")
    double.inject(Fault(method="sendMessage", status=502))
    assert await dispatcher.tick() == 0
    row = await _row(services, "Hello")
    assert row.status == OutboxStatus.PENDING
    assert not (row.last_error or "").startswith(MAY_HAVE_ARRIVED)
