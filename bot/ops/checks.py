"""Readiness and the queue depths, read from the database only when someone asks.

The checks use an engine of their own (one or two connections, never the bot's pool and, on
SQLite, never its write turns), so a probe neither waits behind a busy bot nor holds it up,
and each query has a short time-out: a database that does not answer makes the process
unready within seconds instead of hanging the probe.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from alembic.script import ScriptDirectory
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot import migrate
from bot.models import OutboxMessage, OutboxStatus
from bot.models.inbox import InboxUpdate
from bot.platform import metrics
from bot.platform.clock import Clock
from bot.platform.db import async_url, is_sqlite

QUERY_TIMEOUT = 2.0


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    value: float | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"ok": self.ok, "detail": self.detail}
        if self.value is not None:
            found["value"] = round(self.value, 3)
        return found


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "checks": {name: check.as_json() for name, check in self.checks.items()},
        }


@dataclass(frozen=True)
class Depths:
    inbox: int
    outbox_due: int
    outbox_scheduled: int
    oldest_due_age: float


def checks_engine(url: str) -> AsyncEngine:
    """Fresh SQLite connections that never create the file (a missing database is not
    ready, not a new empty one); a small pool with a connect time-out on PostgreSQL."""
    if is_sqlite(url):
        path = quote(make_url(url).database or "")
        return create_async_engine(
            f"sqlite+aiosqlite:///file:{path}?mode=rw&uri=true",
            poolclass=NullPool,
            hide_parameters=True,
        )
    return create_async_engine(
        async_url(url),
        pool_size=1,
        max_overflow=1,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"connect_timeout": max(1, int(QUERY_TIMEOUT))},
    )


def _failure(exc: BaseException) -> str:
    """The kind of failure only: driver messages may name hosts, users and paths."""
    return "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__


class Probe:
    """Answers /readyz and fills the depth gauges for /metrics."""

    def __init__(self, url: str, clock: Clock, *, max_lag_seconds: float) -> None:
        self.engine = checks_engine(url)
        self.clock = clock
        self.max_lag = max_lag_seconds
        self._heads = frozenset(
            ScriptDirectory.from_config(migrate.alembic_config(url)).get_heads()
        )

    async def readiness(self) -> Readiness:
        try:
            return await asyncio.wait_for(self._readiness(), QUERY_TIMEOUT * 2)
        except Exception as exc:
            failed = Check(False, _failure(exc))
            skipped = Check(False, "not checked: the database does not answer")
            return Readiness({"database": failed, "migrations": skipped, "dispatcher": skipped})

    async def _readiness(self) -> Readiness:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            database = Check(True, "answers")
            migrations = await self._migrations(connection)
            dispatcher = self._lag(await self._oldest_due(connection))
            await connection.rollback()
        return Readiness({"database": database, "migrations": migrations, "dispatcher": dispatcher})

    async def _migrations(self, connection: AsyncConnection) -> Check:
        try:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except Exception as exc:
            await connection.rollback()
            return Check(False, f"no migration applied ({_failure(exc)})")
        current = frozenset(str(version) for version in found.scalars())
        if current == self._heads:
            return Check(True, "current")
        return Check(False, "the database is not at the newest migration")

    def _lag(self, oldest: datetime | None) -> Check:
        age = self._age(oldest)
        if self.max_lag <= 0:
            return Check(True, "not checked (SAMORDNA_READY_MAX_LAG_SECONDS=0)", age)
        if age > self.max_lag:
            return Check(False, f"the oldest due message waits more than {self.max_lag:.0f} s", age)
        return Check(True, "keeping up", age)

    def _age(self, oldest: datetime | None) -> float:
        return 0.0 if oldest is None else max(0.0, (self.clock.now() - oldest).total_seconds())

    def _due(self, now: datetime) -> Any:
        return or_(
            and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now),
            OutboxMessage.status == OutboxStatus.CLAIMED,
        )

    async def _oldest_due(self, connection: AsyncConnection) -> datetime | None:
        oldest: datetime | None = await connection.scalar(
            select(func.min(OutboxMessage.due_at)).where(self._due(self.clock.now()))
        )
        return oldest

    async def depths(self) -> Depths:
        return await asyncio.wait_for(self._depths(), QUERY_TIMEOUT * 2)

    async def _depths(self) -> Depths:
        now = self.clock.now()
        scheduled = and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at > now)
        async with self.engine.connect() as connection:
            inbox = await connection.scalar(
                select(func.count())
                .select_from(InboxUpdate)
                .where(InboxUpdate.handled_at.is_(None))
            )
            due = await connection.scalar(
                select(func.count()).select_from(OutboxMessage).where(self._due(now))
            )
            later = await connection.scalar(
                select(func.count()).select_from(OutboxMessage).where(scheduled)
            )
            oldest = await self._oldest_due(connection)
            await connection.rollback()
        return Depths(int(inbox or 0), int(due or 0), int(later or 0), self._age(oldest))

    async def refresh_gauges(self) -> None:
        """Set the depth gauges; on failure they keep their last value and the error counts."""
        try:
            found = await self.depths()
        except Exception:
            metrics.SCRAPE_ERRORS.inc()
            return
        metrics.INBOX_DEPTH.set(found.inbox)
        metrics.OUTBOX_DUE.set(found.outbox_due)
        metrics.OUTBOX_SCHEDULED.set(found.outbox_scheduled)
        metrics.OLDEST_DUE_AGE.set(found.oldest_due_age)

    async def close(self) -> None:
        await self.engine.dispose()
