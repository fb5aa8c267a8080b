"""``samordna run`` as a real OS process against the test double, to be killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.bot_api_double import BotApiDouble
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    """One bot process at a time; ``start`` again after ``kill`` for the restart."""

    def __init__(self, settings: Settings, log: Path, **extra: str) -> None:
        self.env = {
            **os.environ,
            "SAMORDNA_TELEGRAM_TOKEN": settings.token or "",
            "SAMORDNA_API_BASE_URL": settings.api_base_url,
            "SAMORDNA_API_BASE_FILE_URL": settings.resolved_file_url,
            "SAMORDNA_DATABASE_URL": settings.resolved_database_url,
            "SAMORDNA_DATA_DIR": str(settings.data_dir),
            "SAMORDNA_KEY_FILE": str(settings.resolved_key_file),
            **extra,
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    async def start_and_wait(self, double: BotApiDouble, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Start, and return once the process polls (it asks to drop a webhook first)."""
        seen = len(double.calls_of("deleteWebhook"))
        self.start()
        deadline = time.monotonic() + timeout
        while len(double.calls_of("deleteWebhook")) <= seen:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the bot process ended:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start within {timeout}s:\n{self.tail()}")
            await asyncio.sleep(0.02)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
