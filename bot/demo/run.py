"""The terminal demo: the real bot against the built-in Bot API double, chatted with here.

The demo database is kept between runs, so the double numbers its updates above the highest
update id the bot has stored: a bot ignores an update id it has handled before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from pydantic import SecretStr

from bot.bot_api_double import BotApiDouble, UserHandle
from bot.chat import profiles
from bot.chat.turn import Services
from bot.demo import people
from bot.demo.console import Words, run_console
from bot.platform.clock import Clock
from bot.platform.config import Mode, Settings
from bot.platform.i18n import N_, translator
from bot.platform.private_files import private_dir
from bot.runner import open_services, serve

DEMO_HEADER = N_(
    "Offline demo: you are a Telegram user talking to the bot. Type a message, or the number "
    "of a button. /quit to leave."
)
SWITCH_HINT = N_("You are Anna. /as anna, /as sofia, /as rikard or /as admin switches person.")
NOW_YOU_ARE = N_("You are now {name} ({role}).")
EDITED = N_("(edited)")
NO_BUTTON = N_("(no button {number})")
OWN_DATABASE = N_("The demo uses its own database, {path}; SAMORDNA_DATABASE_URL is not used.")


def demo_settings(
    settings: Settings, double: BotApiDouble, database_url: str | None = None
) -> Settings:
    """The demo's own database (``data/demo.db``), never the configured one."""
    database = database_url or f"sqlite:///{(settings.data_dir / 'demo.db').as_posix()}"
    return settings.model_copy(
        update={
            "telegram_token": SecretStr(double.token),
            "api_base_url": double.base_url,
            "api_base_file_url": double.base_file_url,
            "mode": Mode.POLLING,
            "database_url": database,
        }
    )


@contextlib.asynccontextmanager
async def demo_bot(
    settings: Settings, double: BotApiDouble, *, clock: Clock | None = None
) -> AsyncIterator[tuple[Services, people.Seeded]]:
    """The bot running against ``double`` (already started), with the cast seeded."""
    services = await asyncio.to_thread(open_services, settings, clock)
    seeded = await people.seed_people(services)
    double.continue_update_ids_after(await people.last_update_id(services))
    for person in people.CAST:
        double.user(
            person.telegram_id,
            first_name=person.first_name,
            language_code=settings.default_locale,
        )
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def on_ready(_app: object, _services: Services) -> None:
        ready.set()

    server = asyncio.create_task(serve(settings, stop, services=services, on_ready=on_ready))
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait({server, waiting}, return_when="FIRST_COMPLETED")
    if server.done():
        waiting.cancel()
        await server
    try:
        yield services, seeded
    finally:
        stop.set()
        await server


async def run_demo(settings: Settings) -> None:
    tr = translator(settings.default_locale, settings.timezone)
    if settings.database_url:
        print(tr.gettext(OWN_DATABASE).format(path=settings.data_dir / "demo.db"))
    private_dir(settings.data_dir)
    log_to_file(settings.data_dir / "demo.log")
    with BotApiDouble() as double:
        settings = demo_settings(settings, double)
        async with demo_bot(settings, double) as (services, seeded):
            lines = [tr.gettext(DEMO_HEADER), tr.gettext(SWITCH_HINT)]
            lines += seeded.lines(settings.default_locale, settings.timezone)
            handles = {person.key: double.user(person.telegram_id) for person in people.CAST}

            def switched(key: str) -> str:
                person = people.BY_KEY[key]
                return tr.gettext(NOW_YOU_ARE).format(
                    name=person.name, role=tr.gettext(person.role)
                )

            async def words(user: UserHandle) -> Words:
                return await console_words(services, user, settings)

            await run_console(
                double,
                handles[people.ANNA.key],
                header="\n".join(lines),
                others=handles,
                switched=switched,
                words=words,
            )


async def console_words(services: Services, user: UserHandle, settings: Settings) -> Words:
    """The console's markers in the language the person chose in the bot (else the default)."""
    async with services.db.transaction() as session:
        chosen = await profiles.language_of(session, user.user_id)
    tr = translator(chosen or settings.default_locale, settings.timezone)
    return Words(edited=tr.gettext(EDITED), no_button=tr.gettext(NO_BUTTON))


def log_to_file(path: Path) -> None:
    """The terminal (or the page) is the chat; logs go to a file beside the demo database."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
