"""The inbox worker starts on what arrives in the transaction that stores it, and looks at the
inbox again exactly when something may be waiting: never later than the person notices,
never a transaction per update more than needed.

The worker runs here with a sweep of an hour, so that anything handled in these tests was
handled because the worker knew to look, not because a timer came round.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, Update

from bot.chat import update_ids
from bot.chat.inbox_store import Received
from bot.chat.turn import Services
from bot.inbox.intake import ChatKeys
from bot.inbox.worker import InboxWorker

ANNA, BO = 4_815_162_342, 1_618_033_988
WITHIN = 10.0  # seconds; far below the sweep, far above a claim


@dataclass
class Handlers:
    """Stands in for the Application: a transactional handler (it marks the update handled
    in its transaction, as every conversation handler does) that can be held at will."""

    services: Services
    bot: Bot = field(default_factory=lambda: Bot("123:TEST"))
    handled: list[int] = field(default_factory=list)
    held: dict[int, asyncio.Event] = field(default_factory=dict)
    marks: bool = True
    began: dict[int, asyncio.Event] = field(default_factory=dict)

    def hold(self, update_id: int) -> asyncio.Event:
        self.held[update_id] = asyncio.Event()
        return self.held[update_id]

    def started(self, update_id: int) -> asyncio.Event:
        return self.began.setdefault(update_id, asyncio.Event())

    async def process_update(self, update: Update) -> None:
        self.started(update.update_id).set()
        if update.update_id in self.held:
            await self.held[update.update_id].wait()
        if self.marks:
            async with self.services.db.transaction() as session:
                await update_ids.take(session, update.update_id, ANNA, self.services.clock.now())
        self.handled.append(update.update_id)


@pytest.fixture
async def worker(services: Services) -> AsyncIterator[tuple[InboxWorker, Handlers]]:
    services.settings.inbox_sweep_seconds = 3600.0
    handlers = Handlers(services)
    inbox = InboxWorker(handlers, services)  # type: ignore[arg-type]
    inbox.start()
    yield inbox, handlers
    for event in handlers.held.values():
        event.set()
    await inbox.stop()


def _received(services: Services, update_id: int, chat: int) -> Received:
    keys = ChatKeys(services.settings.resolved_key_file)
    payload = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_772_442_000,
            "chat": {"id": chat, "type": "private", "first_name": "X"},
            "from": {"id": chat, "is_bot": False, "first_name": "X"},
            "text": "hej",
        },
    }
    return keys.from_json(payload, Bot("123:TEST"))


async def _until(predicate: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WITHIN
    while not predicate():
        assert loop.time() < deadline, "not handled before the sweep would have come"
        await asyncio.sleep(0.01)


def _count_transactions(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    opened: list[int] = []
    real = services.db.transaction

    def counting() -> AbstractAsyncContextManager[AsyncSession]:
        opened.append(1)
        return real()

    monkeypatch.setattr(services.db, "transaction", counting)
    return opened


async def test_a_message_costs_the_database_two_transactions_storing_and_handling(
    worker: tuple[InboxWorker, Handlers], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, handlers = worker
    await _until(lambda: not inbox._look_again)  # the first look at start-up is over
    opened = _count_transactions(services, monkeypatch)
    for update_id in (1, 2, 3):
        await inbox.receive([_received(services, update_id, ANNA)])
        await _until(lambda n=update_id: len(handlers.handled) == n)  # type: ignore[misc]
        await asyncio.sleep(0.05)  # nothing more happens after the handler
    assert handlers.handled == [1, 2, 3]
    assert len(opened) == 6


async def test_a_message_sent_while_the_persons_last_one_is_handled_follows_it_at_once(
    worker: tuple[InboxWorker, Handlers], services: Services
) -> None:
    inbox, handlers = worker
    first = handlers.hold(1)
    await inbox.receive([_received(services, 1, ANNA)])
    await asyncio.wait_for(handlers.started(1).wait(), WITHIN)
    await inbox.receive([_received(services, 2, ANNA)])
    await inbox.receive([_received(services, 3, BO)])  # someone else is not held up
    await _until(lambda: handlers.handled == [3])
    assert not handlers.started(2).is_set()
    first.set()
    await _until(lambda: handlers.handled == [3, 1, 2])


async def test_a_message_that_arrives_while_every_hand_is_busy_is_taken_when_one_is_free(
    worker: tuple[InboxWorker, Handlers], services: Services
) -> None:
    inbox, handlers = worker
    inbox.concurrency = 1
    first = handlers.hold(1)
    await inbox.receive([_received(services, 1, ANNA)])
    await asyncio.wait_for(handlers.started(1).wait(), WITHIN)
    await inbox.receive([_received(services, 2, BO)])
    await asyncio.sleep(0.1)
    assert not handlers.started(2).is_set()
    first.set()
    await _until(lambda: handlers.handled == [1, 2])


async def test_an_update_no_handler_marks_does_not_hold_up_the_persons_next_one(
    worker: tuple[InboxWorker, Handlers], services: Services
) -> None:
    inbox, handlers = worker
    handlers.marks = False  # like an update kind no conversation handler takes
    first = handlers.hold(1)
    await inbox.receive([_received(services, 1, ANNA)])
    await asyncio.wait_for(handlers.started(1).wait(), WITHIN)
    await inbox.receive([_received(services, 2, ANNA)])
    first.set()
    await _until(lambda: handlers.handled == [1, 2])
    await inbox.receive([_received(services, 3, ANNA)])
    await _until(lambda: handlers.handled == [1, 2, 3])
