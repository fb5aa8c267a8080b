"""The long-lived parts one process shares, handed to handlers through ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.clock import Clock
from bot.platform.config import Settings
from bot.platform.db import Database
from bot.platform.i18n import Translator, translator
from bot.platform.wiring import Wiring
from flows.engine import FlowEngine


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    engine: FlowEngine
    wiring: Wiring
    extras: dict[str, Any] = field(default_factory=dict)

    def tr(self, locale: str) -> Translator:
        return translator(locale, self.settings.timezone)


@dataclass
class Turn:
    """One update's view of the world: its transaction, its person and their language."""

    session: AsyncSession
    services: Services
    tr: Translator
    telegram_id: int
    language_known: bool = True
    telegram_language: str | None = None

    @property
    def clock(self) -> Clock:
        return self.services.clock
