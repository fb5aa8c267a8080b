"""The operator's port in both modes: /healthz while the process lives, /readyz ready while
the database answers and 503 naming the database when it stops, and ready again after."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.chat.turn import Services
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from bot.runner import open_services
from tests.ops.support import TcpProxy, serving, with_ops


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_both_modes_say_alive_and_ready(
    settings: Settings, services: Services, double, webhook: bool
) -> None:
    async with serving(with_ops(settings, webhook=webhook), services) as ops:
        alive = await ops.get("/healthz")
        ready = await ops.get("/readyz")
    assert alive.status_code == 200
    assert alive.json() == {"alive": True}
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert ready.json()["ready"] is True
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True,
        "migrations": True,
        "dispatcher": True,
    }


async def _until_status(ops, status: int, within: float = 10.0):
    """Readiness is read fresh on every request; the bot's own pool may need a moment."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        answer = await ops.get("/readyz")
        if answer.status_code == status or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.2)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_readyz_turns_unready_when_postgres_stops_and_ready_when_it_is_back(
    database_url: str, settings: Settings, clock: ManualClock, double, webhook: bool
) -> None:
    url = make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    await proxy.open()
    proxied = url.set(port=proxy.port).render_as_string(hide_password=False)
    config = with_ops(settings.model_copy(update={"database_url": proxied}), webhook=webhook)
    services = await asyncio.to_thread(open_services, config, clock)
    try:
        async with serving(config, services) as ops:
            assert (await ops.get("/readyz")).status_code == 200

            await proxy.close()
            stopped = await _until_status(ops, 503)
            alive = await ops.get("/healthz")

            await proxy.open()
            back = await _until_status(ops, 200)
    finally:
        await proxy.close()
    assert stopped.status_code == 503
    body = stopped.json()
    assert body["ready"] is False
    assert body["checks"]["database"]["ok"] is False
    assert alive.status_code == 200
    assert back.status_code == 200, back.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_readyz_turns_unready_when_the_sqlite_file_is_gone(
    database_url: str, settings: Settings, services: Services, double
) -> None:
    path = Path(make_url(database_url).database or "")
    aside = path.with_suffix(".aside")
    async with serving(with_ops(settings), services) as ops:
        assert (await ops.get("/readyz")).status_code == 200
        shutil.move(path, aside)
        gone = await ops.get("/readyz")
        shutil.move(aside, path)
        back = await ops.get("/readyz")
    assert gone.status_code == 503
    assert gone.json()["checks"]["database"]["ok"] is False
    assert "not checked" in gone.json()["checks"]["dispatcher"]["detail"]
    assert back.status_code == 200
