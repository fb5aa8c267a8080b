"""Starting and stopping the bot: the same code path for production, the demo and the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import composition, migrate, webhook_guard
from bot.app import announce_commands, build_application
from bot.chat.turn import Services
from bot.platform.clock import Clock, SystemClock
from bot.platform.config import Mode, Settings
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
    try:
        async with app:
            await app.start()
            try:
                await announce_commands(app)
            except TelegramError:
                log.warning("could not set the command menus; the bot runs without them")
            await _start_updates(app, settings)
            log.info("bot @%s is running (%s)", app.bot.username, settings.mode.value)
            if on_ready is not None:
                await on_ready(app, services)
            await stop.wait()
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            await app.stop()
    finally:
        await services.db.dispose()


async def _start_updates(app: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    updater = app.updater
    if updater is None:
        raise RuntimeError("the application was built without an updater")
    if settings.mode is Mode.WEBHOOK:
        url = settings.webhook_url or ""
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        await updater.start_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(url).path.lstrip("/"),
            webhook_url=url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
        webhook_guard.guard(updater, urlsplit(url).path)
    else:
        await updater.start_polling(poll_interval=0.0, timeout=20, allowed_updates=Update.ALL_TYPES)
