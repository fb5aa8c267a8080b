"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL where reachable),
encryption keys, a controlled clock, the Bot API test double and the running bot."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from pydantic import SecretStr

from bot.chat.turn import Services
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from bot.runner import open_services, serve

if TYPE_CHECKING:
    from bot.bot_api_double import BotApiDouble

POSTGRES_URL = os.environ.get(
    "SAMORDNA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("SAMORDNA_REQUIRE_POSTGRES") == "1"
# Monday 2 March 2026, 10:00 in Stockholm: a plain working day, far from daylight-saving changes.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_POSTGRES_PROBLEM = _postgres_reachable()
_skipped_postgres: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_postgres:
        terminalreporter.write_line(
            f"PostgreSQL not reachable at {POSTGRES_URL}: {len(_skipped_postgres)} "
            f"PostgreSQL test(s) skipped ({_POSTGRES_PROBLEM})",
            yellow=True,
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if _POSTGRES_PROBLEM is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required here but not reachable: {_POSTGRES_PROBLEM}")
        _skipped_postgres.append(request.node.nodeid)
        pytest.skip("PostgreSQL not reachable")
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def double() -> Iterator[BotApiDouble]:
    from bot.bot_api_double import BotApiDouble

    with BotApiDouble() as server:
        yield server


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Points at the test double when the test uses one; pure domain tests start none.

    Replies in one chat follow each other at once (a test presses faster than a person); the
    tests of Telegram's limits set ``chat_send_gap`` back to its second.
    """
    bot_api: dict[str, Any] = {}
    if "double" in request.fixturenames:
        server: BotApiDouble = request.getfixturevalue("double")
        bot_api = {
            "telegram_token": SecretStr(server.token),
            "api_base_url": server.base_url,
            "api_base_file_url": server.base_file_url,
        }
    return Settings(
        _env_file=None,
        **bot_api,
        database_url=database_url,
        data_dir=tmp_path / "data",
        key_file=tmp_path / "data" / "secret.key",
        chat_send_gap=0.0,
    )


@pytest.fixture
async def services(settings: Settings, clock: ManualClock) -> AsyncIterator[Services]:
    opened = await asyncio.to_thread(open_services, settings, clock)
    yield opened
    await opened.db.dispose()


@dataclass
class RunningBot:
    services: Services
    double: BotApiDouble
    clock: ManualClock


@pytest.fixture
async def running_bot(
    settings: Settings, services: Services, double: BotApiDouble, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """The real application, polling the test double over HTTP."""
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def on_ready(_app: object, _services: Services) -> None:
        ready.set()

    task = asyncio.create_task(serve(settings, stop, services=services, on_ready=on_ready))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        await task
    assert ready.is_set(), "the bot did not start"
    yield RunningBot(services, double, clock)
    stop.set()
    await asyncio.wait_for(task, timeout=30)
