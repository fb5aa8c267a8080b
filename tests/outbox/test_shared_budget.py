"""Telegram's 30 messages a second held by several processes on one PostgreSQL database.

The tickets' rule on an injected clock (no waiting), then two real ``samordna outbox run``
processes against a double that answers 429 beyond Telegram's limits.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bot_api_double import ApiCall, BotApiDouble
from bot.chat.turn import Services
from bot.models import OutboxMessage
from bot.outbox.shared_budget import SharedBudget, TicketStore
from bot.platform.config import Settings
from tests.processes import Sender, due_rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]


STEP = 1 / 29  # the nudges' pace: one ticket a second is left for replies


class Seconds:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
async def stores(services: Services, seconds: Seconds) -> AsyncIterator[list[TicketStore]]:
    """Two processes' views of the tickets (``first`` and ``second``), on one clock."""
    opened = [
        TicketStore(services.db.engine, name, size=30, lease=60.0, clock=seconds)
        for name in ("first", "second")
    ]
    yield opened
    for store in opened:
        await store.close()


# ----------------------------------------------------------------- the rule, on a clock


async def test_thirty_tickets_for_all_processes_together(
    stores: list[TicketStore], seconds: Seconds
) -> None:
    first, second = stores
    assert len((await first.exchange([], [], 20)).taken) == 20
    got = await second.exchange([], [], 20)
    assert len(got.taken) == 10  # two processes never send 60 a second
    assert (await first.exchange([], [], 5)).taken == []


async def test_a_ticket_comes_free_a_whole_second_after_its_answer(
    stores: list[TicketStore], seconds: Seconds
) -> None:
    first, second = stores
    held = (await first.exchange([], [], 30)).taken
    seconds.now += 0.25  # the sends were answered a quarter second later
    answered = await first.exchange(held[:3], [], 0)
    assert answered.taken == []
    seconds.now += 0.999
    waiting = await second.exchange([], [], 3)
    assert waiting.taken == []
    assert waiting.wait == pytest.approx(0.001)  # how long to sleep, not a guess
    seconds.now += 0.001
    assert (await second.exchange([], [], 3)).taken == sorted(held[:3])


async def test_nudges_go_at_an_even_pace_over_all_processes_and_replies_do_not_wait(
    stores: list[TicketStore], seconds: Seconds
) -> None:
    first, second = stores
    assert len((await first.exchange([], [], 0, 10)).taken) == 3  # after a quiet spell
    paced = await second.exchange([], [], 0, 10)
    assert paced.taken == []
    assert paced.pace == pytest.approx(STEP)  # one every 1/29 s, not 30 in a burst
    assert len((await second.exchange([], [], 2, 10)).taken) == 2  # a person's answers go now
    seconds.now += 2 * STEP
    assert (await first.exchange([], [], 0, 10)).taken == []  # nudges make room for them
    seconds.now += STEP
    assert len((await second.exchange([], [], 0, 10)).taken) == 1
    seconds.now += 0.04  # a process waking late keeps the pace: the next step is soon after
    late = await first.exchange([], [], 0, 10)
    assert len(late.taken) == 1
    assert late.pace == pytest.approx(2 * STEP - 0.04)


async def test_a_ticket_taken_but_never_used_is_free_at_once(
    stores: list[TicketStore], seconds: Seconds
) -> None:
    first, second = stores
    held = (await first.exchange([], [], 30)).taken
    await first.exchange([], held[:2], 0)
    assert (await second.exchange([], [], 5)).taken == held[:2]


async def test_a_crashed_holder_loses_its_tickets_after_the_lease(
    stores: list[TicketStore], seconds: Seconds
) -> None:
    first, second = stores
    await first.exchange([], [], 30)  # and then the process died
    seconds.now += 59
    assert (await second.exchange([], [], 1)).taken == []
    seconds.now += 2
    assert len((await second.exchange([], [], 30)).taken) == 30


async def test_a_waiting_reply_gets_the_next_ticket_before_another_process_nudges(
    stores: list[TicketStore], seconds: Seconds
) -> None:
    replies, nudges = stores
    held = (await nudges.exchange([], [], 30)).taken
    await nudges.exchange(held, [], 0)  # all answered now, free in a second
    assert await replies.promise(1) == 1  # a person waits for an answer there
    seconds.now += 1.0
    assert len((await nudges.exchange([], [], 30)).taken) == 29
    assert len((await replies.exchange([], [], 1)).taken) == 1


async def test_a_promise_nobody_takes_up_runs_out(
    stores: list[TicketStore], seconds: Seconds
) -> None:
    replies, nudges = stores
    await replies.promise(2)
    assert len((await nudges.exchange([], [], 30)).taken) == 28
    seconds.now += 2
    assert len((await nudges.exchange([], [], 30)).taken) == 2


async def test_within_a_process_replies_are_served_before_nudges(
    stores: list[TicketStore], seconds: Seconds
) -> None:
    first, other = stores
    held = (await other.exchange([], [], 29)).taken
    budget = SharedBudget(first)
    nudge = asyncio.ensure_future(budget.acquire(reply=False))
    reply = asyncio.ensure_future(budget.acquire(reply=True))
    await asyncio.sleep(0)
    await budget.step()  # one ticket left: the person's
    await asyncio.sleep(0)
    assert reply.done()
    assert not nudge.done()
    await other.exchange(held, [], 0)
    seconds.now += 1
    await budget.step()
    await asyncio.sleep(0)
    assert nudge.done()
    budget.release(reply.result())
    budget.release(nudge.result(), sent=False)
    assert await budget.step() is None
    assert len((await other.exchange([], [], 30)).taken) == 29  # one answered a moment ago


# ----------------------------------------------------------------- two real processes

PEOPLE = 120
NUDGES = 200
FIRST_CHAT = 500_000


@pytest.fixture
def senders() -> Iterator[list[Sender]]:
    started: list[Sender] = []
    yield started
    for sender in started:
        sender.stop()


def most_in_a_second(calls: list[ApiCall]) -> int:
    times = sorted(c.time for c in calls)
    return max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))


async def test_two_processes_send_200_nudges_within_telegrams_limits(
    settings: Settings,
    services: Services,
    double: BotApiDouble,
    senders: list[Sender],
    tmp_path: Path,
) -> None:
    double.enforce_limits = True
    await due_rows(services, NUDGES, chats=PEOPLE, first_chat=FIRST_CHAT)  # 80 get two
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    for log in logs:
        # Batches of 25: a sender claims its next batch while one goes out, and with the
        # default 100 the first to start could claim all 200 before the other is up.
        sender = Sender(
            settings, log, SAMORDNA_CHAT_SEND_GAP="1.0", SAMORDNA_OUTBOX_BATCH_SIZE="25"
        )
        senders.append(sender)
        sender.start()

    def delivered() -> list[ApiCall]:
        return [c for c in double.calls_of("sendMessage") if c.status == 200]

    began = time.monotonic()
    try:
        await double.wait_until(lambda: len(delivered()) >= NUDGES, timeout=60)
    except Exception as exc:
        output = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
        raise AssertionError(f"{len(delivered())} delivered; logs:\n{output}") from exc
    seconds = time.monotonic() - began
    await asyncio.sleep(0.5)  # anything sent twice would show by now

    calls = double.calls_of("sendMessage")
    assert [c.chat_id for c in calls if c.status == 429] == []
    texts = Counter(str(c.params["text"]) for c in calls if c.status == 200)
    assert len(texts) == NUDGES
    assert set(texts.values()) == {1}
    assert most_in_a_second(delivered()) <= 30
    by_chat: dict[int | None, list[float]] = defaultdict(list)
    for call in delivered():
        by_chat[call.chat_id].append(call.time)
    gaps = [b - a for times in by_chat.values() for a, b in itertools.pairwise(sorted(times))]
    assert len(gaps) == NUDGES - PEOPLE
    assert min(gaps) >= 1.0
    async with services.db.transaction() as session:
        workers = set(await session.scalars(select(OutboxMessage.claimed_by).distinct()))
    assert len({worker.rsplit(":", 1)[0] for worker in workers if worker}) == 2  # both sent
    assert seconds < 30  # about 7 s of Telegram's allowance, with start-up
