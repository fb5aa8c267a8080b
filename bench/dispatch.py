"""Experiment 2: a backlog of due nudges going out.

(a) The dispatcher alone with the rate limiter lifted, in its own process: its CPU time per
message and its rate. (b) The real bot, limiter on, against a double that enforces Telegram's
limits (30 a second overall, one a second per chat) and answers 429 beyond them: the rate it
keeps up over one minute, and how many 429s it provokes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench import bots, seeding
from bench.databases import TempDatabases
from bench.proc import ROOT
from bot.bot_api_double import BotApiDouble
from bot.platform.clock import SystemClock

FIRST_CHAT = 200_000
TELEGRAM_LIMIT = 30.0
PLAN_SEED = 8
LIMITERS = {
    False: "as built: SendLimiter, 30 per second (SQLite, one process)",
    True: "for comparison: AIORateLimiter, 1 per 1/29 s",
}


@dataclass
class UnthrottledRun:
    storage: str
    nudges: int
    sent: int
    seconds: float
    cpu_seconds: float
    problem: str | None = None

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_message(self) -> float:
        return 1000 * self.cpu_seconds / self.sent if self.sent else 0.0


@dataclass
class LimitedRun:
    limiter: str
    nudges: int
    window: float
    sent: int
    refused: int
    refused_same_chat: int
    max_in_a_second: int

    @property
    def rate(self) -> float:
        return self.sent / self.window if self.window else 0.0

    @property
    def share(self) -> float:
        return self.rate / TELEGRAM_LIMIT


async def seed_backlog(url: str, nudges: int, per_person: int) -> None:
    """``nudges`` due within the last hour, ``per_person`` each, in no particular order."""
    clock = SystemClock()
    chats = list(range(FIRST_CHAT, FIRST_CHAT + nudges // per_person))
    db = await seeding.migrated(url)
    try:
        await seeding.chat_users(db, clock, chats)
        now = clock.now()
        plan = seeding.nudge_plan(nudges, chats, now - timedelta(hours=1), now, PLAN_SEED)
        await seeding.nudges(db, clock, plan)
    finally:
        await db.dispose()


async def unthrottled(
    dbs: TempDatabases,
    storage: str,
    nudges: int,
    *,
    window: float,
) -> UnthrottledRun | None:
    name = f"dispatch_{storage}"
    url = dbs.url(storage, name)
    if url is None:
        return None
    folder = dbs.path(name)
    await seed_backlog(url, nudges, 1)
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[storage]
    async with BotApiDouble() as double:
        env = bots.ours(double, url, folder, dbs.key_file).env
        args = ["--expect", str(nudges), "--deadline", str(window)]
        result, problem = await _worker("bench.dispatch_worker", args, env, window + 60)
    if result is None:
        return UnthrottledRun(label, nudges, 0, 0.0, 0.0, problem)
    return UnthrottledRun(
        label, nudges, int(result["sent"]), result["seconds"], result["cpu_seconds"]
    )


async def limited(
    dbs: TempDatabases, nudges: int, *, window: float, no_burst: bool = False
) -> LimitedRun | None:
    """The real bot for ``window`` seconds from its first send (in ``bench.limits_worker``)."""
    name = "dispatch_limited_no_burst" if no_burst else "dispatch_limited"
    folder = dbs.path(name)
    args = [
        "--database",
        dbs.sqlite(name),
        "--folder",
        str(folder),
        "--key-file",
        str(dbs.key_file),
        "--nudges",
        str(nudges),
        "--window",
        str(window),
    ]
    if no_burst:
        args.append("--no-burst")
    result, problem = await _worker("bench.limits_worker", args, {}, window + 90)
    if result is None:
        raise RuntimeError(problem)
    return LimitedRun(**result)


async def _worker(
    module: str, args: list[str], env: dict[str, str], limit: float
) -> tuple[dict[str, Any] | None, str]:
    """Run a worker process; its last line of output is JSON."""
    argv = [sys.executable, "-m", module, *args]
    try:
        done = await asyncio.to_thread(
            subprocess.run,
            argv,
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        return None, f"{module} did not finish within {limit:.0f} s"
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return None, (done.stderr.strip().splitlines() or ["no output"])[-1]
    result: dict[str, Any] = json.loads(lines[-1])
    return result, ""


def busiest_second(times: list[float]) -> int:
    """The most sends in any one-second window."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best
