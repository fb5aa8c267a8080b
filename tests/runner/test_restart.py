"""A flow interrupted by SIGKILL goes on at the same step after a restart, answers kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.chat.turn import Services
from bot.models import FlowState
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from tests import factories
from tests.processes import BotProcess

ANNA = 1001


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
