"""Booking tests send what is due quickly, so a notice appears while the test waits for it,
and may listen to the outcomes recorded."""

from __future__ import annotations

from typing import Any

import pytest

from bot.chat.turn import Services
from bot.platform import events
from bot.platform.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"dispatch_interval": 0.2})


@pytest.fixture
def outcomes_heard(services: Services) -> list[dict[str, Any]]:
    """The data of every meeting outcome recorded during the test."""
    heard: list[dict[str, Any]] = []

    async def listener(event: events.Event) -> None:
        heard.append(dict(event.data))

    services.wiring.add(events.KIND, events.MEETING_OUTCOME, listener)
    return heard
