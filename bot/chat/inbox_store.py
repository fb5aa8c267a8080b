"""The inbox table's operations: store, claim the next update of each chat, mark handled, purge.

Leases use the wall clock, not the services' clock: they measure how long a process may be
silent before another takes its work, which tests that move the domain clock must not change.

On PostgreSQL a transaction that gives some process new work (a stored update, an update
marked handled so that its chat's next one may go) sends a notification, which PostgreSQL
delivers at commit: every process listening (see :mod:`bot.inbox.wakeups`) looks at once,
not at its next sweep. The channel is named after the schema, so that databases sharing one
server (tests, benchmarks) do not wake each other.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, delete, exists, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from bot.models.inbox import InboxUpdate
from bot.platform.db import Database

# The channel as SQL, computed the same way by the sender and the listener: at most 47
# characters, below PostgreSQL's limit of 63 whatever the schema is called.
CHANNEL = "'samordna_inbox_' || md5(coalesce(current_schema(), ''))"
# Sent with each notification: a process wakes its own worker directly, and its listener
# leaves its own notifications aside.
SENDER = secrets.token_hex(8)


async def _notify(session: AsyncSession) -> None:
    """Delivered at commit, and once however often one transaction sends it."""
    await session.execute(text(f"SELECT pg_notify({CHANNEL}, :sender)"), {"sender": SENDER})


@dataclass(frozen=True)
class Received:
    update_id: int
    chat_key: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class Claimed:
    update_id: int
    chat_key: int
    payload: dict[str, Any]
    attempts: int


# The updates a handler marked handled in its transaction, for the worker task handling them.
_MARKED: ContextVar[set[int] | None] = ContextVar("inbox_marked", default=None)


def marking() -> set[int]:
    """Called by the worker task about to handle an update: the set :func:`noted_handled`
    fills, within that task."""
    marked: set[int] = set()
    _MARKED.set(marked)
    return marked


def noted_handled(update_id: int) -> None:
    """The handler's transaction marks ``update_id`` (if it commits: the worker only learns
    that it need not hurry to mark the update itself)."""
    marked = _MARKED.get()
    if marked is not None:
        marked.add(update_id)


def wall_now() -> datetime:
    return datetime.now(UTC)


async def store(
    db: Database,
    received: Sequence[Received],
    now: datetime,
    *,
    limit: int = 0,
    lease: timedelta = timedelta(0),
    skip_chats: Collection[int] = (),
    finished: Collection[int] = (),
) -> list[Claimed]:
    """Write the updates in one transaction, and claim (as :func:`claim`) up to ``limit`` in it.

    Claiming where the updates are stored spares a transaction and a wake-up per update: the
    process that stores an update mostly has a free hand for it. Other processes are told only
    of updates left unclaimed.

    An update Telegram sends again after it was handled is handled again: the stored update
    id keeps it from having a second effect, and a pressed button still gets its answer.
    """
    if not received:
        return []
    rows = [
        {
            "update_id": r.update_id,
            "chat_key": r.chat_key,
            "payload": r.payload,
            "received_at": now,
            "attempts": 0,
        }
        for r in received
    ]
    on_postgres = db.dialect == "postgresql"
    dialect = postgresql if on_postgres else sqlite
    statement = dialect.insert(InboxUpdate).on_conflict_do_update(
        index_elements=["update_id"],
        set_={"handled_at": None, "claimed_until": None, "attempts": 0},
        where=InboxUpdate.handled_at.is_not(None),
    )
    async with db.transaction() as session:
        await session.execute(statement, rows)
        notify = await _finish(session, on_postgres, finished, now)
        claimed = await _take(session, on_postgres, limit, lease, skip_chats)
        taken = {c.update_id for c in claimed}
        if on_postgres and (notify or any(r.update_id not in taken for r in received)):
            await _notify(session)
    return claimed


async def claim(
    db: Database,
    *,
    limit: int,
    lease: timedelta,
    skip_chats: Collection[int] = (),
    finished: Collection[int] = (),
    finished_at: datetime | None = None,
) -> list[Claimed]:
    """Take the oldest unhandled update of up to ``limit`` chats no one else is working on.

    ``finished`` updates are marked handled first, in the same transaction: most were marked
    by their handler already, and one transaction less per update matters on SQLite. A row
    that Telegram delivered again in the meantime (unclaimed, see :func:`store`) is left to be
    handled again, so that its button press gets its answer. Marking any of them tells the
    other processes: one may hold the next update of that chat, stored while this process was
    busy with it, and may have looked before this transaction committed.
    """
    if limit <= 0 and not finished:
        return []
    on_postgres = db.dialect == "postgresql"
    async with db.transaction() as session:
        if await _finish(session, on_postgres, finished, finished_at or wall_now()):
            await _notify(session)
        return await _take(session, on_postgres, limit, lease, skip_chats)


async def _finish(
    session: AsyncSession, on_postgres: bool, finished: Collection[int], at: datetime
) -> bool:
    """Marks ``finished`` updates handled; True when the other processes should hear of it."""
    if not finished:
        return False
    marked = await session.execute(_FINISH, {"finished": list(finished), "at": at})
    return on_postgres and bool(int(getattr(marked, "rowcount", 0) or 0))


async def _take(
    session: AsyncSession,
    on_postgres: bool,
    limit: int,
    lease: timedelta,
    skip_chats: Collection[int],
) -> list[Claimed]:
    if limit <= 0:
        return []
    now = wall_now()
    take = _claim_statement(on_postgres, bool(skip_chats))
    params = {"now": now, "until": now + lease, "limit": limit, "skip": list(skip_chats)}
    rows = (await session.execute(take, params)).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.update_id)


_INBOX = InboxUpdate.metadata.tables[InboxUpdate.__tablename__]
# Updates handed back by the worker that no handler marked; parameters ``finished``, ``at``.
_FINISH = (
    update(_INBOX)
    .where(
        _INBOX.c.update_id.in_(bindparam("finished", expanding=True)),
        _INBOX.c.handled_at.is_(None),
        _INBOX.c.claimed_until.is_not(None),
    )
    .values(handled_at=bindparam("at", type_=_INBOX.c.handled_at.type), claimed_until=None)
)


@cache
def _claim_statement(on_postgres: bool, skipping: bool) -> Update:
    """Built once for each case, with parameters ``now``, ``until`` (the lease's end),
    ``limit`` and ``skip`` (chats this process is busy with): a claim runs after nearly every
    update, and building the statement cost more CPU than running it."""
    when = _INBOX.c.claimed_until.type
    now = bindparam("now", type_=when)
    # The candidates under their own name, so that the subquery does not merge into the
    # UPDATE's own table.
    candidate = _INBOX.alias("candidate")
    earlier = _INBOX.alias("earlier")
    waiting_before = (
        exists()
        .where(
            earlier.c.chat_key == candidate.c.chat_key,
            earlier.c.handled_at.is_(None),
            earlier.c.update_id < candidate.c.update_id,
        )
        .correlate(candidate)
    )
    ids = (
        select(candidate.c.update_id)
        .where(
            candidate.c.handled_at.is_(None),
            or_(candidate.c.claimed_until.is_(None), candidate.c.claimed_until <= now),
            ~waiting_before,
        )
        .order_by(candidate.c.update_id)
        .limit(bindparam("limit", type_=Integer()))
    )
    if skipping:
        ids = ids.where(candidate.c.chat_key.not_in(bindparam("skip", expanding=True)))
    if on_postgres:
        ids = ids.with_for_update(skip_locked=True, of=candidate)
    # One statement takes the rows and returns them: no read, then a write per row.
    return (
        update(_INBOX)
        .where(_INBOX.c.update_id.in_(ids.scalar_subquery()))
        .values(
            claimed_until=bindparam("until", type_=when),
            attempts=func.coalesce(_INBOX.c.attempts, 0) + 1,
        )
        .returning(_INBOX.c.update_id, _INBOX.c.chat_key, _INBOX.c.payload, _INBOX.c.attempts)
    )


async def renew(db: Database, update_id: int, lease: timedelta) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id, InboxUpdate.handled_at.is_(None))
            .values(claimed_until=wall_now() + lease)
        )


def handled() -> Update:
    """Marks one update handled; run in the handler's transaction, so that the update's effect
    and this mark commit together (see :mod:`bot.chat.update_ids`). Parameters: ``id`` (the
    update's) and ``at``."""
    inbox = InboxUpdate.metadata.tables[InboxUpdate.__tablename__]
    return (
        update(inbox)
        .where(inbox.c.update_id == bindparam("id"), inbox.c.handled_at.is_(None))
        .values(handled_at=bindparam("at", type_=inbox.c.handled_at.type), claimed_until=None)
    )


async def finish(db: Database, update_ids: Collection[int], now: datetime) -> None:
    """Mark handled on their own, for updates no transactional handler took."""
    if not update_ids:
        return
    async with db.transaction() as session:
        marked = await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(list(update_ids)), InboxUpdate.handled_at.is_(None))
            .values(handled_at=now, claimed_until=None)
        )
        if db.dialect == "postgresql" and int(getattr(marked, "rowcount", 0) or 0):
            await _notify(session)


async def purge(db: Database, before: datetime) -> int:
    """Delete updates handled before ``before``; they may hold free text."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(InboxUpdate).where(
                InboxUpdate.handled_at.is_not(None), InboxUpdate.handled_at < before
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)
