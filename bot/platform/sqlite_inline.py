"""SQLite statements run on the event loop's own thread, not on aiosqlite's.

aiosqlite runs each call (a cursor, an execute, a fetch: about a dozen for one query) on a
thread of its own and hands the result back through the event loop. With a few dozen updates
in hand, every hand-back waited behind the others' work while this process's one writer held
SQLite's write turn (see :mod:`bot.platform.sqlite_writes`), so the turns, not the work, set
the pace. SQLite answers from its page cache in microseconds: run where they are asked, a
transaction's statements follow each other without a wait, and the turn is held only as long
as the work takes (in ``make bench``, from about 180 to 280 updates a second with 1,000 people,
and a third less CPU per update).

What must not happen on the loop's thread is a wait for another process's write lock (the
command line): these connections do not wait for it at all, and ``WriteTurns`` tries the
``BEGIN IMMEDIATE`` again after a pause on the loop, as it did before. Once that has begun, in
WAL mode, no statement of the transaction waits for a lock.

This replaces ``aiosqlite.Connection._execute``, the one place where aiosqlite hands a call
to its thread; the version range in ``pyproject.toml`` is the one it was checked against.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection with its calls made at once; its thread only opens and closes."""

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


class InlineAiosqlite:
    """The aiosqlite module as SQLAlchemy's driver adapter uses it, connecting inline."""

    def __getattr__(self, name: str) -> Any:
        return getattr(aiosqlite, name)

    @staticmethod
    def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> InlineConnection:
        return InlineConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size)


def run_inline(dbapi: Any) -> None:
    """Point an engine's aiosqlite adapter (``engine.dialect.dbapi``) at inline connections."""
    dbapi.aiosqlite = InlineAiosqlite()
