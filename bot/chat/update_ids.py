"""The update-id rule in one round trip: insert the id and let the conflict speak.

A redelivered update finds its id stored and changes nothing. The person's stored language
comes back with the same statement, and on PostgreSQL the update's inbox row is marked handled
in it too: one statement before the handler runs, where there were four.

The statements are built once for each database, with the ids and the time as parameters, on
the tables rather than the mapped classes: building, keying and running them through the ORM
took more CPU per update than the database's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

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
    take_id, mark = _statements(on_postgres)
    if mark is not None:
        await session.execute(mark, {"id": update_id, "at": now})
    params = {"id": update_id, "user": telegram_id, "at": now}
    row = (await session.execute(take_id, params)).first()
    inbox_store.noted_handled(update_id)
    return None if row is None else FirstTime(row[0])


@cache
def _statements(on_postgres: bool) -> tuple[Executable, Executable | None]:
    """The statement that takes the id (and on PostgreSQL marks the inbox row), and the inbox
    mark SQLite runs on its own; parameters ``id`` (the update's), ``user`` and ``at``."""
    processed = ProcessedUpdate.metadata.tables[ProcessedUpdate.__tablename__]
    users = ChatUser.metadata.tables[ChatUser.__tablename__]
    insert = postgresql.insert if on_postgres else sqlite.insert
    language = (
        select(users.c.language).where(users.c.telegram_id == bindparam("user")).scalar_subquery()
    )
    statement = (
        insert(processed)
        .values(
            update_id=bindparam("id", type_=processed.c.update_id.type),
            processed_at=bindparam("at", type_=processed.c.processed_at.type),
        )
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(language)
    )
    if on_postgres:
        # PostgreSQL runs the inbox mark in the same statement; SQLite has no writing WITH.
        marked = inbox_store.handled().cte("marked")
        return statement.add_cte(marked), None
    return statement, inbox_store.handled()


async def take_alone(db: Database, update_id: int, now: datetime) -> bool:
    """For an update no conversation handles (a message in a group): store its id in a
    transaction of its own before anything is sent, so an update handled again after a crash
    is not answered twice. False when the id was stored before."""
    async with db.transaction() as session:
        return await take(session, update_id, 0, now) is not None
