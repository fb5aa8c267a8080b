"""What every handler shares: one transaction per update, duplicate updates ignored, rendering.

A handler is a plain ``async def(turn, update) -> Outcome``; :func:`transactional` wraps it
into a python-telegram-bot callback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.chat import command_menu, update_ids
from bot.chat.turn import Services, Turn
from bot.models import ProcessedUpdate
from bot.platform.i18n import pick_locale, translator
from flows.screens import Outcome, Screen

log = logging.getLogger(__name__)

SERVICES_KEY = "services"
ATTEMPTS = 3


TurnHandler = Callable[[Turn, Update], Awaitable[Outcome | None]]
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services: Services = context.application.bot_data[SERVICES_KEY]
    return services


def transactional(handler: TurnHandler) -> Callback:
    """Run ``handler`` in one transaction, then send what it returned.

    The update id is stored in the same transaction, so a redelivered update has no effect,
    and its inbox row is marked handled with it.
    A concurrent change to the same flow state (another process, a double tap) is retried,
    and so is a transaction whose connection the database server had dropped.
    """

    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None:
            return
        services = services_of(context)
        outcome: Outcome | None = None
        for attempt in range(ATTEMPTS):
            try:
                async with services.db.transaction() as session:
                    now = services.clock.now()
                    first = await update_ids.take(session, update.update_id, user.id, now)
                    if first is None:
                        await _acknowledge(update)
                        return
                    stored = first.language
                    locale = stored or pick_locale(
                        user.language_code, services.settings.default_locale
                    )
                    turn = Turn(
                        session,
                        services,
                        services.tr(locale),
                        user.id,
                        stored is not None,
                        user.language_code,
                    )
                    outcome = await handler(turn, update)
                break
            except StaleDataError:
                log.info("update %s raced another change; retrying", update.update_id)
                if attempt == ATTEMPTS - 1:
                    raise
            except IntegrityError:
                if await _was_processed(services, update.update_id):
                    await _acknowledge(update)
                    return
                raise
            except DBAPIError as exc:
                if not exc.connection_invalidated or attempt == ATTEMPTS - 1:
                    raise
                log.info("the database connection was lost; update %s again", update.update_id)
        if outcome is not None:
            await deliver(update, outcome, turn.tr.locale)

    return callback


async def _was_processed(services: Services, update_id: int) -> bool:
    async with services.db.transaction() as session:
        return await session.get(ProcessedUpdate, update_id) is not None


async def _acknowledge(update: Update) -> None:
    """A press handled before may have been answered before: Telegram then refuses a second."""
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except BadRequest as exc:
            log.info("a repeated press was answered before (%s)", exc.message)


def keyboard(screen: Screen) -> dict[str, Any] | None:
    """The screen's buttons as the Bot API's ``reply_markup``."""
    if not screen.buttons:
        return None
    rows = [[{"text": b.text, "callback_data": b.data} for b in row] for row in screen.buttons]
    return {"inline_keyboard": rows}


async def _call(bot: Bot, method: str, data: dict[str, Any]) -> None:
    """A Bot API call whose answer nobody reads: python-telegram-bot's request path (its
    rate limiter, its errors), without making objects of the keyboard and of the message
    Telegram sends back, a good part of the work of each screen. ``_post`` is
    python-telegram-bot's internal request method (the poller uses it too)."""
    await bot._post(method, data)


async def deliver(update: Update, outcome: Outcome, locale: str | None = None) -> None:
    """Show the outcome; for a button press, the reply is rendered before the press is answered."""
    query = update.callback_query
    screens = list(outcome.screens)
    if query is not None and outcome.replace and screens and isinstance(query.message, Message):
        first = screens.pop(0)
        try:
            message = query.message
            await _call(
                update.get_bot(),
                "editMessageText",
                {
                    "chat_id": message.chat_id,
                    "message_id": message.message_id,
                    "text": first.text,
                    "reply_markup": keyboard(first),
                },
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                # The message is gone or too old to edit: show the screen as a new message.
                log.info("could not edit the pressed message (%s); sending anew", exc.message)
                screens.insert(0, first)
    chat = update.effective_chat
    for screen in screens:
        if chat is not None:
            await send_screen(update, chat.id, screen)
    if outcome.menu is not None and chat is not None:
        await _set_menu(update, chat.id, outcome.menu, locale or pick_locale(None))
    if query is not None:
        try:
            await query.answer(outcome.toast or None)
        except BadRequest as exc:
            # Delivered again while this handling was between its commit and this answer,
            # another process answered the press first; the screen above is shown already.
            log.info("the press was answered before (%s)", exc.message)


async def _set_menu(update: Update, chat_id: int, menu: str, locale: str) -> None:
    """Show this chat the commands of its role, in its language."""
    bot = update.get_bot()
    tr = translator(locale)
    commands = [BotCommand(name, text) for name, text in command_menu.commands(menu, tr)]
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
    except TelegramError:
        log.warning("could not set the command menu of a chat", exc_info=True)


async def send_screen(update: Update, chat_id: int, screen: Screen) -> None:
    bot = update.get_bot()
    if screen.attachment is not None:
        filename, content, is_photo = screen.attachment
        if is_photo:
            await bot.send_photo(chat_id, content, caption=screen.text or None, filename=filename)
        else:
            await bot.send_document(
                chat_id, content, caption=screen.text or None, filename=filename
            )
        return
    data = {"chat_id": chat_id, "text": screen.text, "reply_markup": keyboard(screen)}
    await _call(bot, "sendMessage", data)
