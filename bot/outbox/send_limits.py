"""Telegram's limits for one bot token, held exactly: at most 30 messages in any second, at most
one a second in one chat, and after a 429 nothing more for ``retry_after`` seconds, in that
chat and overall. Chat replies and the outbox draw on the same budget.

Exact whatever the network does. Telegram counts a message when it arrives, which is after we
started sending it and before its answer reached us. So a send holds its place in the budget
from the moment it starts until a whole period after its answer (or its time-out), and the
next message to a chat starts a whole gap after the answer to the one before. Then no period
can see more arrivals than the budget, however long each request took on the way.

:class:`Budget` is the rule alone, with the clock passed in, so it can be tested without
waiting. :class:`SendLimiter` applies it to python-telegram-bot's requests in one process.
On PostgreSQL several processes may send for one token: there the 30 a second are tickets
in the database (:mod:`bot.outbox.shared_budget`), taken by every send of every process,
replies to people before nudges; this process's :class:`Budget` then keeps only the per-chat
gap and the pause after a 429. The outbox dispatcher marks its sends as nudges
(:func:`sending_nudges`); everything else is a reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.outbox.shared_budget import SharedBudget, TicketStore, holder_name
from bot.platform.config import Settings
from bot.platform.db import Database

log = logging.getLogger(__name__)

# Requests that put something in a chat; everything else (answers to button presses, the
# command menu, getUpdates) is not limited.
LIMITED = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendSticker",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    )
)
FORGET_AFTER = 10_000  # chats remembered before the ones long free are dropped
UNBOUNDED = 1_000_000  # the overall limit of a process whose budget is the shared tickets
LEASE_MARGIN = 30.0  # a ticket outlives the longest send by this much before it is taken back
_NUDGES: ContextVar[bool] = ContextVar("sending_nudges", default=False)


@contextlib.contextmanager
def sending_nudges() -> Iterator[None]:
    """Sends within are the outbox's: they wait behind replies to people."""
    token = _NUDGES.set(True)
    try:
        yield
    finally:
        _NUDGES.reset(token)


@dataclass(frozen=True)
class Limits:
    overall: int = 30  # messages in any ``period``
    period: float = 1.0
    chat_gap: float = 1.0  # seconds from one answer in a chat to the next send there


class Budget:
    """The rule, on a clock passed in (seconds, only differences matter)."""

    def __init__(self, limits: Limits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self._answered: deque[float] = deque()  # answer times within the last period
        self._in_flight = 0
        self._busy: dict[int, int] = {}  # chat: sends on their way
        self._chat_free: dict[int, float] = {}  # chat: earliest start of its next send
        self._hold_until = 0.0

    def wait(self, chat_id: int) -> float | None:
        """Seconds before a send to this chat may start: 0 for now, None for "when a send on
        its way is answered"."""
        now = self.clock()
        self._forget(now)
        if self._busy.get(chat_id):
            return None
        waits = [self._hold_until - now, self._chat_free.get(chat_id, now) - now]
        if self._in_flight + len(self._answered) >= self.limits.overall:
            if not self._answered:
                return None
            waits.append(self._answered[0] + self.limits.period - now)
        return max(0.0, *waits)

    def start(self, chat_id: int) -> None:
        self._in_flight += 1
        self._busy[chat_id] = self._busy.get(chat_id, 0) + 1

    def finish(self, chat_id: int, retry_after: float | None = None) -> None:
        """The send was answered (or failed, or timed out) now."""
        now = self.clock()
        self._in_flight -= 1
        self._answered.append(now)
        left = self._busy.get(chat_id, 1) - 1
        if left:
            self._busy[chat_id] = left
        else:
            self._busy.pop(chat_id, None)
        free = now + self.limits.chat_gap
        if retry_after is not None:
            free = max(free, now + retry_after)
            self._hold_until = max(self._hold_until, now + retry_after)
        self._chat_free[chat_id] = max(self._chat_free.get(chat_id, free), free)

    def _forget(self, now: float) -> None:
        horizon = now - self.limits.period
        while self._answered and self._answered[0] <= horizon:
            self._answered.popleft()
        if len(self._chat_free) > FORGET_AFTER:
            self._chat_free = {c: t for c, t in self._chat_free.items() if t > now}


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int today, a timedelta in a later version
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_of(endpoint: str, data: dict[str, Any]) -> int | None:
    """The chat a limited request writes to; None for requests that are not limited."""
    if endpoint.lower() not in LIMITED:
        return None
    chat = data.get("chat_id")
    try:
        return int(chat) if chat is not None else 0
    except (TypeError, ValueError):
        return hash(chat)  # a channel's @name: still one chat


class SendLimiter(BaseRateLimiter[int]):
    """The budget for python-telegram-bot's requests. A 429 is waited out and tried again
    (``max_retries`` times, or the number passed as ``rate_limit_args``) unless Telegram asks
    for more than ``max_wait`` seconds; then it is raised for the caller to queue."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        max_retries: int = 2,
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedBudget | None = None,
    ) -> None:
        limits = limits or Limits()
        if shared is not None:  # the tickets hold the overall limit, for every process
            limits = Limits(overall=UNBOUNDED, period=limits.period, chat_gap=limits.chat_gap)
        self.budget = Budget(limits, clock)
        self.shared = shared
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._changed: asyncio.Event | None = None

    async def initialize(self) -> None:
        """Start taking shared tickets, when the budget is shared."""
        if self.shared is not None:
            await self.shared.start()

    async def shutdown(self) -> None:
        if self.shared is not None:
            await self.shared.stop()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat = chat_of(endpoint, data)
        if chat is None:
            return await callback(*args, **kwargs)
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            await self._take(chat)
            retry_after: float | None = None
            ticket: int | None = None
            try:
                if self.shared is not None:
                    ticket = await self.shared.acquire(reply=not _NUDGES.get())
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                retry_after = retry_after_seconds(exc)
                if attempt >= retries or retry_after > self.max_wait:
                    raise  # the caller decides, and says so in its own log line
                log.warning("Telegram asked to wait %.1f s before sending more", retry_after)
            finally:
                self.budget.finish(chat, retry_after)
                self._wake()
                if ticket is not None and self.shared is not None:
                    self.shared.release(ticket)
            attempt += 1

    async def _take(self, chat: int) -> None:
        while True:
            wait = self.budget.wait(chat)
            if wait == 0:
                self.budget.start(chat)
                return
            changed = self._event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wait)

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _wake(self) -> None:
        """Every waiter looks again: a place in the budget or a chat may have come free."""
        if self._changed is not None:
            self._changed.set()
            self._changed = None


def rate_limiter(
    settings: Settings, db: Database | None = None, *, max_retries: int = 2
) -> SendLimiter:
    """The limiter of one process: ``outbox_rate_limit`` messages a second in all (shared by
    every process when ``db`` is PostgreSQL), Telegram's one a second per chat, and a 429
    longer than ``outbox_max_retry_after`` left to the caller."""
    limits = Limits(overall=settings.outbox_rate_limit, chat_gap=settings.chat_send_gap)
    shared = None
    if db is not None and db.dialect == "postgresql":
        store = TicketStore(
            db.engine,
            holder_name(),
            size=settings.outbox_rate_limit,
            period=limits.period,
            lease=settings.outbox_send_timeout + LEASE_MARGIN,
        )
        shared = SharedBudget(store)
    return SendLimiter(
        limits, max_retries=max_retries, max_wait=settings.outbox_max_retry_after, shared=shared
    )
