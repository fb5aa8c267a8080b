"""Inline buttons outside flows: the callback data is an opaque token checked on every press.

A token belongs to one Telegram account, names one action and its payload, and may be
single-use (with a ``group``, using one button uses up its siblings on the same message).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ButtonToken
from bot.platform.clock import Clock

PREFIX = "b:"
DEFAULT_TTL = timedelta(days=30)


class Refusal(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    FOREIGN = "foreign"


class ButtonRefused(Exception):
    def __init__(self, reason: Refusal, token: ButtonToken | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.token = token


@dataclass(frozen=True)
class Pressed:
    action: str
    payload: dict[str, Any]


async def issue(
    session: AsyncSession,
    clock: Clock,
    telegram_id: int,
    action: str,
    payload: dict[str, Any] | None = None,
    *,
    single_use: bool = True,
    group: str | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    """Store a button and return its callback data."""
    token = secrets.token_urlsafe(9)
    now = clock.now()
    session.add(
        ButtonToken(
            token=token,
            telegram_id=telegram_id,
            action=action,
            payload=payload or {},
            group=group,
            single_use=single_use,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return PREFIX + token


async def redeem(session: AsyncSession, clock: Clock, telegram_id: int, data: str) -> Pressed:
    """Check a press against the stored button; raises :class:`ButtonRefused`."""
    if not data.startswith(PREFIX):
        raise ButtonRefused(Refusal.UNKNOWN)
    token = await session.get(ButtonToken, data[len(PREFIX) :])
    if token is None:
        raise ButtonRefused(Refusal.UNKNOWN)
    if token.telegram_id != telegram_id:
        raise ButtonRefused(Refusal.FOREIGN, token)
    now = clock.now()
    if token.used_at is not None:
        raise ButtonRefused(Refusal.USED, token)
    if token.expires_at <= now:
        raise ButtonRefused(Refusal.EXPIRED, token)
    if token.single_use:
        token.used_at = now
        if token.group:
            await session.execute(
                update(ButtonToken)
                .where(ButtonToken.group == token.group, ButtonToken.used_at.is_(None))
                .values(used_at=now)
            )
    return Pressed(token.action, dict(token.payload))
