"""The one place that opens database connections and transactions.

Every unit of work goes through :meth:`Database.transaction`, so that a Telegram update, a CLI
command or a scheduler tick reads and writes in exactly one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.platform import sqlite_inline
from bot.platform.config import Settings
from bot.platform.crypto import Cipher
from bot.platform.private_files import prepare_sqlite
from bot.platform.sqlite_writes import WriteTurns
from bot.platform.wiring import Wiring


def async_url(url: str) -> str:
    """Pick the asyncio driver for a plain ``sqlite://`` or ``postgresql://`` URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL {url!r}")


def sync_url(url: str) -> str:
    """The blocking-driver twin of a URL, for migrations."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL {url!r}")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _tune_sqlite(engine: Engine, lock_wait_ms: int) -> None:
    """WAL lets readers work during a write; BEGIN IMMEDIATE avoids lock-upgrade deadlocks."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # First, so that the pragmas below wait for a lock as long as the rest does (and not
        # the driver's own five seconds, which on the bot's connections is the loop's time).
        cursor.execute(f"PRAGMA busy_timeout={int(lock_wait_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def tune_sync_engine(engine: Engine, lock_wait_ms: int = 10_000) -> None:
    """``lock_wait_ms``: how long SQLite itself waits for another process's write lock."""
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, lock_wait_ms)


class Database:
    """Owns the engine and hands out one session per transaction."""

    def __init__(
        self,
        url: str,
        *,
        cipher: Cipher,
        settings: Settings | None = None,
        wiring: Wiring | None = None,
        echo: bool = False,
        pool_size: int = 20,
    ) -> None:
        self.url = url
        # Parameters hold Telegram ids and text: keep them out of error messages and logs.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if is_sqlite(url):
            prepare_sqlite(url)
        else:
            # No ping before each checkout: a round trip for every short transaction. A
            # connection the server dropped fails its first statement, which invalidates the
            # pool; the unit of work is then tried again (see ``handlers.common``).
            # No overflow: connections opened under load and closed right after cost the
            # server a new backend process each time; a transaction waits for one instead.
            kwargs.update(pool_size=pool_size, max_overflow=0, pool_recycle=1800)
        self.engine: AsyncEngine = create_async_engine(async_url(url), **kwargs)
        if is_sqlite(url):
            # On the loop's thread; ``WriteTurns`` waits for a lock held elsewhere instead.
            sqlite_inline.run_inline(self.engine.sync_engine.dialect.dbapi)
            tune_sync_engine(self.engine.sync_engine, lock_wait_ms=0)
        else:
            tune_sync_engine(self.engine.sync_engine)
        cipher.attach(self.engine.sync_engine.dialect)
        self._sessions = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            info={"settings": settings, "wiring": wiring},
        )
        self._turns = WriteTurns() if is_sqlite(url) else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session, one transaction: committed on success, rolled back on any error.

        On SQLite this process's transactions take turns (see :mod:`bot.platform.sqlite_writes`).
        """
        if self._turns is not None:
            async with self._turns.transaction(self._sessions) as session:
                yield session
            return
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def one_at_a_time(self, name: str) -> AsyncIterator[bool]:
        """True when no other process is doing ``name`` now (a PostgreSQL advisory lock,
        held until the block ends, or until the connection drops); always True on SQLite,
        where one process runs. For recurring jobs, which every process schedules."""
        if self.dialect != "postgresql":
            yield True
            return
        key = lock_key(name)
        async with self.engine.connect() as connection:
            taken = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            await connection.commit()
            try:
                yield bool(taken)
            finally:
                if taken:
                    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    await connection.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()


def lock_key(name: str) -> int:
    """A stable 64-bit advisory lock key for a name."""
    digest = hashlib.sha256(f"samordna:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
