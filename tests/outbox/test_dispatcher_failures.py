"""What Telegram's refusals do to a row: 429 waits, 5xx and time-outs retry then give up and
tell the responsible staff member, 403 stops the person's nudges and tells them too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.bot_api_double import BotApiDouble, Fault
from bot.chat.turn import Services
from bot.models import AuditEntry, Individual, OutboxMessage, OutboxStatus, Role
from bot.outbox import queue as outbox
from bot.outbox.dispatcher import Dispatcher
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from tests import factories

ANNA = 1001
SARA = 2001


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "outbox_retry_seconds": 60.0,
            "outbox_max_attempts": 3,
            "outbox_send_timeout": 0.5,
        }
    )


@pytest.fixture
async def dispatcher(services: Services, double: BotApiDouble) -> AsyncIterator[Dispatcher]:
    request = HTTPXRequest(connection_pool_size=16)
    async with Bot(double.token, base_url=double.base_url, request=request) as telegram:
        yield Dispatcher(services, telegram)


async def make_case(services: Services, clock: ManualClock) -> int:
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock)
        staff = await factories.staff(session, clock, SARA, {unit: Role.STAFF}, language="en")
        person = await factories.individual(session, clock, ANNA, [unit], staff, language="en")
        return person.id


async def queue(
    services: Services, clock: ManualClock, person_id: int, text: str, *, kind: str = "test"
) -> None:
    async with services.db.transaction() as session:
        await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=person_id,
            kind=kind,
            message=text,
            dedupe_key=text,
        )


async def row(services: Services, text: str) -> OutboxMessage:
    async with services.db.transaction() as session:
        found = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == text))
    assert found is not None
    return found


def statuses(double: BotApiDouble) -> list[int]:
    return [call.status for call in double.calls_of("sendMessage")]


async def test_429_waits_retry_after_then_sends(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    person = await make_case(services, clock)
    await queue(services, clock, person, "Hello")
    double.inject(Fault(method="sendMessage", status=429, retry_after=1))
    assert await dispatcher.tick() == 1
    calls = double.calls_of("sendMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 1.0
    assert [m.text for m in double.messages_in(ANNA)] == ["Hello"]
    assert (await row(services, "Hello")).attempts == 0


async def test_a_429_chain_longer_than_the_lease_never_sends_a_row_twice(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    person = await make_case(services, clock)
    await queue(services, clock, person, "Hello")
    double.inject(Fault(method="sendMessage", status=429, retry_after=1))
    waiting = asyncio.create_task(dispatcher.tick())
    await double.wait_until(lambda: statuses(double) == [429], timeout=5)
    # While this process waits, its lease runs out and another process sends the row.
    clock.advance(timedelta(seconds=services.settings.outbox_lease_seconds + 1))
    other = Dispatcher(services, dispatcher.bot)
    assert await other.tick() == 1
    assert await waiting == 0
    assert statuses(double) == [429, 200]
    assert [m.text for m in double.messages_in(ANNA)] == ["Hello"]
    assert (await row(services, "Hello")).status == OutboxStatus.SENT


async def test_server_errors_retry_with_growing_pauses(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    person = await make_case(services, clock)
    await queue(services, clock, person, "Hello")
    double.inject(Fault(method="sendMessage", status=500, times=2))
    assert await dispatcher.tick() == 0
    first = await row(services, "Hello")
    assert (first.status, first.attempts) == (OutboxStatus.PENDING, 1)
    assert first.due_at == clock.now() + timedelta(seconds=60)
    clock.advance(timedelta(seconds=59))
    assert await dispatcher.tick() == 0
    assert statuses(double) == [500]
    clock.advance(timedelta(seconds=1))
    assert await dispatcher.tick() == 0
    second = await row(services, "Hello")
    assert second.due_at == clock.now() + timedelta(seconds=120)
    clock.advance(timedelta(seconds=120))
    assert await dispatcher.tick() == 1
    assert statuses(double) == [500, 500, 200]
    assert [m.text for m in double.messages_in(ANNA)] == ["Hello"]


async def test_a_time_out_is_retried(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    person = await make_case(services, clock)
    await queue(services, clock, person, "Hello")
    double.inject(Fault(method="sendMessage", timeout=1.5))
    assert await dispatcher.tick() == 0
    timed_out = await row(services, "Hello")
    assert (timed_out.status, timed_out.attempts) == (OutboxStatus.PENDING, 1)
    assert double.messages_in(ANNA) == []
    clock.advance(timedelta(minutes=1))
    assert await dispatcher.tick() == 1
    assert [m.text for m in double.messages_in(ANNA)] == ["Hello"]


async def test_giving_up_marks_the_row_failed_and_tells_the_responsible_staff(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    person = await make_case(services, clock)
    services.wiring.add_data(outbox.KIND_NAMES, {"test_labelled": "a test message"})
    await queue(services, clock, person, "Hello", kind="test_labelled")
    double.inject(Fault(method="sendMessage", status=502, times=None, chat_id=ANNA))
    for _ in range(3):
        await dispatcher.tick()
        clock.advance(timedelta(hours=1))
    failed = await row(services, "Hello")
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 3)
    assert await dispatcher.tick() == 1
    async with services.db.transaction() as session:
        case_ref = (await session.get(Individual, person)).case_ref  # type: ignore[union-attr]
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.case_ref == case_ref))
    assert [m.text for m in double.messages_in(SARA)] == [
        f"I could not deliver a test message to {case_ref}. "
        "Please reach them another way if it matters."
    ]
    assert audit is not None
    assert audit.action == "message_failed"
    assert str(ANNA) not in str(audit.detail)


async def test_a_bad_request_fails_at_once(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    person = await make_case(services, clock)
    await queue(services, clock, person, "Hello")
    double.inject(Fault(method="sendMessage", status=400))
    assert await dispatcher.tick() == 0
    assert (await row(services, "Hello")).status == OutboxStatus.FAILED
    assert await dispatcher.tick() == 1
    assert double.messages_in(SARA)[0].text.startswith("I could not deliver a message to K-")


async def test_a_blocked_bot_stops_the_persons_nudges_and_tells_their_staff(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    person = await make_case(services, clock)
    anna = double.user(ANNA, language_code="en")
    anna.block()
    await queue(services, clock, person, "First")
    async with services.db.transaction() as session:
        await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=person,
            kind="test",
            message="Tomorrow",
            dedupe_key="Tomorrow",
            due_at=clock.now() + timedelta(days=1),
        )
    assert await dispatcher.tick() == 0
    assert statuses(double) == [403]
    assert (await row(services, "First")).status == OutboxStatus.FAILED
    assert (await row(services, "Tomorrow")).status == OutboxStatus.CANCELLED
    async with services.db.transaction() as session:
        individual = await session.get(Individual, person)
        assert individual is not None
        assert individual.unreachable_at == clock.now()
        case_ref = individual.case_ref
    assert await dispatcher.tick() == 1
    assert [m.text for m in double.messages_in(SARA)] == [
        f"{case_ref} has blocked or left the chat with me, so my messages no longer reach "
        "them. Their reminders are stopped. Please reach them another way."
    ]
    anna.unblock()
    clock.advance(timedelta(minutes=5))
    await queue(services, clock, person, "Welcome back")
    assert await dispatcher.tick() == 1
    assert [m.text for m in anna.messages] == ["Welcome back"]
    async with services.db.transaction() as session:
        individual = await session.get(Individual, person)
        assert individual is not None
        assert individual.unreachable_at is None
