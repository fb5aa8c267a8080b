"""Telegram's send budget held by every process of one bot that share a PostgreSQL database.

Telegram allows one bot token 30 messages in any second, whichever process sends them. Each
process keeping its own 30 a second would let two processes send 60. So on PostgreSQL the
budget is 30 *tickets*, rows of ``send_tickets``: a send holds a ticket from just before it
starts until a whole second after its answer, then the ticket is free again. Telegram counts
a message somewhere between our start and its answer, so no second can see more than 30 of
them, however the network or a busy machine delays each request; the rule is the in-process
:class:`bot.outbox.send_limits.Budget`, with its places in a table. Every time is the
database's clock (``clock_timestamp()``): the processes' own clocks never have to agree.

Why tickets and not the alternatives:

- A token bucket (one row, a send every 1/30 s) paces sends when they *start*; a request
  held up a few milliseconds on a loaded machine then arrives right behind the next one, and
  a sliding second sees 31. Keeping clear of that costs a safety margin of several percent
  of the allowance; a ticket costs only its own round trip (about 1 % at 30 a second).
- One elected sender (an advisory lock) puts every nudge through one process and its
  connections, hands over only after a failure is noticed, and still needs a shared count
  for the replies the other processes send.

Round trips: each process has one connection and one task (:class:`SharedBudget`) that
does all its ticket work in a single statement (:meth:`TicketStore.exchange`): it gives back
the tickets answered since the last one and takes tickets for the sends waiting here, so
under load it is about one round trip per message, and none while nothing is sent. A
process that dies holding tickets loses them for ``lease`` seconds only.

An even pace: tickets are taken one every ``period / (size - HEADROOM)`` (1/29 s) over all
processes, never a whole second's worth in a burst, so they come free one by one and keep
doing so; the step left out of each second is room for replies, which find a ticket free
or coming free within a few hundredths of a second (30 ms median, 104 ms at most, measured
with two senders keeping the budget full on a loaded two-core machine).
``taken_at`` holds the pace's schedule (a virtual time, so that a process waking a little
late does not slow the pace down); a schedule fallen behind by more than :data:`CATCH_UP`
steps is moved up to now. Nudges wait for their step in it.

Replies to people come first. They take any free ticket at once, pace or not, and move the
schedule on, so nudges make room for them. Within a
process the task hands tickets to waiting replies before nudges. Across processes, a process
whose replies find no free ticket *promises* the next tickets to come free to itself
(:meth:`TicketStore.promise`); no other process takes a promised ticket until the promise
runs out. Nudges never wait for replies that do not exist: a promise is made only while a
reply waits.

One message a second per chat is not shared here: each process keeps it for its own sends
(:class:`~bot.outbox.send_limits.Budget`), and the dispatcher claims all of a chat's due rows
at once and never a chat another process is sending to. A reply in one process and a nudge
from another reaching one chat within a second can still draw a 429, which is waited out.

SQLite is one process by design and keeps the in-process budget alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

BATCH = 10  # tickets taken in one statement at most: a third of a second's budget
POLL = 0.02  # when every ticket is on its way elsewhere: look again this soon
AFTER_ERROR = 1.0
PROMISED_REPLIES = 3  # tickets one process may have promised to itself at once
CATCH_UP = 3  # steps of the even pace that may go at once after a pause
HEADROOM = 1  # tickets a second the pace leaves for replies: nudges alone reach 29 a second
DB_CLOCK = "extract(epoch FROM clock_timestamp())"


def holder_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass(frozen=True)
class Exchange:
    taken: list[int]
    wait: float | None  # seconds until a ticket this process may take is free; None: all busy
    pace: float  # seconds until the even pace lets the next nudge go (may be negative)


class TicketStore:
    """The tickets' SQL. ``clock`` (seconds) replaces the database's clock in tests."""

    def __init__(
        self,
        engine: AsyncEngine,
        holder: str,
        *,
        size: int = 30,
        period: float = 1.0,
        lease: float = 60.0,
        promise_for: float = 1.5,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.engine = engine
        self.holder = holder
        self.size = size
        self.period = period
        self.lease = lease
        self.promise_for = promise_for
        self.clock = clock
        self._connection: AsyncConnection | None = None
        now = DB_CLOCK if clock is None else "CAST(:now AS double precision)"
        self._exchange = text(_EXCHANGE.format(now=now))
        self._promise = text(_PROMISE.format(now=now))

    async def exchange(
        self, answered: Sequence[int], unused: Sequence[int], replies: int, nudges: int = 0
    ) -> Exchange:
        """Give back ``answered`` tickets (free a period from now) and ``unused`` ones (free
        at once), and take free tickets, all in one statement: one for each of ``replies``
        at once, and for ``nudges`` only as many as keep every process's tickets taken at
        the even pace."""
        params = {
            "answered": list(answered),
            "unused": list(unused),
            "replies": replies,
            "nudges": nudges,
            "catch_up": CATCH_UP,
            "gap": self.period / max(1, self.size - HEADROOM),
        }
        row = (await self._run(self._exchange, params)).one()
        wait = None if row.wait is None else float(row.wait)
        return Exchange(sorted(int(t) for t in row.taken), wait, float(row.pace))

    async def promise(self, replies: int) -> int:
        """Promise this process the next tickets to come free, one for each waiting reply (at
        most :data:`PROMISED_REPLIES`, counting promises it has already); returns how many
        were added."""
        wanted = min(replies, PROMISED_REPLIES)
        return len((await self._run(self._promise, {"count": wanted})).all())

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                await connection.close()

    async def _run(self, statement: TextClause, params: dict[str, object]) -> CursorResult[Any]:
        connection = await self._connect()
        values = {
            **params,
            "me": self.holder,
            "size": self.size,
            "period": self.period,
            "lease": self.lease,
            "promise_for": self.promise_for,
        }
        if self.clock is not None:
            values["now"] = self.clock()
        try:
            return await connection.execute(statement, values)
        except Exception:
            await self.close()  # a broken connection is opened again next time
            raise

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self.engine.connect()
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(
                text(
                    "INSERT INTO send_tickets (id, free_at) "
                    "SELECT n, 0 FROM generate_series(0, :size - 1) AS n "
                    "ON CONFLICT (id) DO NOTHING"
                ),
                {"size": self.size},
            )
            self._connection = connection
        return self._connection


# Usable by this process: not promised to another one (or the promise ran out).
_MINE = "(s.promised_to IS NULL OR s.promised_to = :me OR s.promised_until < now.t)"

_EXCHANGE = f"""
WITH now AS (SELECT {{now}} AS t),
answered AS (
    UPDATE send_tickets SET holder = NULL, held_until = NULL,
        free_at = (SELECT t FROM now) + :period
    WHERE id = ANY(CAST(:answered AS integer[])) AND holder = :me
    RETURNING id
),
unused AS (
    UPDATE send_tickets SET holder = NULL, held_until = NULL
    WHERE id = ANY(CAST(:unused AS integer[])) AND holder = :me
    RETURNING id
),
pace AS (
    SELECT GREATEST(
        coalesce((SELECT max(s.taken_at) FROM send_tickets s WHERE s.id < :size), 0),
        now.t - :catch_up * :gap) AS head
    FROM now
),
free AS (
    SELECT s.id FROM send_tickets s, now
    WHERE s.id < :size
        AND NOT s.id = ANY(CAST(:answered AS integer[]) || CAST(:unused AS integer[]))
        AND (s.holder IS NULL OR s.held_until < now.t)
        AND s.free_at <= now.t
        AND {_MINE}
    ORDER BY s.promised_to IS NOT DISTINCT FROM :me DESC, s.free_at, s.id
    LIMIT :replies + (
        SELECT LEAST(:nudges, GREATEST(0, floor((now.t - pace.head) / :gap + 1e-6)))
        FROM now, pace)
    FOR UPDATE OF s SKIP LOCKED
),
taken AS (
    UPDATE send_tickets s SET holder = :me, held_until = now.t + :lease,
        taken_at = pace.head + (SELECT count(*) FROM free) * :gap,
        promised_to = NULL, promised_until = NULL
    FROM free, now, pace
    WHERE s.id = free.id
    RETURNING s.id
)
SELECT
    ARRAY(SELECT id FROM taken) AS taken,
    (SELECT GREATEST(min(s.free_at) - now.t, 0) FROM send_tickets s
        WHERE s.id < :size AND (s.holder IS NULL OR s.held_until < now.t) AND {_MINE}
            AND s.id NOT IN (SELECT id FROM free)) AS wait,
    (SELECT pace.head + ((SELECT count(*) FROM taken) + 1) * :gap - now.t FROM pace) AS pace,
    (SELECT count(*) FROM answered) + (SELECT count(*) FROM unused) AS given_back
FROM now
"""

_PROMISE = f"""
WITH now AS (SELECT {{now}} AS t),
next AS (
    SELECT s.id FROM send_tickets s, now
    WHERE s.id < :size AND (s.promised_to IS NULL OR s.promised_until < now.t)
    ORDER BY s.holder IS NOT NULL, s.free_at, s.id
    LIMIT GREATEST(0, :count - (
        SELECT count(*) FROM send_tickets p, now
        WHERE p.promised_to = :me AND p.promised_until >= now.t))
    FOR UPDATE OF s SKIP LOCKED
)
UPDATE send_tickets s SET promised_to = :me, promised_until = now.t + :promise_for
FROM next, now
WHERE s.id = next.id AND {_MINE}
RETURNING s.id
"""


class SharedBudget:
    """This process's side of the tickets: one task takes them for the sends waiting here
    (replies before nudges) and gives them back when answered."""

    def __init__(self, store: TicketStore, *, batch: int = BATCH) -> None:
        self.store = store
        self.batch = batch
        self._replies: deque[asyncio.Future[int]] = deque()
        self._nudges: deque[asyncio.Future[int]] = deque()
        self._answered: list[int] = []
        self._unused: list[int] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="send-tickets")

    async def stop(self) -> None:
        """Give back what this process still holds, then close its connection."""
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for waiting in (*self._replies, *self._nudges):
            waiting.cancel()
        self._replies.clear()
        self._nudges.clear()
        try:
            if self._answered or self._unused:
                await self.store.exchange(self._answered, self._unused, 0)
        except Exception:
            log.warning("send tickets not given back; their lease frees them", exc_info=True)
        finally:
            self._answered, self._unused = [], []
            await self.store.close()

    async def acquire(self, *, reply: bool) -> int:
        """Wait for a ticket; a reply to a person is served before any nudge."""
        waiting: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        (self._replies if reply else self._nudges).append(waiting)
        self._wake.set()
        try:
            return await waiting
        except asyncio.CancelledError:
            if waiting.done() and not waiting.cancelled():
                self.release(waiting.result(), sent=False)
            raise

    def release(self, ticket: int, *, sent: bool = True) -> None:
        """The send was answered (or failed, or timed out) now; ``sent=False``: never sent."""
        (self._answered if sent else self._unused).append(ticket)
        self._wake.set()

    async def step(self) -> float | None:
        """One exchange with the database; returns how long to wait before the next one
        (None: until something here changes)."""
        for queue in (self._replies, self._nudges):
            while queue and queue[0].done():
                queue.popleft()
        replies = min(self.batch, len(self._replies))
        nudges = min(self.batch - replies, len(self._nudges))
        if not (replies or nudges or self._answered or self._unused):
            return None
        answered, unused = self._answered, self._unused
        self._answered, self._unused = [], []
        try:
            result = await self.store.exchange(answered, unused, replies, nudges)
        except BaseException:
            self._answered.extend(answered)
            self._unused.extend(unused)
            raise
        for ticket in result.taken:
            self._hand_out(ticket)
        if self._unused:
            return 0.0
        free = POLL if result.wait is None else result.wait
        if self._replies:
            await self.store.promise(len(self._replies))
            return min(free, self.store.period)
        if self._nudges:
            return min(max(free, result.pace, 0.0), self.store.period)
        return None

    def _hand_out(self, ticket: int) -> None:
        for queue in (self._replies, self._nudges):
            while queue:
                waiting = queue.popleft()
                if not waiting.done():
                    waiting.set_result(ticket)
                    return
        self._unused.append(ticket)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                pause = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the shared send budget is out of reach; trying again", exc_info=True)
                pause = AFTER_ERROR
            if pause == 0.0:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)
