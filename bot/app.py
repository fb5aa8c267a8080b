"""The one place that builds the python-telegram-bot ``Application``."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.error import Forbidden
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from bot.i18n import LANGUAGE_NAMES, N_, pick_locale, translator
from bot.runtime import Services
from bot.scheduler import schedule
from handlers.common import SERVICES_KEY
from handlers.setup import register_all

log = logging.getLogger(__name__)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start")),
    ("prepare", N_("Get ready for a meeting")),
    ("resume", N_("Go on where you left off")),
    ("language", N_("Change language")),
    ("help", N_("Help and phone numbers")),
)
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
        .rate_limiter(AIORateLimiter(overall_max_rate=30, overall_time_period=1, max_retries=2))
        .concurrent_updates(settings.concurrent_updates)
        .connect_timeout(connect_timeout)
        .read_timeout(read_timeout)
        .write_timeout(read_timeout)
        .get_updates_read_timeout(read_timeout + 30)
        .post_init(_post_init)
        .build()
    )
    app.bot_data[SERVICES_KEY] = services
    register_all(app)
    app.add_error_handler(_on_error)
    schedule(app, services)
    return app


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    services: Services = app.bot_data[SERVICES_KEY]
    for code in LANGUAGE_NAMES:
        tr = translator(code, services.settings.timezone)
        commands = [BotCommand(name, tr.gettext(text)) for name, text in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=code)
    default = translator(services.settings.default_locale, services.settings.timezone)
    await app.bot.set_my_commands([BotCommand(n, default.gettext(t)) for n, t in COMMANDS])


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
