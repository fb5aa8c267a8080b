"""Which language to speak to a Telegram account in."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ChatUser
from bot.platform.clock import Clock


async def language_of(session: AsyncSession, telegram_id: int) -> str | None:
    user = await session.get(ChatUser, telegram_id)
    return user.language if user else None


async def remember(
    session: AsyncSession, clock: Clock, telegram_id: int, language: str
) -> ChatUser:
    """Create or update the account's language; the only thing kept before any role."""
    now = clock.now()
    user = await session.get(ChatUser, telegram_id)
    if user is None:
        user = ChatUser(
            telegram_id=telegram_id, language=language, created_at=now, last_seen_at=now
        )
        session.add(user)
    else:
        user.language = language
        user.last_seen_at = now
    return user
