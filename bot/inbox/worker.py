"""Hands stored updates to the Application: each chat's in order, the chats side by side.

Any process may take any chat's next update, so the rows are the only shared state. An
update is marked handled in the handler's own transaction (see :func:`handlers.common.
transactional`); updates no such handler takes are marked in the next claim's transaction,
once the Application is done with them. A process that dies mid-update leaves a lease that
runs out; the next claim takes the row again, and the stored update id keeps a second
handling from having any effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.chat import inbox_store as store
from bot.chat.turn import Services
from bot.platform import metrics

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0


class InboxWorker:
    def __init__(self, app: Application, services: Services) -> None:  # type: ignore[type-arg]
        self.app = app
        self.services = services
        settings = services.settings
        self.lease = timedelta(seconds=settings.inbox_lease_seconds)
        self.concurrency = settings.concurrent_updates
        # A fallback: storing an update wakes a worker (every process's, on PostgreSQL).
        self.sweep = settings.inbox_sweep_seconds
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._busy: set[int] = set()
        self._finished: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """New rows were stored, or a chat's update was marked handled: look for work now
        rather than at the next sweep."""
        self._wake.set()

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._run(), name="inbox-worker")

    async def stop(self) -> None:
        """Let updates in hand finish for a moment; anything left is taken after a restart."""
        self._stopping.set()
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        try:
            await store.finish(self.services.db, self._finished, self.services.clock.now())
        except Exception:
            log.warning(
                "handled updates stay marked unhandled; their ids keep them from a second effect"
            )

    async def _run(self) -> None:
        delay = self.sweep
        while not self._stopping.is_set():
            self._wake.clear()
            finished = set(self._finished)
            try:
                claimed = await store.claim(
                    self.services.db,
                    limit=self.concurrency - len(self._tasks),
                    lease=self.lease,
                    skip_chats=set(self._busy),
                    finished=finished,
                    finished_at=self.services.clock.now(),
                )
                self._finished -= finished
                delay = self.sweep
            except Exception:
                log.warning("could not read the inbox; trying again", exc_info=True)
                claimed = []
                delay = min(delay * 2, max(self.sweep, 30.0))
            for row in claimed:
                self._busy.add(row.chat_key)
                task = asyncio.create_task(self._handle(row), name="inbox-update")
                self._tasks.add(task)
                task.add_done_callback(self._done)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def _done(self, task: asyncio.Task[None]) -> None:
        """The chat is free again (``_handle`` let go of it before the task ended): its next
        update, wherever it was stored, is claimed now; the claim reads what other processes
        committed up to that moment."""
        self._tasks.discard(task)
        self._wake.set()

    async def _handle(self, row: store.Claimed) -> None:
        if row.attempts > 1:
            # Never skipped: an update that keeps coming back is a crash to look into, and
            # dropping it would lose what the person did.
            log.warning("update %s is taken again (attempt %s)", row.update_id, row.attempts)
        try:
            await self._process(row)
        except Exception:
            log.error("update %s could not be handled", row.update_id, exc_info=True)
        except asyncio.CancelledError:
            self._busy.discard(row.chat_key)  # stopped midway: taken again after the lease
            raise
        # Marked with the next claim (most handlers marked it already, see the module).
        self._finished.add(row.update_id)
        self._busy.discard(row.chat_key)

    async def _process(self, row: store.Claimed) -> None:
        keeper = asyncio.create_task(self._keep_lease(row.update_id))
        began = time.perf_counter()
        try:
            update = Update.de_json(for_handlers(row.payload), self.app.bot)
            await self.app.process_update(update)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        metrics.update_handled(metrics.update_kind(row.payload), time.perf_counter() - began)

    async def _keep_lease(self, update_id: int) -> None:
        """A slow handler keeps its update: renew a third of the way through each lease."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await store.renew(self.services.db, update_id, self.lease)
            except Exception:
                log.warning("could not renew the lease of update %s", update_id, exc_info=True)


def for_handlers(payload: dict[str, Any]) -> dict[str, Any]:
    """The update as the handlers get it: a press without the keyboard of the pressed message.

    No handler reads that keyboard (the pressed button's data comes with the press), and an
    object for each of its buttons was much of the work of making the update's objects. The
    stored row keeps the update whole.
    """
    query = payload.get("callback_query")
    if not isinstance(query, dict):
        return payload
    message = query.get("message")
    if not isinstance(message, dict) or "reply_markup" not in message:
        return payload
    pressed = {key: value for key, value in message.items() if key != "reply_markup"}
    return {**payload, "callback_query": {**query, "message": pressed}}
