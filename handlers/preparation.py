"""/prepare for the individual and /summary for staff; the work is in bot.preparation.service."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.chat.turn import Turn
from bot.preparation import chat as preparation
from bot.preparation import summary_chat
from flows.screens import Outcome
from handlers.common import transactional

PRIVATE = filters.ChatType.PRIVATE


async def prepare(turn: Turn, update: Update) -> Outcome:
    return await preparation.prepare(turn)


async def summary(turn: Turn, update: Update) -> Outcome:
    return await summary_chat.listing(turn)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("prepare", transactional(prepare), filters=PRIVATE))
    app.add_handler(CommandHandler("summary", transactional(summary), filters=PRIVATE))
