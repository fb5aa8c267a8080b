"""Samordna's commands in their own processes, started as an operator would start them.

The restart, multi-process, log and fault tests kill, restart and read these processes; they
share one way to build the environment from the test's settings.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.models import OutboxMessage, OutboxStatus
from bot.platform.clock import SystemClock
from bot.platform.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The variables that point a process at the test's double, database and key file."""
    return {
        **os.environ,
        "SAMORDNA_TELEGRAM_TOKEN": settings.token or "",
        "SAMORDNA_API_BASE_URL": settings.api_base_url,
        "SAMORDNA_API_BASE_FILE_URL": settings.resolved_file_url,
        "SAMORDNA_DATABASE_URL": settings.resolved_database_url,
        "SAMORDNA_DATA_DIR": str(settings.data_dir),
        "SAMORDNA_KEY_FILE": str(settings.resolved_key_file),
        **extra,
    }


class SamordnaProcess:
    """One ``samordna`` command in its own process, its output appended to ``log``."""

    def __init__(self, settings: Settings, log: Path, command: Sequence[str], **extra: str) -> None:
        self.env = environment(settings, **extra)
        self.command = list(command)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self, extra: Mapping[str, str] | None = None) -> None:
        """``extra`` settings for this start only, e.g. webhook mode."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli.main", *self.command],
                cwd=ROOT,
                env={**self.env, **(extra or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class BotProcess(SamordnaProcess):
    """``samordna run``; ``start`` again after ``kill`` for a restart."""

    def __init__(self, settings: Settings, log: Path, **extra: str) -> None:
        super().__init__(settings, log, ("run",), **extra)

    async def start_and_wait(
        self,
        double: BotApiDouble,
        extra: Mapping[str, str] | None = None,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> None:
        """Start, and return once updates reach the process: polling drops any webhook first,
        webhook mode sets its own."""
        webhook = (extra or {}).get("SAMORDNA_MODE") == "webhook"
        ready = "setWebhook" if webhook else "deleteWebhook"
        seen = len(double.calls_of(ready))
        self.start(extra)
        deadline = time.monotonic() + timeout
        while len(double.calls_of(ready)) <= seen:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the bot process ended:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start within {timeout}s:\n{self.tail()}")
            await asyncio.sleep(0.02)


class Sender(SamordnaProcess):
    """``samordna outbox run``, checking often and logging only what matters."""

    def __init__(self, settings: Settings, log: Path, **extra: str) -> None:
        quick = {"SAMORDNA_DISPATCH_INTERVAL": "0.1", "SAMORDNA_LOG_LEVEL": "WARNING"}
        super().__init__(settings, log, ("outbox", "run"), **{**quick, **extra})


async def due_rows(services: Services, count: int, *, chats: int, first_chat: int) -> None:
    """``count`` outbox rows due a minute ago (real time: the senders run on the real clock),
    spread over ``chats`` chats from ``first_chat`` on, each with its own text."""
    now = SystemClock().now()
    rows = [
        {
            "chat_id": first_chat + number % chats,
            "kind": "test",
            "message": f"Row {number}",
            "params": {},
            "due_at": now - timedelta(minutes=1),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "dedupe_key": f"row:{number}",
            "created_at": now,
        }
        for number in range(count)
    ]
    async with services.db.transaction() as session:
        await session.execute(insert(OutboxMessage), rows)
