"""Sends the outbox: claims due rows atomically, checks each again, renders it, sends, marks it.

A claim is a lease. On PostgreSQL the claim query locks with ``FOR UPDATE SKIP LOCKED``, so
two processes never take the same row; SQLite has one writer at a time. Right before a row
is sent, one short transaction renews the lease (only if this worker still holds it), checks
that the row was not cancelled (withdrawn consent, a moved meeting), that its recipient can
still receive it and that its feature still wants it, and renders it in the recipient's
language. Then it is sent, and marked sent at once.

What a crash costs: a process killed before sending loses nothing (the lease runs out and any
process takes the row again); a process killed after Telegram accepted a message but before
the row was marked sent causes one duplicate of that row. A withdrawal that commits while a
message is already on its way to Telegram cannot stop that one message.

A send that gets no answer (a time-out after the request went out, a dropped connection) may
have been accepted: Telegram has no idempotency key to ask with. It is never sent again in
the same claim: the row goes back to the queue marked ``MAY_HAVE_ARRIVED``, counts as an
attempt and waits out the back-off. The send time-out (``outbox_send_timeout``, 30 s) is far
above Telegram's usual answer time, so this is rare, and each such time-out can cause at
most one duplicate.

Telegram's limits: every message goes through the bot's rate limiter (:mod:`bot.outbox.send_limits`:
30 a second in all, chat replies included and served first, shared by every process on
PostgreSQL, one a second per chat, a 429 waited out), and this dispatcher also keeps one
message a second per chat by itself: it claims a chat's due rows together (at most a few)
and no chat another process is sending to, and sends each chat's rows in order with a second
between them, chats side by side. A 429 that still reaches it pauses
sending for ``retry_after`` seconds and tries the row again, renewing its lease first (a row
whose lease ran out meanwhile belongs to whoever took it next); 5xx answers and
time-outs retry with growing back-off and finally mark the row failed; a 403 marks the
individual unreachable and stops their nudges. Failures are told to the responsible staff
member through the outbox.

One concept: a row's way from claim to sent, with every failure it can meet on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.chat import access, buttons
from bot.chat.turn import Services
from bot.models import ChatUser, Individual, OutboxMessage, OutboxStatus, Staff
from bot.outbox import queue as outbox
from bot.outbox import timing
from bot.outbox.send_limits import sending_nudges
from bot.platform import events, metrics
from bot.platform.i18n import Translator

log = logging.getLogger(__name__)

MAY_HAVE_ARRIVED = "no answer, may already have been delivered"
PER_CHAT_GAP = 1.0
PER_CHAT_CLAIM = 5
# Rows of a batch still to go when the next batch is claimed: about a second of Telegram's
# 30 a second, time enough for the claim.
CLAIM_AHEAD = 30
RETRY_AFTER_TRIES = 3
_instances = itertools.count(1)


async def _stop(sending: asyncio.Future[int]) -> None:
    """Cancel a batch on its way out (the process is stopping); its rows wait for their lease."""
    sending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sending


def _due(rows: type[OutboxMessage], now: datetime) -> ColumnElement[bool]:
    """Pending and due, or claimed by a process whose lease ran out."""
    return or_(
        and_(rows.status == OutboxStatus.PENDING, rows.due_at <= now),
        and_(rows.status == OutboxStatus.CLAIMED, rows.claimed_until < now),
    )


def worker_name() -> str:
    """Unique per dispatcher: a lease is only ever renewed by the one that took it."""
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{next(_instances)}"


@dataclass(frozen=True)
class Claimed:
    id: int
    chat_id: int
    locale: str | None = None


@dataclass(frozen=True)
class Prepared:
    id: int
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None
    individual_id: int | None


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int today, a timedelta in a later version
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Dispatcher:
    def __init__(self, services: Services, bot: Bot, *, batch_size: int | None = None) -> None:
        self.services = services
        self.bot = bot
        settings = services.settings
        self.batch_size = batch_size or settings.outbox_batch_size
        self.lease = timedelta(seconds=settings.outbox_lease_seconds)
        self.policy = timing.Policy.from_settings(settings)
        self.worker = worker_name()
        self.last_examined = 0
        self._limit = asyncio.Semaphore(settings.outbox_concurrency)
        self._last_send: dict[int, float] = {}
        self._hold_until = 0.0

    # ----------------------------------------------------------------- the loop

    async def tick(self) -> int:
        """Send one batch of what is due now; returns how many messages went out."""
        return await self.send_claimed(await self.claim())

    async def drain(self, max_seconds: float = 30.0) -> int:
        """Tick while full batches come back, for at most about ``max_seconds``.

        The next batch is claimed while the last :data:`CLAIM_AHEAD` rows of the one before
        are still going out: claimed after them, every batch began with a pause in the pace
        as long as the claim (a few messages of Telegram's 30 a second, every three seconds).
        Not earlier, so that a process that dies holds few rows beyond its batch until their
        lease runs out. A chat still being sent to is not claimed again (see :meth:`claim`),
        so the two batches never share a chat."""
        deadline = time.monotonic() + max_seconds
        sent = 0
        claimed = await self.claim()
        while True:
            nearly_out = asyncio.Event()
            going = asyncio.ensure_future(self.send_claimed(claimed, nearly_out))
            if not self.more_due() or time.monotonic() >= deadline:
                return sent + await going
            try:
                await nearly_out.wait()
            except asyncio.CancelledError:
                await _stop(going)
                raise
            if going.done() and going.exception() is not None:
                return sent + await going  # raises: nothing more is claimed after a failure
            try:
                claimed = await self.claim()
            except asyncio.CancelledError:
                await _stop(going)
                raise
            except Exception:
                await going  # what was claimed goes out; the error is the next tick's
                raise
            sent += await going

    def more_due(self) -> bool:
        """Whether the last claim may have left due rows behind: it took whole chats, so a
        batch within one chat's claim of full counts as full."""
        return self.last_examined > max(0, self.batch_size - PER_CHAT_CLAIM)

    async def send_claimed(
        self, claimed: list[Claimed], nearly_out: asyncio.Event | None = None
    ) -> int:
        """Each chat's rows in order, a second apart; the chats side by side. ``nearly_out``
        is set once at most :data:`CLAIM_AHEAD` rows are left to go (or on the way out)."""
        chats: dict[int, list[Claimed]] = {}
        for row in claimed:
            chats.setdefault(row.chat_id, []).append(row)
        left = len(claimed)

        def one_gone() -> None:
            nonlocal left
            left -= 1
            if nearly_out is not None and left <= CLAIM_AHEAD:
                nearly_out.set()

        if nearly_out is not None and left <= CLAIM_AHEAD:
            nearly_out.set()
        try:
            results = await asyncio.gather(
                *(self._deliver_chat(rows, one_gone) for rows in chats.values())
            )
        finally:
            if nearly_out is not None:
                nearly_out.set()
        return sum(results)

    async def _deliver_chat(self, rows: list[Claimed], one_gone: Callable[[], None]) -> int:
        sent = 0
        for row in rows:
            sent += await self._deliver(row)
            one_gone()
        return sent

    # ----------------------------------------------------------------- claiming

    async def claim(self) -> list[Claimed]:
        """Take the due rows (the first few per chat), applying the timing rules to each."""
        now = self.services.clock.now()
        due = _due(OutboxMessage, now)
        other = aliased(OutboxMessage)
        busy = (
            exists()
            .where(
                other.chat_id == OutboxMessage.chat_id,
                other.status == OutboxStatus.CLAIMED,
                other.claimed_until >= now,
            )
            .correlate(OutboxMessage)
        )
        rank = (
            func.row_number()
            .over(
                partition_by=OutboxMessage.chat_id,
                order_by=(OutboxMessage.due_at, OutboxMessage.id),
            )
            .label("rank")
        )
        chat_due = func.min(OutboxMessage.due_at).over(partition_by=OutboxMessage.chat_id)
        ranked = (
            select(OutboxMessage.id, OutboxMessage.chat_id, chat_due.label("chat_due"), rank)
            .where(due, ~busy)
            .subquery()
        )
        # Whole chats, the chat due first first: a chat's rows split over two claims could go
        # out from two processes within a second. The running count takes in all of a chat's
        # rows at once (they are peers in its order).
        chat_order = (ranked.c.chat_due, ranked.c.chat_id)
        per_chat = (
            select(
                ranked.c.id,
                func.count().over(order_by=chat_order).label("running"),
                func.dense_rank().over(order_by=chat_order).label("chat_rank"),
            )
            .where(ranked.c.rank <= PER_CHAT_CLAIM)
            .subquery()
        )
        first = select(per_chat.c.id).where(
            or_(per_chat.c.running <= self.batch_size, per_chat.c.chat_rank == 1)
        )
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(first), due)
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
        )
        if self.services.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed: list[Claimed] = []
        async with self.services.db.transaction() as session:
            rows = list(await session.scalars(query))
            self.last_examined = len(rows)
            if self.services.db.dialect == "postgresql":
                rows = await self._whole_chats(session, rows, now)
            counts = await self._sent_today(session, rows, now)
            languages = await self._languages(session, rows)
            for row in rows:
                if self._defer(row, now, counts):
                    continue
                row.status = OutboxStatus.CLAIMED
                row.claimed_by = self.worker
                row.claimed_until = now + self.lease
                claimed.append(Claimed(row.id, row.chat_id, languages.get(row.chat_id)))
        return claimed

    async def _whole_chats(
        self, session: AsyncSession, rows: list[OutboxMessage], now: datetime
    ) -> list[OutboxMessage]:
        """Leave out the chats another process took a part of at the same moment.

        Two claims running at once lock rows one by one, each skipping the other's; the
        first claim can get a chat's first row and the second its next one, and both would
        send to that chat within a second. A chat is kept only when no other row of it is
        claimed elsewhere and, when fewer than a full claim of it was locked here, none of
        its other rows is due. Both claims may leave such a chat; the next round takes it."""
        if not rows:
            return rows
        mine: dict[int, int] = {}
        for row in rows:
            mine[row.chat_id] = mine.get(row.chat_id, 0) + 1
        short = [chat for chat, count in mine.items() if count < PER_CHAT_CLAIM]
        other = aliased(OutboxMessage)
        elsewhere = and_(other.status == OutboxStatus.CLAIMED, other.claimed_until >= now)
        also_due = and_(other.chat_id.in_(short), _due(other, now))
        shared = set(
            await session.scalars(
                select(other.chat_id)
                .where(
                    other.chat_id.in_(list(mine)),
                    other.id.not_in([row.id for row in rows]),
                    or_(elsewhere, also_due),
                )
                .distinct()
            )
        )
        return [row for row in rows if row.chat_id not in shared]

    def _defer(self, row: OutboxMessage, now: datetime, counts: dict[int, int]) -> bool:
        """Move a row the timing rules hold back; True when it is not to be sent now."""
        to_individual = row.staff_id is None and row.individual_id is not None
        when = self.policy.send_time(
            due=row.due_at,
            now=now,
            to_staff=row.staff_id is not None,
            to_individual=to_individual,
            expires_at=row.expires_at,
        )
        if when is None:
            row.status = OutboxStatus.CANCELLED
            row.last_error = "expired"
            row.claimed_until = None
            return True
        if when > now:
            row.status = OutboxStatus.PENDING
            row.due_at = when
            row.claimed_until = None
            return True
        if to_individual and row.individual_id is not None:
            if counts.get(row.individual_id, 0) >= self.policy.daily_cap:
                later = self.policy.after_cap(now, row.expires_at)
                if later is not None:
                    row.status = OutboxStatus.PENDING
                    row.due_at = later
                    row.claimed_until = None
                    return True
            counts[row.individual_id] = counts.get(row.individual_id, 0) + 1
        return False

    async def _languages(self, session: AsyncSession, rows: list[OutboxMessage]) -> dict[int, str]:
        """Each recipient's language, read with the claim (seconds before the send)."""
        chats = {row.chat_id for row in rows}
        if not chats:
            return {}
        found = await session.execute(
            select(ChatUser.telegram_id, ChatUser.language).where(ChatUser.telegram_id.in_(chats))
        )
        return {int(chat): str(language) for chat, language in found.all()}

    async def _sent_today(
        self, session: AsyncSession, rows: list[OutboxMessage], now: datetime
    ) -> dict[int, int]:
        """Messages each individual got today (local day), counting those on their way."""
        people = {r.individual_id for r in rows if r.staff_id is None and r.individual_id}
        if not people:
            return {}
        batch = [r.id for r in rows]
        counted = await session.execute(
            select(OutboxMessage.individual_id, func.count())
            .where(
                OutboxMessage.individual_id.in_(people),
                OutboxMessage.staff_id.is_(None),
                OutboxMessage.id.not_in(batch),
                or_(
                    and_(
                        OutboxMessage.status == OutboxStatus.SENT,
                        OutboxMessage.sent_at >= self.policy.day_start(now),
                    ),
                    OutboxMessage.status == OutboxStatus.CLAIMED,
                ),
            )
            .group_by(OutboxMessage.individual_id)
        )
        return {int(person): int(n) for person, n in counted.all() if person is not None}

    # ----------------------------------------------------------------- one row

    async def _deliver(self, row: Claimed) -> bool:
        try:
            await self._pace(row.chat_id)
            async with self._limit:
                prepared = await self._prepare(row)
                if prepared is None:
                    return False
                return await self._send(prepared)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox row %s: unexpected error; it is retried later", row.id)
            try:
                await self._retry(row.id, "unexpected error")
            except Exception:
                log.exception("outbox row %s stays claimed until its lease runs out", row.id)
            return False

    async def _pace(self, chat_id: int) -> None:
        last = self._last_send.get(chat_id)
        if last is not None:
            wait = last + PER_CHAT_GAP - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        if len(self._last_send) > 10_000:
            horizon = time.monotonic() - PER_CHAT_GAP
            self._last_send = {c: t for c, t in self._last_send.items() if t > horizon}

    async def _hold(self) -> bool:
        """Wait out a 429's ``retry_after``; True when there was something to wait for."""
        wait = self._hold_until - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return wait > 0

    async def _renew(self, row_id: int) -> bool:
        """Keep the lease through a chain of 429s; False when it ran out and the row is gone."""
        now = self.services.clock.now()
        async with self.services.db.transaction() as session:
            kept = await session.scalar(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row_id,
                    OutboxMessage.status == OutboxStatus.CLAIMED,
                    OutboxMessage.claimed_by == self.worker,
                    OutboxMessage.claimed_until >= now,
                )
                .values(claimed_until=now + self.lease)
                .returning(OutboxMessage.id)
            )
        if kept is None:
            log.warning("outbox row %s: its lease ran out while Telegram made it wait", row_id)
        return kept is not None

    async def _prepare(self, claimed: Claimed) -> Prepared | None:
        """The last check before sending, in one short transaction that renews the lease."""
        services = self.services
        now = services.clock.now()
        async with services.db.transaction() as session:
            row = await session.scalar(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == claimed.id,
                    OutboxMessage.status == OutboxStatus.CLAIMED,
                    OutboxMessage.claimed_by == self.worker,
                    OutboxMessage.claimed_until >= now,
                )
                .values(claimed_until=now + self.lease)
                .returning(OutboxMessage)
            )
            if row is None:
                return None
            reason = await self._refusal(session, row, now)
            if reason is not None:
                row.status = OutboxStatus.CANCELLED
                row.last_error = reason
                row.claimed_until = None
                return None
            tr = services.tr(claimed.locale or services.settings.default_locale)
            try:
                text = await outbox.render_row(session, tr, row)
            except (KeyError, IndexError, ValueError) as exc:
                log.error("outbox row %s cannot be rendered: %r", row.id, exc)
                await self._mark_failed(session, row, f"render: {exc!r}"[:200])
                return None
            markup = await self._markup(session, tr, row)
            individual = row.individual_id if row.staff_id is None else None
            return Prepared(row.id, row.chat_id, text, markup, individual)

    async def _refusal(
        self, session: AsyncSession, row: OutboxMessage, now: datetime
    ) -> str | None:
        """Why the row must not go any more, or None."""
        if row.staff_id is not None:
            staff = await session.get(Staff, row.staff_id)
            if staff is None or staff.removed_at is not None:
                return "staff removed"
            case = await session.get(Individual, row.individual_id or 0)
            if case is not None and not await access.can_open_case(session, staff, case, now):
                return "no access to the case any more"
        elif row.individual_id is not None:
            person = await session.get(Individual, row.individual_id)
            if person is None:
                return "individual gone"
            if person.unreachable_at is not None and row.created_at <= person.unreachable_at:
                return "unreachable"
            if await access.active_consent(session, person.id, now) is None:
                return "no active consent"
        if not await outbox.still_wanted(session, row, now):
            return "no longer wanted"
        return None

    async def _markup(
        self, session: AsyncSession, tr: Translator, row: OutboxMessage
    ) -> InlineKeyboardMarkup | None:
        if not row.buttons:
            return None
        keyboard: list[list[InlineKeyboardButton]] = []
        for line in row.buttons:
            keyboard.append(
                [
                    InlineKeyboardButton(
                        _label(tr, spec),
                        callback_data=await buttons.issue(
                            session,
                            self.services.clock,
                            row.chat_id,
                            spec["action"],
                            spec.get("payload", {}),
                            group=f"outbox:{row.id}",
                        ),
                    )
                    for spec in line
                ]
            )
        return InlineKeyboardMarkup(keyboard)

    async def _send(self, row: Prepared) -> bool:
        timeout = self.services.settings.outbox_send_timeout
        retry_after = 0.0
        for attempt in range(RETRY_AFTER_TRIES):
            if await self._hold() and attempt > 0 and not await self._renew(row.id):
                return False  # the wait outlasted the lease and another process took the row
            self._last_send[row.chat_id] = time.monotonic()
            try:
                with sending_nudges():
                    await self._send_message(row, timeout)
            except RetryAfter as exc:
                metrics.sent("429")
                retry_after = _seconds(exc)
                log.warning("outbox row %s: Telegram asks to wait %.0f s", row.id, retry_after)
                if retry_after > self.services.settings.outbox_max_retry_after:
                    break
                self._hold_until = max(self._hold_until, time.monotonic() + retry_after)
                continue
            except Forbidden as exc:
                metrics.sent("403")
                await self._blocked(row.id, str(exc))
                return False
            except InvalidToken as exc:
                metrics.sent("other")
                log.error("outbox row %s: the bot token was refused: %s", row.id, exc)
                await self._later(row.id, self.services.settings.outbox_retry_seconds, str(exc))
                return False
            except (BadRequest, ChatMigrated) as exc:
                metrics.sent("other")
                log.warning("outbox row %s refused by Telegram: %s", row.id, exc)
                await self._fail(row.id, str(exc))
                return False
            except (NetworkError, TelegramError) as exc:  # 5xx, time-outs, dropped connections
                metrics.sent(send_failure(exc))
                error = str(exc) or type(exc).__name__
                if may_have_arrived(exc):
                    error = f"{MAY_HAVE_ARRIVED}: {error}"
                log.warning("outbox row %s not sent: %s", row.id, error)
                await self._retry(row.id, error)
                return False
            metrics.sent("ok")
            await self._finish(row)
            return True
        await self._later(row.id, retry_after, "429 Too Many Requests")
        return False

    async def _send_message(self, row: Prepared, within: float) -> None:
        await self.bot.send_message(
            row.chat_id,
            row.text,
            reply_markup=row.markup,
            read_timeout=within,
            write_timeout=within,
            connect_timeout=within,
            pool_timeout=within,
        )

    # ----------------------------------------------------------------- marking

    async def _finish(self, row: Prepared) -> None:
        async with self.services.db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(
                    status=OutboxStatus.SENT,
                    sent_at=self.services.clock.now(),
                    claimed_until=None,
                    last_error=None,
                )
            )
            if row.individual_id is not None:  # a message got through: not blocked any more
                await session.execute(
                    update(Individual)
                    .where(
                        Individual.id == row.individual_id, Individual.unreachable_at.is_not(None)
                    )
                    .values(unreachable_at=None)
                )

    async def _later(self, row_id: int, seconds: float, error: str) -> None:
        """Back to the queue without counting an attempt (rate limits, our own token)."""
        async with self.services.db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is not None and row.status == OutboxStatus.CLAIMED:
                row.status = OutboxStatus.PENDING
                row.due_at = self.services.clock.now() + timedelta(seconds=seconds)
                row.claimed_until = None
                row.last_error = error[:200]

    async def _retry(self, row_id: int, error: str) -> None:
        """A passing failure: try again after a growing pause, or give up after the last."""
        settings = self.services.settings
        async with self.services.db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is None or row.status != OutboxStatus.CLAIMED:
                return
            row.attempts += 1
            if row.attempts >= settings.outbox_max_attempts:
                await self._mark_failed(session, row, error)
                return
            pause = min(
                settings.outbox_retry_seconds * 2 ** (row.attempts - 1),
                settings.outbox_retry_max_seconds,
            )
            row.status = OutboxStatus.PENDING
            row.due_at = self.services.clock.now() + timedelta(seconds=pause)
            row.claimed_until = None
            row.last_error = error[:200]

    async def _fail(self, row_id: int, error: str) -> None:
        async with self.services.db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is not None and row.status == OutboxStatus.CLAIMED:
                row.attempts += 1
                await self._mark_failed(session, row, error)

    async def _mark_failed(self, session: AsyncSession, row: OutboxMessage, error: str) -> None:
        row.status = OutboxStatus.FAILED
        row.claimed_until = None
        row.last_error = error[:200]
        await events.emit(events.DELIVERY_FAILED, session, self.services.clock, row=row)

    async def _blocked(self, row_id: int, error: str) -> None:
        """403: the person blocked the bot. Their nudges stop and their contact is told."""
        async with self.services.db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is None:
                return
            row.status = OutboxStatus.FAILED
            row.claimed_until = None
            row.last_error = error[:200]
            if row.staff_id is None and row.individual_id is not None:
                await events.emit(
                    events.INDIVIDUAL_UNREACHABLE,
                    session,
                    self.services.clock,
                    individual_id=row.individual_id,
                )
            else:
                log.warning("outbox row %s: a staff chat refuses messages", row.id)


def send_failure(error: TelegramError) -> str:
    """The metrics label of a failed send: a time-out, a connection that failed, or a 5xx
    (python-telegram-bot raises a plain ``NetworkError`` for those)."""
    if isinstance(error, TimedOut):
        return "timeout"
    if isinstance(error.__cause__, httpx.HTTPError):
        return "network"
    return "5xx" if isinstance(error, NetworkError) else "other"


def may_have_arrived(error: TelegramError) -> bool:
    """No answer after the request went out (a read time-out, a dropped connection): Telegram
    may have accepted the message. Not so when the connection never opened."""
    cause = error.__cause__
    not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
    return isinstance(cause, httpx.HTTPError) and not isinstance(cause, not_sent)


def _label(tr: Translator, spec: dict[str, Any]) -> str:
    label: str = spec["label"]
    return tr.gettext(label)
