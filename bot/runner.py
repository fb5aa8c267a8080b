"""Starting and stopping the bot: the same code path for production, the demo and the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram.error import TelegramError
from telegram.ext import Application

from bot import composition, migrate
from bot.app import announce_commands, build_application
from bot.chat.turn import Services
from bot.inbox import Inbox
from bot.ops.checks import Probe
from bot.ops.server import OpsServer
from bot.platform.clock import Clock, SystemClock
from bot.platform.config import Settings
from bot.platform.crypto import Cipher
from bot.platform.db import Database
from flows.engine import FlowEngine

log = logging.getLogger(__name__)

ReadyHook = Callable[[Application, Services], Awaitable[None]]  # type: ignore[type-arg]


def open_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Keys, migrations, the database and the wiring: what every command needs first."""
    cipher = Cipher.from_key_file(settings.resolved_key_file)
    migrate.upgrade(settings.resolved_database_url)
    wiring = composition.build_wiring()
    clock = clock or SystemClock()
    return Services(
        settings=settings,
        db=Database(
            settings.resolved_database_url, cipher=cipher, settings=settings, wiring=wiring
        ),
        clock=clock,
        engine=FlowEngine(clock, composition.build_flows()),
        wiring=wiring,
    )


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    *,
    clock: Clock | None = None,
    on_ready: ReadyHook | None = None,
    services: Services | None = None,
) -> None:
    """Run until ``stop`` is set, in polling or webhook mode as configured."""
    if services is None:
        services = await asyncio.to_thread(open_services, settings, clock)
    app = build_application(services)
    ops = start_ops(settings, services)
    try:
        async with app:
            await app.start()
            try:
                await announce_commands(app)
            except TelegramError:
                log.warning("could not set the command menus; the bot runs without them")
            inbox = Inbox(app, services, settings)
            await inbox.start()
            log.info("bot @%s is running (%s)", app.bot.username, settings.mode.value)
            if on_ready is not None:
                await on_ready(app, services)
            await stop.wait()
            await inbox.stop()
            await app.stop()
    finally:
        if ops is not None:
            await ops.stop()
        await services.db.dispose()


def start_ops(settings: Settings, services: Services) -> OpsServer | None:
    """The operator's port, when ``SAMORDNA_METRICS_PORT`` is set."""
    if settings.metrics_port is None:
        return None
    probe = Probe(
        settings.resolved_database_url,
        services.clock,
        max_lag_seconds=settings.ready_max_lag_seconds,
    )
    server = OpsServer(probe)
    server.start(settings.metrics_listen, settings.metrics_port)
    log.info("health and metrics on %s:%s", settings.metrics_listen, server.port)
    return server
