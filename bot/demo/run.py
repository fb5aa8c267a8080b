"""The offline demo: the real bot against the built-in Bot API test double, chatted with here."""

from __future__ import annotations

import asyncio
import logging

from pydantic import SecretStr

from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.demo import people
from bot.demo.console import run_console
from bot.platform.config import Mode, Settings
from bot.platform.i18n import N_, translator
from bot.platform.private_files import private_dir
from bot.runner import open_services, serve

DEMO_USER_ID = 1001
DEMO_HEADER = N_(
    "Offline demo: you are a Telegram user talking to the bot. Type a message, or the number "
    "of a button. /quit to leave."
)


def demo_settings(settings: Settings, double: BotApiDouble) -> Settings:
    database = settings.database_url or f"sqlite:///{(settings.data_dir / 'demo.db').as_posix()}"
    return settings.model_copy(
        update={
            "telegram_token": SecretStr(double.token),
            "api_base_url": double.base_url,
            "api_base_file_url": double.base_file_url,
            "mode": Mode.POLLING,
            "database_url": database,
        }
    )


async def run_demo(settings: Settings) -> None:
    private_dir(settings.data_dir)
    _log_to_file(settings)
    with BotApiDouble() as double:
        settings = demo_settings(settings, double)
        services = await asyncio.to_thread(open_services, settings)
        tr = translator(settings.default_locale, settings.timezone)
        lines = [tr.gettext(DEMO_HEADER)]
        lines += await people.seed_people(services, DEMO_USER_ID)
        stop = asyncio.Event()
        ready = asyncio.Event()

        async def on_ready(_app: object, _services: Services) -> None:
            ready.set()

        server = asyncio.create_task(serve(settings, stop, services=services, on_ready=on_ready))
        await asyncio.wait(
            {server, asyncio.create_task(ready.wait())}, return_when="FIRST_COMPLETED"
        )
        if server.done():
            await server
        user = double.user(DEMO_USER_ID, first_name="Demo", language_code=settings.default_locale)
        try:
            await run_console(double, user, header="\n".join(lines))
        finally:
            stop.set()
            await server


def _log_to_file(settings: Settings) -> None:
    """The terminal is the chat; logs go to a file beside the demo database."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(settings.data_dir / "demo.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
