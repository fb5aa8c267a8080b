"""Hands stored updates to the Application: each chat's in order, the chats side by side.

Any process may take any chat's next update, so the rows are the only shared state. An
update is marked handled in the handler's own transaction (see :func:`handlers.common.
transactional`); updates no such handler takes are marked in the next claim's transaction,
once the Application is done with them. A process that dies mid-update leaves a lease that
runs out; the next claim takes the row again, and the stored update id keeps a second
handling from having any effect.

What arrives is claimed in the transaction that stores it, when this process has a hand free
(see :meth:`InboxWorker.receive`). A claim of its own then runs only when something may be
waiting: an update stored while its chat or every hand was busy, a notification from another
process, an update no handler marked, and once a sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
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
        # Whether a claim may find work: True until a claim took less than it could since the
        # last reason to look; chats that claim skipped as busy here are looked at once free.
        self._look_again = True
        self._reasons = 0
        self._skipped: set[int] = set()
        self._unmarked: set[int] = set()  # handled here, and no handler marked them

    def wake(self) -> None:
        """New rows were stored, or a chat's update was marked handled: look for work now
        rather than at the next sweep."""
        self._look_again = True
        self._reasons += 1
        self._wake.set()

    async def receive(self, received: Sequence[store.Received]) -> None:
        """Store what arrived (raising when it could not be stored) and start on what this
        process could claim in the same transaction."""
        finished = set(self._finished)
        limit = 0 if self._stopping.is_set() else self.concurrency - len(self._tasks)
        claimed = await store.store(
            self.services.db,
            received,
            self.services.clock.now(),
            limit=limit,
            lease=self.lease,
            skip_chats=set(self._busy),
            finished=finished,
        )
        self._finished -= finished
        self._start(claimed)
        if len(claimed) < len(received):
            self.wake()  # left for a busy chat or a full hand: a claim sorts out which

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
            reasons, skip = self._reasons, set(self._busy)
            limit = self.concurrency - len(self._tasks)
            try:
                claimed = await store.claim(
                    self.services.db,
                    limit=limit,
                    lease=self.lease,
                    skip_chats=skip,
                    finished=finished,
                    finished_at=self.services.clock.now(),
                )
                self._finished -= finished
                delay = self.sweep
            except Exception:
                log.warning("could not read the inbox; trying again", exc_info=True)
                claimed = []
                delay = min(delay * 2, max(self.sweep, 30.0))
            else:
                if limit > 0 and len(claimed) < limit and reasons == self._reasons:
                    # Everything claimable was taken; what waits is in the chats skipped.
                    self._look_again = False
                    self._skipped |= skip
            self._start(claimed)
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                self._look_again = True  # the sweep: another process's rows, lapsed leases

    def _start(self, claimed: list[store.Claimed]) -> None:
        for row in claimed:
            self._busy.add(row.chat_key)
            task = asyncio.create_task(self._handle(row), name="inbox-update")
            self._tasks.add(task)
            task.add_done_callback(partial(self._done, row.chat_key, row.update_id))

    def _done(self, chat_key: int, update_id: int, task: asyncio.Task[None]) -> None:
        """The chat and a hand are free again (``_handle`` let go of the chat before the task
        ended). A claim runs now when work may be waiting, or when no handler marked the
        update: until it is marked, the chat's next update waits for it."""
        self._tasks.discard(task)
        unmarked = update_id in self._unmarked or task.cancelled()
        self._unmarked.discard(update_id)
        if self._look_again or chat_key in self._skipped or unmarked:
            self._skipped.discard(chat_key)
            self._wake.set()

    async def _handle(self, row: store.Claimed) -> None:
        if row.attempts > 1:
            # Never skipped: an update that keeps coming back is a crash to look into, and
            # dropping it would lose what the person did.
            log.warning("update %s is taken again (attempt %s)", row.update_id, row.attempts)
        try:
            if not await self._process(row):
                self._unmarked.add(row.update_id)
        except Exception:
            self._unmarked.add(row.update_id)
            log.error("update %s could not be handled", row.update_id, exc_info=True)
        except asyncio.CancelledError:
            self._busy.discard(row.chat_key)  # stopped midway: taken again after the lease
            raise
        # Marked with the next claim (most handlers marked it already, see the module).
        self._finished.add(row.update_id)
        self._busy.discard(row.chat_key)

    async def _process(self, row: store.Claimed) -> bool:
        """True when a handler marked the update handled in its transaction."""
        marked = store.marking()
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
        return row.update_id in marked

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
