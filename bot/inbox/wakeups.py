"""Wakes this process's inbox worker when another process stores an update (PostgreSQL).

Only the process that stored a row knows of it; without this, the others would find it at
their next sweep, a second later, which is what kept a chat waiting when its previous update
was in another process's hands. One connection of its own, outside the pool, listens on the
channel :mod:`bot.chat.inbox_store` notifies. A dropped connection is opened again with
backoff; meanwhile the sweep keeps finding work, only later. SQLite has one process: nothing
to listen to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from bot.chat import inbox_store as store
from bot.platform.db import Database

log = logging.getLogger(__name__)

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0


class Wakeups:
    def __init__(self, db: Database, wake: Callable[[], None]) -> None:
        self.db = db
        self.wake = wake
        self.listening = asyncio.Event()
        self._down = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.db.dialect == "postgresql":
            self._task = asyncio.create_task(self._run(), name="inbox-wakeups")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        delay = FIRST_BACKOFF
        while True:
            try:
                async with await self._connect() as connection:
                    await self._listen(connection)
                    delay = FIRST_BACKOFF
                    # Whatever was stored while no one listened is looked at now.
                    self.wake()
                    async for notification in connection.notifies():
                        if notification.payload != store.SENDER:
                            self.wake()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.listening.clear()
                if not self._down:  # one line per outage, not one per attempt
                    log.warning(
                        "inbox notifications stopped (%s); opening the connection again, "
                        "meanwhile the sweep finds new updates",
                        type(exc).__name__,
                    )
                    self._down = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        engine = self.db.engine
        args, params = engine.dialect.create_connect_args(engine.url)
        return await psycopg.AsyncConnection.connect(*args, **params, autocommit=True)

    async def _listen(self, connection: psycopg.AsyncConnection[Any]) -> None:
        cursor = await connection.execute(f"SELECT {store.CHANNEL}")
        row = await cursor.fetchone()
        assert row is not None
        await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(row[0])))
        if self._down:
            log.info("inbox notifications are back")
            self._down = False
        self.listening.set()
