"""Messages without text in a private chat: photos, stickers, voice, files, places, contacts."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.chat.turn import Turn
from bot.platform.i18n import N_
from flows import non_text
from flows.screens import Outcome, Screen
from handlers.common import transactional

ONLY_TEXT = N_("I can only read text you type. /help shows what I can do.")
# New messages only (edits are not answers) that carry no text and are not service messages.
NOT_TEXT = (
    filters.ChatType.PRIVATE
    & filters.UpdateType.MESSAGE
    & ~filters.TEXT
    & ~filters.StatusUpdate.ALL
)


async def attachment(turn: Turn, update: Update) -> Outcome:
    outcome = await non_text.answer(turn.services.engine, turn.session, turn.telegram_id, turn.tr)
    return outcome or Outcome([Screen(turn.tr.gettext(ONLY_TEXT))], replace=False)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(NOT_TEXT, transactional(attachment)))
