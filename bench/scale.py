"""Experiment 3: 1,000 to 100,000 nudges scheduled over the next year.

For each size: the bot process's start-up time (from ``exec`` to polling) and resident memory
once it runs, and for ours the time to find what is due. The plain bot keeps its reminders in
``bot_data`` and has one ``run_once`` job each in memory, so its start-up includes scheduling.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from telegram import Bot

from bench import bots, seeding
from bench.databases import TempDatabases
from bench.plain_ptb import write_reminders
from bench.proc import BotProcess
from bot import composition
from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.models import OutboxMessage, OutboxStatus
from bot.outbox.dispatcher import Dispatcher
from bot.platform.clock import ManualClock, SystemClock
from flows.engine import FlowEngine

FIRST_CHAT = 300_000
NUDGES_PER_PERSON = 5
SETTLE = 2.0
LOOK_AHEAD = timedelta(days=1)
CLAIMS = 7  # the first pays for what a process does once; the median of the rest is quoted
YEAR = timedelta(days=365)


@dataclass
class ScaleRun:
    bot: str
    reminders: int
    startup_seconds: float
    rss_mib: float
    find_ms: float | None = None
    claim_ms: float | None = None
    first_claim_ms: float | None = None
    claimed: int | None = None
    schedule_seconds: float | None = None


def _year_plan(reminders: int) -> list[tuple[int, datetime]]:
    """Reminders due between an hour and a year from now, five for each person."""
    now = SystemClock().now()
    people = max(1, reminders // NUDGES_PER_PERSON)
    chats = list(range(FIRST_CHAT, FIRST_CHAT + people))
    return seeding.nudge_plan(reminders, chats, now + timedelta(hours=1), now + YEAR, 3)


async def ours(dbs: TempDatabases, reminders: int) -> ScaleRun:
    name = f"scale_{reminders}"
    url = dbs.sqlite(name)
    folder = dbs.path(name)
    clock = SystemClock()
    plan = _year_plan(reminders)
    db = await seeding.migrated(url)
    try:
        await seeding.chat_users(db, clock, sorted({chat for chat, _ in plan}))
        await seeding.nudges(db, clock, plan)
    finally:
        await db.dispose()
    async with BotApiDouble() as double:
        startup, rss = await _start_and_measure(bots.ours(double, url, folder, dbs.key_file))
        run = ScaleRun("Samordna", reminders, startup, rss)
        await _find_due(run, url, double, folder, dbs.key_file)
    return run


async def plain(dbs: TempDatabases, reminders: int) -> ScaleRun:
    folder = dbs.path(f"scale_plain_{reminders}")
    rows = [
        (chat, due.timestamp(), (due + timedelta(days=1)).timestamp())
        for chat, due in _year_plan(reminders)
    ]
    persistence = folder / "plain.pickle"
    await asyncio.to_thread(write_reminders, str(persistence), rows)
    async with BotApiDouble() as double:
        bot = bots.plain(double, persistence, folder)
        startup, rss = await _start_and_measure(bot)
        scheduled = float(bot.ready_info.get("schedule_seconds", 0.0))
    return ScaleRun("plain PTB", reminders, startup, rss, schedule_seconds=scheduled)


async def _start_and_measure(bot: BotProcess) -> tuple[float, float]:
    try:
        startup = await bot.start()
        await asyncio.sleep(SETTLE)
        return startup, bot.rss_mib()
    finally:
        bot.stop()


async def _find_due(
    run: ScaleRun, url: str, double: BotApiDouble, folder: Path, key_file: Path
) -> None:
    """A day from now: the query for what is due, and a real claim of the first batch."""
    moment = SystemClock().now() + LOOK_AHEAD
    db = bots.database(url)
    try:
        query = (
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= moment)
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(100)
        )
        timings = []
        for _ in range(15):
            began = time.perf_counter()
            async with db.transaction() as session:
                list(await session.scalars(query))
            timings.append(time.perf_counter() - began)
        run.find_ms = 1000 * statistics.median(timings)
        clock = ManualClock(moment)
        wiring = composition.build_wiring()
        services = Services(
            bots.settings(double, url, folder, key_file),
            db,
            clock,
            FlowEngine(clock, composition.build_flows()),
            wiring,
        )
        dispatcher = Dispatcher(services, Bot(double.token, base_url=double.base_url))
        claims = []
        for _ in range(CLAIMS):
            began = time.perf_counter()
            claimed = [c.id for c in await dispatcher.claim()]
            claims.append(time.perf_counter() - began)
            async with db.transaction() as session:  # due again, for the next claim
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(claimed))
                    .values(status=OutboxStatus.PENDING, claimed_by=None, claimed_until=None)
                )
        run.claimed = len(claimed)
        run.first_claim_ms = 1000 * claims[0]
        run.claim_ms = 1000 * statistics.median(claims[1:])
    finally:
        await db.dispose()
