"""Experiment 1: many individuals doing the förmöte at once, against each bot in turn.

Each run gets a fresh database (or pickle file), a fresh Bot API double and a fresh bot
process; the simulated individuals live in this process, the bot in its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import bots, seeding
from bench.databases import TempDatabases
from bench.individuals import Journey, answered_within, crowd
from bench.proc import BotProcess
from bench.recorder import AnswerRecorder
from bench.stats import percentile
from bot.bot_api_double import BotApiDouble
from bot.platform.clock import SystemClock

FIRST_ID = 100_000


@dataclass
class ConversationRun:
    bot: str
    storage: str
    individuals: int
    completed: int = 0
    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    bot_cpu_seconds: float = 0.0
    bot_rss_mib: float = 0.0
    load_cpu_seconds: float = 0.0
    cut_short: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.bot_cpu_seconds / self.updates if self.updates else 0.0


async def ours(
    dbs: TempDatabases,
    storage: str,
    individuals: int,
    *,
    within: float,
    window: float,
    profile: Path | None = None,
) -> ConversationRun | None:
    """None when that database is not available."""
    name = f"conversation_{storage}_{individuals}{'_profiled' if profile else ''}"
    url = dbs.url(storage, name)
    if url is None:
        return None
    folder = dbs.path(name)
    ids = list(range(FIRST_ID, FIRST_ID + individuals))
    db = await seeding.migrated(url)
    try:
        await seeding.individuals(db, SystemClock(), ids)
    finally:
        await db.dispose()
    run = ConversationRun("Samordna", _storage_name(storage), individuals)
    async with BotApiDouble() as double:
        bot = bots.ours(double, url, folder, dbs.key_file, unlimited=True, profile=profile)
        await _drive(run, double, bot, ids, within, window, graceful=profile is not None)
    return run


async def plain(
    dbs: TempDatabases,
    individuals: int,
    *,
    within: float,
    window: float,
) -> ConversationRun:
    folder = dbs.path(f"conversation_plain_{individuals}")
    ids = list(range(FIRST_ID, FIRST_ID + individuals))
    run = ConversationRun("plain PTB", "pickle", individuals)
    async with BotApiDouble() as double:
        bot = bots.plain(double, folder / "plain.pickle", folder)
        await _drive(run, double, bot, ids, within, window)
    return run


async def _drive(
    run: ConversationRun,
    double: BotApiDouble,
    bot: BotProcess,
    ids: list[int],
    within: float,
    window: float,
    *,
    graceful: bool = False,
) -> None:
    """``graceful`` stops the bot cleanly, so that it can write its profile."""
    recorder = AnswerRecorder(double)
    handles = [double.user(i, first_name=f"Person {i}", language_code="sv") for i in ids]
    try:
        startup = await bot.start()
        cpu, load_cpu = bot.cpu_seconds(), time.process_time()
        began = time.monotonic()

        def at_end() -> None:
            run.bot_cpu_seconds = bot.cpu_seconds() - cpu
            run.load_cpu_seconds = time.process_time() - load_cpu
            run.bot_rss_mib = bot.rss_mib()

        journeys, run.cut_short = await crowd(
            handles, recorder, within=within, window=window, at_end=at_end
        )
        print(
            f"   bot ready in {startup:.1f} s, crowd {time.monotonic() - began:.1f} s",
            flush=True,
        )
    finally:
        # Nothing is measured after the crowd, and a clean stop can take long: a crowd cut
        # short leaves a queue, and the plain bot writes its whole pickle file once per user.
        if graceful:
            bot.stop()
        else:
            bot.kill()
    _summarise(run, journeys, began, window)
    errors = bot.errors()
    if errors:
        run.problems.append(f"the bot logged {len(errors)} error(s), first: {errors[0][:200]}")


def _summarise(run: ConversationRun, journeys: list[Journey], began: float, window: float) -> None:
    """Over the whole run, or, when the window cut it short, over the answers within it."""
    run.latencies, run.seconds = answered_within(journeys, began, window, run.cut_short)
    run.updates = len(run.latencies)
    cutoff = began + window if run.cut_short else float("inf")
    run.completed = sum(1 for j in journeys if j.saved and j.last_answer <= cutoff)
    problems = sorted({j.problem for j in journeys if j.problem})
    if run.completed < len(journeys) and not run.cut_short:
        unfinished = len(journeys) - run.completed
        run.problems.append(f"{unfinished} of {len(journeys)} did not save their answers")
    run.problems += problems[:3]


def _storage_name(storage: str) -> str:
    return {"sqlite": "SQLite", "postgres": "PostgreSQL"}.get(storage, storage)
