"""The one place that builds the python-telegram-bot ``Application``."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.chat import command_menu
from bot.chat.command_menu import staff_menus
from bot.chat.turn import Services
from bot.http_client import AiohttpRequest
from bot.outbox.send_limits import rate_limiter
from bot.platform.i18n import LANGUAGE_NAMES, N_, Translator, pick_locale, translator
from bot.scheduler import schedule
from handlers.common import SERVICES_KEY
from handlers.setup import register_all

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = N_(
    "Something went wrong on our side. What you answered before is saved. "
    "Please try again in a moment."
)


def build_application(
    services: Services, *, connect_timeout: float = 5.0, read_timeout: float = 10.0
) -> Application:  # type: ignore[type-arg]
    settings = services.settings
    token = settings.token
    if not token:
        raise ValueError("a Telegram token is needed to build the application")
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.resolved_file_url)
        .rate_limiter(rate_limiter(settings, services.db))
        .concurrent_updates(settings.concurrent_updates)
        .request(
            AiohttpRequest(
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                write_timeout=read_timeout,
            )
        )
        .get_updates_request(
            AiohttpRequest(
                connections=1,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout + 30,
                write_timeout=read_timeout,
            )
        )
        .build()
    )
    app.bot_data[SERVICES_KEY] = services
    register_all(app)
    app.add_error_handler(_on_error)
    schedule(app, services)
    return app


async def announce_commands(app: Application) -> None:  # type: ignore[type-arg]
    """The individuals' menu for everyone (per language); staff chats get their own, in the
    background so a large city's staff list does not hold up the start."""
    services: Services = app.bot_data[SERVICES_KEY]
    for code in LANGUAGE_NAMES:
        tr = translator(code, services.settings.timezone)
        await app.bot.set_my_commands(_menu(command_menu.INDIVIDUAL, tr), language_code=code)
    default = translator(services.settings.default_locale, services.settings.timezone)
    await app.bot.set_my_commands(_menu(command_menu.INDIVIDUAL, default))
    app.create_task(_staff_menus(app, services), name="staff-menus")


def _menu(menu: str, tr: Translator) -> list[BotCommand]:
    return [BotCommand(name, text) for name, text in command_menu.commands(menu, tr)]


async def _staff_menus(app: Application, services: Services) -> None:  # type: ignore[type-arg]
    async with services.db.transaction() as session:
        chats = await staff_menus(session)
    for chat_id, menu, locale in chats:
        try:
            tr = translator(locale, services.settings.timezone)
            await app.bot.set_my_commands(_menu(menu, tr), scope=BotCommandScopeChat(chat_id))
        except TelegramError:
            log.warning("could not set the staff menu for one chat", exc_info=True)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with the traceback; tell a private chat in one calm line, never the traceback."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private" or isinstance(context.error, Forbidden):
        return
    services: Services = context.application.bot_data[SERVICES_KEY]
    user = update.effective_user
    locale = pick_locale(user.language_code if user else None, services.settings.default_locale)
    try:
        await context.bot.send_message(
            update.effective_chat.id, services.tr(locale).gettext(SOMETHING_WENT_WRONG)
        )
        if update.callback_query is not None:
            await update.callback_query.answer()
    except Exception:
        log.warning("could not tell the user about the error", exc_info=True)
