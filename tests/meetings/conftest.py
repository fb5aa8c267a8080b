"""Booking tests send what is due quickly, so a notice appears while the test waits for it."""

from __future__ import annotations

import pytest

from bot.platform.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"dispatch_interval": 0.2})
