"""Experiment 4b: SIGKILL, then a restart, for each bot.

Conversations: individuals answer the first questions of the förmöte, every answer
acknowledged, then the bot is killed and started again and each presses the next button on
the screen in front of them. Did the flow go on, and were the earlier answers still there?

Reminders: a batch falls due, the bot is killed after a third of them went out, and started
again. Which reminders arrived, which twice, which not at all? For ours, what the dead process
had claimed but not sent waits for its lease to run out; that part is shown by a dispatcher
whose clock is moved past the lease, as any process would do once it has.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from telegram import Bot

from bench import bots, seeding
from bench.databases import TempDatabases
from bench.individuals import Individual, Journey, choose
from bench.plain_ptb import write_reminders
from bench.proc import BotProcess
from bench.recorder import AnswerRecorder
from bot import composition
from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.outbox.dispatcher import Dispatcher
from bot.platform.clock import ManualClock, SystemClock
from flows.engine import FlowEngine

FIRST_ID = 400_000
MOVES_BEFORE_KILL = 4  # continue, a topic, done, a goal: two answers given
PAST_ANY_LEASE = timedelta(minutes=15)
TIMEOUT = 20.0


@dataclass
class ConversationCrash:
    bot: str
    individuals: int
    went_on: int = 0
    answers_kept: int = 0
    answers_given: int = 0
    saved: int = 0


@dataclass
class ReminderCrash:
    bot: str
    reminders: int
    before_kill: int = 0
    after_restart: int = 0
    after_lease: int = 0
    delivered: int = 0
    twice: int = 0
    missing: int = 0


# --------------------------------------------------------------------- conversations


async def ours_conversations(dbs: TempDatabases, individuals: int) -> ConversationCrash:
    name = "crash_conversation"
    url = dbs.sqlite(name)
    folder = dbs.path(name)
    ids = list(range(FIRST_ID, FIRST_ID + individuals))
    db = await seeding.migrated(url)
    try:
        await seeding.individuals(db, SystemClock(), ids)
    finally:
        await db.dispose()
    async with BotApiDouble() as double:
        bot = bots.ours(double, url, folder, dbs.key_file)
        return await _conversations("Samordna", double, bot, ids)


async def plain_conversations(dbs: TempDatabases, individuals: int) -> ConversationCrash:
    folder = dbs.path("crash_conversation_plain")
    ids = list(range(FIRST_ID, FIRST_ID + individuals))
    async with BotApiDouble() as double:
        bot = bots.plain(double, folder / "plain.pickle", folder)
        return await _conversations("plain PTB", double, bot, ids)


async def _conversations(
    label: str, double: BotApiDouble, bot: BotProcess, ids: list[int]
) -> ConversationCrash:
    recorder = AnswerRecorder(double)
    people = [
        Individual(double.user(i, first_name=f"Person {i}", language_code="sv"), recorder)
        for i in ids
    ]
    result = ConversationCrash(label, len(ids))
    try:
        await bot.start()
        before = await asyncio.gather(*(_begin(person) for person in people))
        result.answers_given = sum(journey.answers for journey in before)
        bot.kill()
        await bot.start()
        outcomes = await asyncio.gather(*(_after_restart(person) for person in people))
    finally:
        bot.kill()  # measured already; a clean stop would wait for the staff notices to go
    for went_on, journey in outcomes:
        result.went_on += went_on
        if journey.saved:
            result.saved += 1
        if went_on and journey.saved:
            # The summary lists every answer: those given before the kill that survived, and
            # those given after it.
            result.answers_kept += max(0, journey.review_answers - journey.answers)
    return result


async def _begin(person: Individual) -> Journey:
    journey = Journey()
    if await person.type("/prepare", journey, TIMEOUT):
        await person.go_on(journey, within=TIMEOUT, actions=MOVES_BEFORE_KILL)
    return journey


async def _after_restart(person: Individual) -> tuple[bool, Journey]:
    """Press the next button; the flow went on if the screen moved to the next state."""
    journey = Journey()
    before = person.handle.last
    move = choose(before)
    if before is None or move is None or move.data is None or move.message_id is None:
        return False, journey
    if not await person.press(move.data, move.message_id, journey, TIMEOUT):
        return False, journey
    after = person.handle.last
    went_on = after is not None and (after.text, after.buttons) != (before.text, before.buttons)
    if went_on:
        journey.answers += move.answers
        await person.go_on(journey, within=TIMEOUT)
    return went_on, journey


# --------------------------------------------------------------------- reminders


async def ours_reminders(dbs: TempDatabases, reminders: int) -> ReminderCrash:
    name = "crash_reminders"
    url = dbs.sqlite(name)
    folder = dbs.path(name)
    clock = SystemClock()
    now = clock.now()
    chats = list(range(FIRST_ID, FIRST_ID + reminders))
    plan = seeding.nudge_plan(
        reminders, chats, now + timedelta(seconds=2), now + timedelta(seconds=4), 5
    )
    db = await seeding.migrated(url)
    try:
        await seeding.chat_users(db, clock, chats)
        await seeding.nudges(db, clock, plan)
    finally:
        await db.dispose()
    result = ReminderCrash("Samordna", reminders)
    async with BotApiDouble() as double:
        recorder = AnswerRecorder(double)
        bot = bots.ours(double, url, folder, dbs.key_file)
        await _kill_and_restart(result, bot, recorder)
        await _after_lease(double, url, folder, dbs.key_file)
        result.after_lease = len(recorder.send_times()) - result.before_kill - result.after_restart
        _count(result, recorder, chats)
    return result


async def plain_reminders(dbs: TempDatabases, reminders: int) -> ReminderCrash:
    folder = dbs.path("crash_reminders_plain")
    now = time.time()
    chats = list(range(FIRST_ID, FIRST_ID + reminders))
    plan = seeding.nudge_plan(
        reminders,
        chats,
        SystemClock().now() + timedelta(seconds=2),
        SystemClock().now() + timedelta(seconds=4),
        5,
    )
    rows = [(chat, due.timestamp(), now + 86400) for chat, due in plan]
    persistence = folder / "plain.pickle"
    write_reminders(str(persistence), rows)
    result = ReminderCrash("plain PTB", reminders)
    async with BotApiDouble() as double:
        recorder = AnswerRecorder(double)
        await _kill_and_restart(result, bots.plain(double, persistence, folder), recorder)
        _count(result, recorder, chats)
    return result


async def _kill_and_restart(
    result: ReminderCrash, bot: BotProcess, recorder: AnswerRecorder
) -> None:
    try:
        await bot.start()
        await _until(lambda: len(recorder.send_times()) >= result.reminders // 3, within=60.0)
        bot.kill()
        result.before_kill = len(recorder.send_times())
        await bot.start()
        await _settle(recorder, quiet=3.0, within=30.0)
        result.after_restart = len(recorder.send_times()) - result.before_kill
    finally:
        bot.stop()


async def _after_lease(double: BotApiDouble, url: str, folder: Path, key_file: Path) -> None:
    """What a dispatcher finds once every lease of the killed process has run out."""
    db = bots.database(url)
    telegram = Bot(double.token, base_url=double.base_url)
    try:
        await telegram.initialize()
        clock = ManualClock(SystemClock().now() + PAST_ANY_LEASE)
        wiring = composition.build_wiring()
        services = Services(
            bots.settings(double, url, folder, key_file),
            db,
            clock,
            FlowEngine(clock, composition.build_flows()),
            wiring,
        )
        dispatcher = Dispatcher(services, telegram)
        for _ in range(20):
            if await dispatcher.tick() == 0:
                break
    finally:
        await telegram.shutdown()
        await db.dispose()


def _count(result: ReminderCrash, recorder: AnswerRecorder, chats: list[int]) -> None:
    received = recorder.sends_per_chat()
    counts = [received.get(chat, 0) for chat in chats]
    result.delivered = sum(1 for c in counts if c >= 1)
    result.twice = sum(1 for c in counts if c >= 2)
    result.missing = sum(1 for c in counts if c == 0)


async def _until(predicate: Callable[[], bool], *, within: float) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        await asyncio.sleep(0.02)


async def _settle(recorder: AnswerRecorder, *, quiet: float, within: float) -> None:
    """Wait until nothing new was sent for ``quiet`` seconds (at most ``within``)."""
    deadline = time.monotonic() + within
    seen, since = len(recorder.send_times()), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        count = len(recorder.send_times())
        if count != seen:
            seen, since = count, time.monotonic()
        if time.monotonic() - since >= quiet:
            return
