"""One writer at a time on SQLite, without "database is locked" ever reaching a person.

SQLite lets one connection write at a time and makes the others poll for the lock until its
busy timeout; under load some wait longer than that and fail at ``BEGIN IMMEDIATE``. So this
process takes turns in an asyncio lock before it begins a transaction: its own transactions
queue in order and never meet inside SQLite. Another process (the command line, an outbox
sender) may still hold the lock; then the ``BEGIN`` is tried again after a growing pause, for
up to ``PATIENCE`` seconds, before the error is raised.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

PATIENCE = 60.0
FIRST_PAUSE = 0.005
LONGEST_PAUSE = 0.25


def is_locked(error: BaseException) -> bool:
    """SQLite's answer when another connection holds the write lock."""
    text = str(error).lower()
    return isinstance(error, OperationalError) and (
        "database is locked" in text or "database is busy" in text
    )


class WriteTurns:
    """The lock this process's transactions take turns in, one per event loop."""

    def __init__(self, patience: float = PATIENCE) -> None:
        self.patience = patience
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holder: asyncio.Task[object] | None = None

    def _current(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock

    @asynccontextmanager
    async def transaction(
        self, sessions: Callable[[], AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        """Wait for this process's turn, begin (retrying a lock held elsewhere), then commit
        on success and roll back on any error."""
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise RuntimeError("a transaction was opened inside another one on SQLite")
        async with self._current():
            self._holder = task
            try:
                session = await self._begin(sessions)
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
                finally:
                    await session.close()
            finally:
                self._holder = None

    async def _begin(self, sessions: Callable[[], AsyncSession]) -> AsyncSession:
        deadline = time.monotonic() + self.patience
        pause = FIRST_PAUSE
        while True:
            session = sessions()
            try:
                await session.begin()
                await session.connection()  # runs BEGIN IMMEDIATE now, not at the first query
                return session
            except OperationalError as exc:
                await session.close()
                if not is_locked(exc) or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)
