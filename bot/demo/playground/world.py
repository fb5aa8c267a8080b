"""One playground session: a fresh database, the Bot API double, the real bot and its clock.

The page acts through here as the four people (typing, pressing buttons, switching language)
and moves the clock. Whatever changes in a phone's chat is reported through ``on_change``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram.ext import Application, ContextTypes

from bot import scheduler
from bot.bot_api_double import BotApiDouble, UserHandle
from bot.chat import profiles
from bot.chat.turn import Services
from bot.demo import people
from bot.demo.playground import history, moves
from bot.demo.playground.clock import MovableClock
from bot.meetings import distribution
from bot.outbox.dispatcher import Dispatcher
from bot.platform import jobs
from bot.platform.config import Mode, Settings
from bot.platform.private_files import private_dir
from bot.runner import open_services, serve

log = logging.getLogger(__name__)

DATABASE = "playground.db"
# The database and SQLite's companions: the only files a reset removes.
DATABASE_FILES = (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", f"{DATABASE}-journal")
MAX_STOPS = 500
ANSWER_WAIT = 8.0
START_AT = time(9, 30)


def first_morning(now: datetime, settings: Settings) -> datetime:
    """Where the bot's clock starts: 09:30 on this or the next working day."""
    day = distribution.next_working_day(now.astimezone(settings.tz).date())
    return datetime.combine(day, START_AT, tzinfo=settings.tz)


def remove_database(directory: Path) -> None:
    for name in DATABASE_FILES:
        with contextlib.suppress(FileNotFoundError):
            (directory / name).unlink()


def world_settings(base: Settings, double: BotApiDouble, directory: Path) -> Settings:
    """The bot's settings here: the double, and a database and key of the playground's own."""
    return base.model_copy(
        update={
            "telegram_token": SecretStr(double.token),
            "api_base_url": double.base_url,
            "api_base_file_url": double.base_file_url,
            "mode": Mode.POLLING,
            "data_dir": directory,
            "database_url": f"sqlite:///{(directory / DATABASE).as_posix()}",
            "key_file": directory / "secret.key",
            "dispatch_interval": 0.5,
            "chat_send_gap": 0.2,
        }
    )


@dataclass
class Started:
    """What exists once the world runs."""

    double: BotApiDouble
    services: Services
    seeded: people.Seeded
    seeded_answers: int
    dispatcher: Dispatcher
    server: asyncio.Task[None]
    stop: asyncio.Event


class World:
    def __init__(
        self,
        base: Settings,
        directory: Path,
        on_change: Callable[[str], None],
        *,
        start: datetime | None = None,
        wall: Callable[[], datetime] | None = None,
        languages: dict[str, str] | None = None,
    ) -> None:
        self.base = base
        self.directory = directory
        self.on_change = on_change
        real = wall or (lambda: datetime.now(UTC))
        self.clock = MovableClock(start or first_morning(real(), base), real)
        default = base.default_locale
        self.languages = {p.key: (languages or {}).get(p.key, default) for p in people.CAST}
        self.lock = asyncio.Lock()  # the dispatcher's ticks and the clock's moves take turns
        self._running: Started | None = None
        self._listeners: list[tuple[int, int]] = []

    # ----------------------------------------------------------------- life

    @property
    def is_running(self) -> bool:
        return self._running is not None

    @property
    def running(self) -> Started:
        if self._running is None:
            raise RuntimeError("the playground is not running")
        return self._running

    async def start(self) -> None:
        private_dir(self.directory)
        remove_database(self.directory)
        double = BotApiDouble(wall_clock=self.clock.timestamp).start()
        settings = world_settings(self.base, double, self.directory)
        services = await asyncio.to_thread(open_services, settings, self.clock)
        seeded = await people.seed_people(services, self.languages)
        async with services.db.transaction() as session:
            answers = await history.seed_survey_history(
                session, settings, self.clock.now(), list(seeded.unit_ids)
            )
        double.continue_update_ids_after(await people.last_update_id(services))
        loop = asyncio.get_running_loop()
        for person in people.CAST:
            double.user(
                person.telegram_id,
                first_name=person.first_name,
                language_code=self.languages[person.key],
            )
            token = double.state.subscribe_chat(
                person.telegram_id, self._notifier(loop, person.key)
            )
            self._listeners.append((person.telegram_id, token))
        stop = asyncio.Event()
        ready: asyncio.Future[Dispatcher] = loop.create_future()

        async def on_ready(app: Application, _services: Services) -> None:  # type: ignore[type-arg]
            ready.set_result(self._take_over_dispatch(app, settings))

        server = asyncio.create_task(serve(settings, stop, services=services, on_ready=on_ready))
        waiting: set[asyncio.Future[Any]] = {server, ready}
        await asyncio.wait(waiting, return_when="FIRST_COMPLETED")
        if server.done():
            double.stop()
            await server
            raise RuntimeError("the bot stopped while starting")
        self._running = Started(double, services, seeded, answers, ready.result(), server, stop)

    async def stop(self) -> None:
        running, self._running = self._running, None
        if running is None:
            return
        for chat_id, token in self._listeners:
            running.double.state.unsubscribe_chat(chat_id, token)
        self._listeners.clear()
        running.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running.server, timeout=30)
        await asyncio.to_thread(running.double.stop)

    def _notifier(self, loop: asyncio.AbstractEventLoop, key: str) -> Callable[[], None]:
        def changed() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(self.on_change, key)

        return changed

    def _take_over_dispatch(self, app: Application, settings: Settings) -> Dispatcher:  # type: ignore[type-arg]
        """The outbox tick takes the same lock as the clock's moves, so that a row claimed by
        one is never seen as abandoned by the other when the clock jumps past its lease."""
        dispatcher: Dispatcher = app.bot_data[scheduler.DISPATCHER_KEY]
        queue = app.job_queue
        assert queue is not None
        for job in queue.get_jobs_by_name("outbox"):
            job.schedule_removal()

        async def tick(_context: ContextTypes.DEFAULT_TYPE) -> None:
            if self.lock.locked():
                return  # the clock is moving, and drains the outbox at every stop
            async with self.lock:
                try:
                    await dispatcher.drain(10)
                except Exception:
                    log.exception("outbox tick failed; the next tick tries again")

        once: dict[str, Any] = {"max_instances": 1, "coalesce": True}
        queue.run_repeating(
            tick, interval=settings.dispatch_interval, first=0.0, name="outbox", job_kwargs=once
        )
        return dispatcher

    # ----------------------------------------------------------------- acting

    def handle(self, key: str) -> UserHandle:
        return self.running.double.user(people.BY_KEY[key].telegram_id)

    def send(self, key: str, text: str) -> None:
        self.handle(key).send(text)

    async def press(self, key: str, message_id: int, data: str) -> str | None:
        """Press a button; the toast the bot answers with, if any."""
        user = self.handle(key)
        query_id = user.press_data(data, message_id)
        answer = await user.answer_within(query_id, ANSWER_WAIT)
        text = answer.get("text") if answer else None
        return str(text) if text else None

    async def set_language(self, key: str, language: str) -> None:
        """What the person would choose with /language, and their phone's own setting."""
        person = people.BY_KEY[key]
        services = self.running.services
        async with services.db.transaction() as session:
            await profiles.remember(session, self.clock, person.telegram_id, language)
        self.languages[key] = language
        self.running.double.user(person.telegram_id, language_code=language)
        self.on_change(key)

    # ----------------------------------------------------------------- time

    async def move_clock(self, move: moves.Move) -> datetime | None:
        """Move the clock as ``move`` says, stopping wherever something falls due. Moves
        take turns: a second press counts from where the first one ended."""
        services = self.running.services
        async with self.lock:
            async with services.db.transaction() as session:
                goal = await moves.target(session, move, self.clock.now(), services.settings)
            if goal is not None:
                await self._advance_to(goal)
        self.on_change("")
        return goal

    async def _advance_to(self, goal: datetime) -> None:
        """With the lock held: from stop to stop up to ``goal``, running what is due."""
        services = self.running.services
        await self._run_due()
        stops = moves.daily_stops(self.clock.now(), goal, services.settings)
        for _ in range(MAX_STOPS):
            now = self.clock.now()
            async with services.db.transaction() as session:
                due = await moves.next_due(session, now, goal)
            ahead = [moment for moment in [*stops, due] if moment is not None and moment > now]
            step = min(ahead, default=goal)
            self.clock.move_to(min(step, goal))
            await self._run_due()
            if step >= goal:
                break

    async def run_due(self) -> None:
        async with self.lock:
            await self._run_due()

    async def _run_due(self) -> None:
        """Every job once at the current time, then the outbox until nothing is due."""
        services = self.running.services
        for job in jobs.registered(services.wiring):
            try:
                await job.function(services)
            except Exception:
                log.exception("job %s failed in the playground", job.name)
        await self.running.dispatcher.drain(10)
