"""A flow interrupted by SIGKILL goes on at the same step after a restart, answers kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.chat.turn import Services
from bot.models import FlowState
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
ANNA = 1001


class BotProcess:
    """``samordna run`` in its own process, as an operator would start it."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.env = {
            **os.environ,
            "SAMORDNA_TELEGRAM_TOKEN": settings.token or "",
            "SAMORDNA_API_BASE_URL": settings.api_base_url,
            "SAMORDNA_API_BASE_FILE_URL": settings.resolved_file_url,
            "SAMORDNA_DATABASE_URL": settings.resolved_database_url,
            "SAMORDNA_DATA_DIR": str(settings.data_dir),
            "SAMORDNA_KEY_FILE": str(settings.resolved_key_file),
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli.main", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def bot_process(settings: Settings, tmp_path: Path, services: Services) -> Iterator[BotProcess]:
    process = BotProcess(settings, tmp_path / "bot.log")
    yield process
    process.stop()


async def test_sigkill_in_the_middle_of_a_flow_loses_nothing(
    double, bot_process: BotProcess, services: Services
) -> None:
    await factories.individual_with_meeting(services, ANNA, language="en", clock=SystemClock())
    anna = double.user(ANNA, first_name="Anna", language_code="en")
    bot_process.start()
    await anna.say("/start", timeout=30)
    await anna.say("/prepare")
    await anna.click("Continue ▶")
    await anna.click("Housing")
    await anna.click("Mental health")
    await anna.click("Done ✔")
    on_goal = await anna.click("A clear plan: who does what, and when")
    assert on_goal is not None and "Who do you want at the meeting?" in on_goal.text

    bot_process.kill()
    bot_process.start()

    after = await anna.click("Someone close to me", timeout=30)
    assert after is not None and "✓ Someone close to me" in after.button_texts
    after = await anna.click("Done ✔")
    assert after is not None and "What do you need to be able to take part?" in after.text
    async with services.db.transaction() as session:
        state = await session.scalar(select(FlowState).where(FlowState.telegram_id == ANNA))
    assert state is not None
    assert state.step == "needs"
    assert state.answers == {
        "circle": True,
        "topics": ["housing", "mental_health"],
        "goal": "plan",
        "people": ["close_person"],
    }
