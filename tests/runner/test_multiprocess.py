"""Real OS processes sending one outbox: two at once never send a row twice, and one killed
with SIGKILL in the middle of a batch loses nothing and repeats at most what was in flight."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.models import OutboxMessage
from bot.platform.config import Settings
from tests.processes import Sender, due_rows

FIRST_CHAT = 300_000


@pytest.fixture
def senders(
    settings: Settings, tmp_path: Path, services: Services, double: BotApiDouble
) -> Iterator[list[Sender]]:
    started: list[Sender] = []
    yield started
    for sender in started:
        sender.stop()


async def counts(services: Services) -> dict[str, int]:
    async with services.db.transaction() as session:
        found = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {str(status): int(n) for status, n in found.all()}


async def until(services: Services, predicate: object, within: float, logs: list[Path]) -> None:
    deadline = time.monotonic() + within
    while True:
        now = await counts(services)
        if callable(predicate) and predicate(now):
            return
        if time.monotonic() > deadline:
            output = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
            raise AssertionError(f"outbox is {now} after {within}s; logs:\n{output}")
        await asyncio.sleep(0.2)


def delivered(double: BotApiDouble) -> Counter[str]:
    return Counter(
        str(call.params["text"]) for call in double.calls_of("sendMessage") if call.status == 200
    )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_processes_send_two_thousand_rows_each_exactly_once(
    database_url: str,
    settings: Settings,
    services: Services,
    double: BotApiDouble,
    senders: list[Sender],
    tmp_path: Path,
) -> None:
    await due_rows(services, 2000, chats=1000, first_chat=FIRST_CHAT)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    for log in logs:
        sender = Sender(
            settings,
            log,
            SAMORDNA_OUTBOX_RATE_LIMIT="2000",
        )
        senders.append(sender)
        sender.start()
    await until(services, lambda c: c.get("sent", 0) == 2000, within=120, logs=logs)
    sent = delivered(double)
    assert len(sent) == 2000
    assert set(sent.values()) == {1}
    async with services.db.transaction() as session:
        workers = set(await session.scalars(select(OutboxMessage.claimed_by).distinct()))
    assert len({worker.rsplit(":", 1)[0] for worker in workers if worker}) == 2


async def test_a_sender_killed_mid_batch_loses_nothing(
    settings: Settings,
    services: Services,
    double: BotApiDouble,
    senders: list[Sender],
    tmp_path: Path,
) -> None:
    await due_rows(services, 1000, chats=1000, first_chat=FIRST_CHAT)
    log = tmp_path / "sender.log"
    sender = Sender(
        settings,
        log,
        SAMORDNA_OUTBOX_RATE_LIMIT="200",
        SAMORDNA_OUTBOX_LEASE_SECONDS="3",
    )
    senders.append(sender)
    sender.start()
    await double.wait_until(lambda: len(double.calls_of("sendMessage")) >= 250, timeout=60)
    sender.kill()
    at_kill = await counts(services)
    in_flight = at_kill.get("claimed", 0)
    assert 0 < at_kill.get("sent", 0) < 1000
    assert in_flight > 0
    sender.start()
    await until(services, lambda c: c.get("sent", 0) == 1000, within=60, logs=[log])
    sent = delivered(double)
    assert len(sent) == 1000
    duplicates = sum(n - 1 for n in sent.values())
    assert duplicates <= in_flight
