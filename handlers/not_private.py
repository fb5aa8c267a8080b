"""Groups and channels: the bot works in private chats only.

In a group it says so once and leaves, so nobody's messages there keep reaching it; in a
channel it says nothing (a post there would go to every subscriber) and leaves. Telegram may
refuse either step (the chat is gone, the bot was removed): that is one log line, never a
traceback, and nothing about the chat or its people goes to the log. The update's id is stored
before the answer is sent, as every handler does, so the same update handled again after a
crash or by another process is not answered twice.
"""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, MessageHandler, filters

from bot.chat import onboarding, update_ids
from bot.platform.i18n import pick_locale
from handlers.common import services_of

log = logging.getLogger(__name__)

ANSWERED_KEY = "not_private_answered"
LEAVING_KEY = "not_private_leaving"
REMEMBERED = 1000  # chats remembered per process; a bound so a flood cannot grow memory


def _remembered(context: ContextTypes.DEFAULT_TYPE, key: str) -> set[int]:
    chats: set[int] = context.application.bot_data.setdefault(key, set())
    if len(chats) > REMEMBERED:
        chats.clear()
    return chats


async def not_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a group once, leave any group or channel, and stop every other handler."""
    chat = update.effective_chat
    if chat is None:
        raise ApplicationHandlerStop
    leaving = _remembered(context, LEAVING_KEY)
    if chat.id in leaving:
        raise ApplicationHandlerStop
    leaving.add(chat.id)
    answered = _remembered(context, ANSWERED_KEY)
    if chat.type != Chat.CHANNEL and update.message is not None and chat.id not in answered:
        answered.add(chat.id)
        services = services_of(context)
        if await update_ids.take_alone(services.db, update.update_id, services.clock.now()):
            await _answer(update, context, chat)
    try:
        await context.bot.leave_chat(chat.id)
    except TelegramError as exc:
        leaving.discard(chat.id)  # try again on the chat's next update
        log.warning("could not leave a %s chat: %s", chat.type, exc)
    raise ApplicationHandlerStop


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: Chat) -> None:
    services = services_of(context)
    user = update.effective_user
    locale = pick_locale(user.language_code if user else None, services.settings.default_locale)
    try:
        await context.bot.send_message(
            chat.id, services.tr(locale).gettext(onboarding.GROUPS_ONLY_PRIVATE)
        )
    except TelegramError as exc:
        log.warning("could not answer in a %s chat: %s", chat.type, exc)


def register(app: Application) -> None:  # type: ignore[type-arg]
    groups = filters.ChatType.GROUPS | filters.ChatType.CHANNEL
    app.add_handler(MessageHandler(groups, not_private), group=-1)
