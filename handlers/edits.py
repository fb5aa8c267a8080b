"""Edited messages: never read as an answer, so an old message changed later cannot answer
the step the person is at now. The person is told, in one line, to send the text again."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, MessageHandler, filters

from bot.chat.turn import Turn
from bot.platform.i18n import N_
from flows.screens import Outcome, Screen
from handlers.common import transactional

EDITS_NOT_READ = N_("I do not read edited messages. Please send the text again as a new message.")


async def edited(turn: Turn, update: Update) -> Outcome:
    return Outcome([Screen(turn.tr.gettext(EDITS_NOT_READ))], replace=False)


_answer = transactional(edited)


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer, then stop every later handler (the text and command handlers see edits too)."""
    await _answer(update, context)
    raise ApplicationHandlerStop


def register(app: Application) -> None:  # type: ignore[type-arg]
    private_edits = filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private_edits, on_edit), group=-2)
