"""Several processes on one PostgreSQL database: an update one process stores wakes the
others, so that no one waits for a sweep because another process was busy."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import tornado.httpserver
import tornado.web
from sqlalchemy import text

from bot.bot_api_double import BotApiDouble, Fault
from bot.bot_api_double.webhook import HttpPoster
from bot.chat import inbox_store as store
from bot.chat.turn import Services
from bot.inbox.wakeups import Wakeups
from bot.platform.config import Settings
from tests.processes import BotProcess

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

ANNA = 5_100_001
BO = 5_100_002
SECRET = "wake-" + "0123456789abcdef" * 2
PATH = "/telegram"
# Longer than any test here: a quick answer can only come from a notification.
SWEEP = "600"
# Process A holds Anna's first answer this long (below the bot's 10 s read timeout), and
# with one update at a time it can take nothing else meanwhile.
HOLD = 8.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Router:
    """Telegram's webhook calls go to whichever process the test points at."""

    def __init__(self, ports: dict[str, int]) -> None:
        self.posters = {
            name: HttpPoster(f"http://127.0.0.1:{port}{PATH}", 4) for name, port in ports.items()
        }
        self.to = next(iter(ports))
        self.port = _free_port()
        self._server: tornado.httpserver.HTTPServer | None = None

    def start(self) -> None:
        app = tornado.web.Application([(PATH, _Forward, {"router": self})])
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.listen(self.port, address="127.0.0.1")

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        for poster in self.posters.values():
            poster.close()


class _Forward(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, router: Router) -> None:
        self.router = router

    async def post(self) -> None:
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": self.request.headers.get(
                "X-Telegram-Bot-Api-Secret-Token", ""
            ),
        }
        status, _ = await self.router.posters[self.router.to].post(self.request.body, headers)
        self.set_status(status)
        self.finish()


@pytest.fixture
async def two_processes(
    settings: Settings, services: Services, double: BotApiDouble, tmp_path: Path
) -> AsyncIterator[tuple[Router, dict[str, BotProcess]]]:
    ports = {"A": _free_port(), "B": _free_port()}
    router = Router(ports)
    router.start()
    processes: dict[str, BotProcess] = {}
    try:
        for name, port in ports.items():
            process = BotProcess(
                settings,
                tmp_path / f"{name}.log",
                SAMORDNA_INBOX_SWEEP_SECONDS=SWEEP,
                SAMORDNA_CONCURRENT_UPDATES="1" if name == "A" else "8",
            )
            processes[name] = process
            await process.start_and_wait(
                double,
                {
                    "SAMORDNA_MODE": "webhook",
                    "SAMORDNA_WEBHOOK_URL": f"http://127.0.0.1:{router.port}{PATH}",
                    "SAMORDNA_WEBHOOK_LISTEN": "127.0.0.1",
                    "SAMORDNA_WEBHOOK_PORT": str(port),
                    "SAMORDNA_WEBHOOK_SECRET": SECRET,
                },
            )
        yield router, processes
    finally:
        for process in processes.values():
            process.stop()
        await router.stop()


async def test_an_update_stored_by_a_busy_process_is_handled_by_another_at_once(
    two_processes: tuple[Router, dict[str, BotProcess]], double: BotApiDouble
) -> None:
    router, processes = two_processes
    anna = double.user(ANNA, first_name="Anna", language_code="en")
    bo = double.user(BO, first_name="Bo", language_code="en")
    double.inject(
        Fault("sendMessage", chat_id=ANNA, status=200, timeout=HOLD, delivered=True, times=1)
    )

    router.to = "A"
    chooser = await anna.say("/start", timeout=30)  # A now holds her chat for HOLD seconds
    assert "Svenska" in chooser.button_texts

    # A takes one update at a time and is busy: only B can answer Bo before the hold ends,
    # and B hears of the row A stored only through the notification.
    await bo.say("/start", timeout=HOLD - 3)

    # Anna's next update is stored by B while A still holds her chat.
    router.to = "B"
    chosen = await anna.click("English", timeout=30)
    assert chosen is not None and chosen.text.startswith("I will write in English")
    answers = anna.inbox_since(0)  # what she saw, oldest first
    assert "Svenska" in answers[0].button_texts
    assert answers[-1].text.startswith("I will write in English")
    assert bo.last is not None and "Svenska" in bo.last.button_texts
    for process in processes.values():
        assert "Traceback" not in process.tail(), process.tail()


async def test_a_dropped_listening_connection_is_opened_again_with_one_warning(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.inbox.wakeups")
    woken = asyncio.Event()
    wakeups = Wakeups(services.db, woken.set)
    wakeups.start()
    try:
        await asyncio.wait_for(wakeups.listening.wait(), 30)
        woken.clear()
        await _notified_by_another_process(services)
        await asyncio.wait_for(woken.wait(), 30)

        async with services.db.transaction() as session:
            channel = await session.scalar(text(f"SELECT {store.CHANNEL}"))
            ended = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE query = :listen"
                ),
                {"listen": f'LISTEN "{channel}"'},
            )
        assert ended == 1
        await _until(lambda: not wakeups.listening.is_set())
        await asyncio.wait_for(wakeups.listening.wait(), 30)
        woken.clear()
        await _notified_by_another_process(services)
        await asyncio.wait_for(woken.wait(), 30)
    finally:
        await wakeups.stop()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "inbox notifications stopped" in warnings[0].getMessage()


async def _notified_by_another_process(services: Services) -> None:
    """What :func:`store.store` sends in another process (this one's own are left aside)."""
    async with services.db.transaction() as session:
        await session.execute(text(f"SELECT pg_notify({store.CHANNEL}, 'another')"))


async def _until(predicate: Callable[[], bool], within: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)
