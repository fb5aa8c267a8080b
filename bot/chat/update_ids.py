"""The update-id rule in one round trip: insert the id and let the conflict speak.

A redelivered update finds its id stored and changes nothing. The person's stored language
comes back with the same statement, so a new update costs one statement before its handler
runs, where a read of the id, an insert and a read of the language were three.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ChatUser, ProcessedUpdate


@dataclass(frozen=True)
class FirstTime:
    """The update is new; ``language`` is what the person chose, None when nothing yet."""

    language: str | None


async def take(
    session: AsyncSession, update_id: int, telegram_id: int, now: datetime
) -> FirstTime | None:
    """Stores ``update_id`` in the caller's transaction; None when it was stored before."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    language = (
        select(ChatUser.language).where(ChatUser.telegram_id == telegram_id).scalar_subquery()
    )
    statement = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(language)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else FirstTime(row[0])
