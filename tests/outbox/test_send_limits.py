"""Telegram's limits held exactly: 30 messages in any second, one a second per chat, and a 429
waited out in that chat and overall. The rule is tested on a clock the test moves; one test
sends nudges and chat replies at once through the real bot to a double that enforces both
limits, and counts the refusals: none beyond the one the test forces."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from bot.bot_api_double import Fault
from bot.bot_api_double.records import ApiCall
from bot.outbox import queue as outbox
from bot.outbox.send_limits import Budget, Limits, chat_of
from bot.platform.config import Settings
from tests.conftest import RunningBot


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_31st_message_waits_a_second_after_the_first_answer() -> None:
    clock = Clock()
    budget = Budget(Limits(), clock)
    for chat in range(30):
        assert budget.wait(chat) == 0
        budget.start(chat)
    assert budget.wait(30) is None  # thirty on their way: wait for an answer
    clock.now += 0.2
    budget.finish(0)
    assert budget.wait(30) == pytest.approx(1.0)
    clock.now += 0.999
    assert budget.wait(30) == pytest.approx(0.001)
    clock.now += 0.001
    assert budget.wait(30) == 0


def test_one_chat_waits_a_second_after_each_answer() -> None:
    clock = Clock()
    budget = Budget(Limits(), clock)
    budget.start(7)
    assert budget.wait(7) is None
    assert budget.wait(8) == 0
    clock.now += 0.4  # a slow answer: the second counts from it
    budget.finish(7)
    assert budget.wait(7) == pytest.approx(1.0)
    clock.now += 1.0
    assert budget.wait(7) == 0


def test_a_429_holds_that_chat_and_everyone_for_retry_after() -> None:
    clock = Clock()
    budget = Budget(Limits(), clock)
    budget.start(7)
    budget.finish(7, retry_after=3)
    assert budget.wait(7) == pytest.approx(3.0)
    assert budget.wait(8) == pytest.approx(3.0)
    clock.now += 3.0
    assert budget.wait(7) == 0 and budget.wait(8) == 0


def test_only_what_puts_something_in_a_chat_is_limited() -> None:
    assert chat_of("sendMessage", {"chat_id": 5}) == 5
    assert chat_of("editMessageText", {"chat_id": "5"}) == 5
    assert chat_of("answerCallbackQuery", {"callback_query_id": "1"}) is None
    assert chat_of("setMyCommands", {}) is None


def _refused(arrivals: list[tuple[float, int]]) -> int:
    """What a Telegram enforcing both limits refuses, judged by arrival time."""
    window: list[float] = []
    last: dict[int, float] = {}
    refused = 0
    for at, chat in sorted(arrivals):
        window = [t for t in window if t > at - 1.0]
        if len(window) >= 30 or (chat in last and at - last[chat] < 1.0):
            refused += 1
            continue
        window.append(at)
        last[chat] = at
    return refused


def test_no_arrival_pattern_breaks_the_limits_whatever_the_latency() -> None:
    """600 messages to 40 chats, each on its way for 1 ms to 400 ms and arriving at any moment
    of that: Telegram would refuse none."""
    rng = random.Random(12)
    clock = Clock()
    budget = Budget(Limits(), clock)
    waiting = [chat for _ in range(15) for chat in range(40)]
    rng.shuffle(waiting)
    on_the_way: list[tuple[float, int]] = []  # (answer time, chat)
    arrivals: list[tuple[float, int]] = []
    while waiting or on_the_way:
        started = True
        while started:
            started = False
            for chat in list(waiting):
                if budget.wait(chat) == 0:
                    budget.start(chat)
                    waiting.remove(chat)
                    latency = rng.uniform(0.001, 0.4)
                    arrivals.append((clock.now + rng.uniform(0, latency), chat))
                    on_the_way.append((clock.now + latency, chat))
                    started = True
        waits = [w for w in (budget.wait(c) for c in set(waiting)) if w]
        moments = [t for t, _ in on_the_way] + [clock.now + w for w in waits]
        clock.now = min(moments)
        for answered in [item for item in on_the_way if item[0] <= clock.now]:
            on_the_way.remove(answered)
            budget.finish(answered[1])
    assert len(arrivals) == 600
    assert _refused(arrivals) == 0
    seconds = max(t for t, _ in arrivals) - min(t for t, _ in arrivals)
    assert 600 / seconds > 20  # 30 per (1 s + the mean latency): held, not wasted


# ----------------------------------------------------------------- the real bot, over HTTP

CHATS = 40
PER_CHAT = 2
ASKING = 20
FIRST_CHAT = 70_000
FIRST_ASKER = 80_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"chat_send_gap": 1.0, "dispatch_interval": 0.2})


def _most_in_a_second(calls: list[ApiCall]) -> int:
    times = sorted(c.time for c in calls)
    return max((sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times)))


async def test_nudges_and_replies_at_once_draw_no_429_from_telegram(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    bot.double.enforce_limits = True
    for chat in range(FIRST_CHAT, FIRST_CHAT + CHATS):
        bot.double.user(chat, language_code="en")
    askers = [bot.double.user(FIRST_ASKER + i, language_code="en") for i in range(ASKING)]
    forced = FIRST_CHAT + 3
    bot.double.inject(Fault(method="sendMessage", status=429, retry_after=1, chat_id=forced))
    async with bot.services.db.transaction() as session:
        for number, chat in enumerate(
            itertools.chain.from_iterable([range(FIRST_CHAT, FIRST_CHAT + CHATS)] * PER_CHAT)
        ):
            await outbox.enqueue(
                session,
                bot.clock,
                chat_id=chat,
                kind="test",
                message=f"Nudge {number}",
                dedupe_key=f"nudge:{number}",
                due_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
            )
    for asker in askers:
        asker.send("/help")

    expected = CHATS * PER_CHAT + ASKING
    await bot.double.wait_until(
        lambda: sum(1 for c in bot.double.calls_of("sendMessage") if c.status == 200) >= expected,
        timeout=30,
        what=f"{expected} messages delivered",
    )
    calls = bot.double.calls_of("sendMessage")
    refused = [c for c in calls if c.status == 429]
    delivered = [c for c in calls if c.status == 200]
    assert [(c.chat_id, c.status) for c in refused] == [(forced, 429)]  # only the forced one
    assert len(delivered) == expected
    assert _most_in_a_second(delivered) <= 30
    by_chat: dict[int | None, list[float]] = defaultdict(list)
    for call in delivered:
        by_chat[call.chat_id].append(call.time)
    gaps = [b - a for times in by_chat.values() for a, b in itertools.pairwise(sorted(times))]
    assert min(gaps) >= 1.0
    after_429 = min(c.time for c in delivered if c.chat_id == forced) - refused[0].time
    assert after_429 >= 1.0
    assert all(asker.last is not None for asker in askers)
