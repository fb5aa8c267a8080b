"""What a session carries from the process that opened it: its settings and its wiring.

``Database`` puts both into every session's ``info``, so code deep in a transaction (an event
listener, ``outbox.enqueue``) reads the settings of the process it runs in, never a global.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.config import Settings
from bot.platform.wiring import Wiring


def wiring_of(session: AsyncSession) -> Wiring:
    wiring = session.info.get("wiring")
    if not isinstance(wiring, Wiring):
        raise RuntimeError("this session was opened without the process's wiring")
    return wiring


def settings_of(session: AsyncSession) -> Settings:
    settings = session.info.get("settings")
    if not isinstance(settings, Settings):
        raise RuntimeError("this session was opened without the process's settings")
    return settings
