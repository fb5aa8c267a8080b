"""Experiment 2: latency under a steady, realistic load (an open loop).

People do the förmöte as in experiment 1, but as people do: each answer comes 1–3 s after the
previous one was sent (or at once when the screen took longer than that to arrive), so how
fast the bot answers does not change how fast updates come. With a pause of 2 s on average,
``rate`` updates a second come from ``2 × rate`` people at once; whoever finishes is replaced
by someone new, so the rate holds. The rates follow each other in one bot process, each for
``seconds``: the people of one rate stay on into the next, and new ones join, at random
moments over the first pause, so there is no warm-up in between.

Each update counts for the rate it was sent at; latency is from the update reaching the Bot
API double to the bot's answer reaching it, as in experiment 1.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field

from bench import bots, seeding
from bench.databases import TempDatabases
from bench.individuals import NOTE, choose, wait_for
from bench.proc import BotProcess
from bench.recorder import AnswerRecorder
from bench.stats import percentile
from bot.bot_api_double import BotApiDouble, UserHandle
from bot.platform.clock import SystemClock

FIRST_ID = 200_000
PAUSE = (1.0, 3.0)
MEAN_PAUSE = sum(PAUSE) / 2
ANSWER_WITHIN = 10.0
SETTLE = 1.0
UPDATES_PER_PERSON = 13
Answered = Callable[[], float | None]


@dataclass
class RateResult:
    """What one offered rate measured."""

    rate: int
    seconds: float
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    bot_cpu_seconds: float = 0.0

    @property
    def offered(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.bot_cpu_seconds / self.sent if self.sent else 0.0


@dataclass
class LatencyRun:
    bot: str
    storage: str
    rates: list[RateResult] = field(default_factory=list)
    people: int = 0
    problems: list[str] = field(default_factory=list)

    def at(self, rate: int) -> RateResult | None:
        return next((r for r in self.rates if r.rate == rate), None)


def people_needed(rates: tuple[int, ...], seconds: float) -> int:
    """Everyone at the highest rate plus those who replace the ones who finish, with room."""
    at_once = int(max(rates) * MEAN_PAUSE)
    updates = sum(rates) * seconds
    return at_once + int(updates / UPDATES_PER_PERSON) + 20


async def ours(
    dbs: TempDatabases, storage: str, rates: tuple[int, ...], seconds: float
) -> LatencyRun | None:
    """None when that database is not available."""
    name = f"latency_{storage}"
    url = dbs.url(storage, name)
    if url is None:
        return None
    ids = list(range(FIRST_ID, FIRST_ID + people_needed(rates, seconds)))
    db = await seeding.migrated(url)
    try:
        await seeding.individuals(db, SystemClock(), ids)
    finally:
        await db.dispose()
    run = LatencyRun("Samordna", {"sqlite": "SQLite", "postgres": "PostgreSQL"}[storage])
    async with BotApiDouble() as double:
        bot = bots.ours(double, url, dbs.path(name), dbs.key_file, unlimited=True)
        await _drive(run, double, bot, ids, rates, seconds)
    return run


async def plain(dbs: TempDatabases, rates: tuple[int, ...], seconds: float) -> LatencyRun:
    folder = dbs.path("latency_plain")
    ids = list(range(FIRST_ID, FIRST_ID + people_needed(rates, seconds)))
    run = LatencyRun("plain PTB", "pickle")
    async with BotApiDouble() as double:
        bot = bots.plain(double, folder / "plain.pickle", folder)
        await _drive(run, double, bot, ids, rates, seconds)
    return run


class _Load:
    """The people and the clock of the phases; shared by every simulated person."""

    def __init__(
        self,
        double: BotApiDouble,
        recorder: AnswerRecorder,
        ids: list[int],
        phases: list[RateResult],
        began: float,
    ) -> None:
        self.double = double
        self.recorder = recorder
        self.fresh: Iterator[int] = iter(ids)
        self.phases = phases
        self.began = began
        self.end = began + sum(p.seconds for p in phases)
        self.rng = random.Random(7)
        self.used = 0
        self.problems: set[str] = set()

    def phase_at(self, moment: float) -> RateResult | None:
        offset = moment - self.began
        for phase in self.phases:
            if offset < phase.seconds:
                return phase
            offset -= phase.seconds
        return None

    def pause(self) -> float:
        return self.rng.uniform(*PAUSE)

    async def person_slot(self, delay: float) -> None:
        """One place in the crowd: a person, and whoever takes their place when they finish."""
        await asyncio.sleep(delay)
        while time.monotonic() < self.end:
            telegram_id = next(self.fresh, None)
            if telegram_id is None:
                self.problems.add("ran out of seeded individuals")
                return
            self.used += 1
            handle = self.double.user(telegram_id, first_name="Person", language_code="sv")
            await self._journey(handle)

    async def _journey(self, handle: UserHandle) -> None:
        next_at = time.monotonic()
        first = True
        while True:
            wait = next_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            sent = time.monotonic()
            if sent >= self.end:
                return
            phase = self.phase_at(sent)
            if phase is None:
                return
            if first:
                chat = handle.chat_id
                handle.send("/prepare")
                key: Hashable = chat
                answered = _chat_answer(self.recorder, chat, sent)
                first = False
            else:
                move = choose(handle.last)
                if move is None:
                    return
                if move.text is not None:
                    chat = handle.chat_id
                    handle.send(NOTE)
                    key, answered = chat, _chat_answer(self.recorder, chat, sent)
                else:
                    assert move.data is not None and move.message_id is not None
                    query = handle.press_data(move.data, move.message_id)
                    key, answered = query, _query_answer(self.recorder, query)
            phase.sent += 1
            next_at = sent + self.pause()
            at = await wait_for(self.recorder, key, answered, ANSWER_WITHIN)
            if at is None:
                phase.unanswered += 1
                self.problems.add(f"no answer within {ANSWER_WITHIN:.0f} s")
                return
            phase.latencies.append(at - sent)


def _chat_answer(recorder: AnswerRecorder, chat: int, since: float) -> Answered:
    return lambda: recorder.chat_answered(chat, since)


def _query_answer(recorder: AnswerRecorder, query: str) -> Answered:
    return lambda: recorder.query_answered(query)


async def _drive(
    run: LatencyRun,
    double: BotApiDouble,
    bot: BotProcess,
    ids: list[int],
    rates: tuple[int, ...],
    seconds: float,
) -> None:
    recorder = AnswerRecorder(double)
    run.rates = [RateResult(rate, seconds) for rate in rates]
    try:
        await bot.start()
        await asyncio.sleep(SETTLE)  # the start's own work (command menus) is not measured
        began = time.monotonic() + 0.2
        load = _Load(double, recorder, ids, run.rates, began)
        slots: list[asyncio.Task[None]] = []
        cpu = bot.cpu_seconds()
        present = 0
        for phase in run.rates:
            start = began + sum(p.seconds for p in run.rates[: run.rates.index(phase)])
            wanted = int(phase.rate * MEAN_PAUSE)
            for _ in range(max(0, wanted - present)):
                delay = start - time.monotonic() + load.rng.uniform(0, PAUSE[1])
                slots.append(asyncio.create_task(load.person_slot(max(0.0, delay))))
            present = max(present, wanted)
            await asyncio.sleep(max(0.0, start + phase.seconds - time.monotonic()))
            now_cpu = bot.cpu_seconds()
            phase.bot_cpu_seconds, cpu = now_cpu - cpu, now_cpu
        # The last answers of the last rate may still be on their way.
        await asyncio.wait(slots, timeout=ANSWER_WITHIN + 1)
        for task in slots:
            task.cancel()
        await asyncio.gather(*slots, return_exceptions=True)
        run.people = load.used
        run.problems += sorted(load.problems)[:3]
    finally:
        bot.kill()
    errors = bot.errors()
    if errors:
        run.problems.append(f"the bot logged {len(errors)} error(s), first: {errors[0][:200]}")
