"""The update-id rule in one round trip: insert the id and let the conflict speak.

A redelivered update finds its id stored and changes nothing. The person's stored language
comes back with the same statement, and on PostgreSQL the update's inbox row is marked handled
in it too: one statement before the handler runs, where there were four.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import inbox_store
from bot.models import ChatUser, ProcessedUpdate
from bot.platform.db import Database


@dataclass(frozen=True)
class FirstTime:
    """The update is new; ``language`` is what the person chose, None when nothing yet."""

    language: str | None


async def take(
    session: AsyncSession, update_id: int, telegram_id: int, now: datetime
) -> FirstTime | None:
    """Stores ``update_id`` and marks its inbox row handled, in the caller's transaction, so
    that both commit with the update's effect; None when the id was stored before."""
    on_postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if on_postgres else sqlite.insert
    language = (
        select(ChatUser.language).where(ChatUser.telegram_id == telegram_id).scalar_subquery()
    )
    statement = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(language)
    )
    if on_postgres:
        # PostgreSQL runs the inbox mark in the same statement; SQLite has no writing WITH.
        mark = inbox_store.handled(update_id, now).cte("marked")
        statement = statement.add_cte(mark)
    else:
        await session.execute(inbox_store.handled(update_id, now))
    row = (await session.execute(statement)).first()
    return None if row is None else FirstTime(row[0])


async def take_alone(db: Database, update_id: int, now: datetime) -> bool:
    """For an update no conversation handles (a message in a group): store its id in a
    transaction of its own before anything is sent, so an update handled again after a crash
    is not answered twice. False when the id was stored before."""
    async with db.transaction() as session:
        return await take(session, update_id, 0, now) is not None
