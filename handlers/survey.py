"""/survey for individuals and /results for staff."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.chat.turn import Turn
from bot.survey import invite_chat
from bot.survey import results_chat as survey_results
from flows.screens import Outcome
from handlers.common import transactional
from handlers.core import PRIVATE


async def survey_command(turn: Turn, update: Update) -> Outcome:
    return await invite_chat.survey_command(turn)


async def results_command(turn: Turn, update: Update) -> Outcome:
    return await survey_results.results_command(turn)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("survey", transactional(survey_command), filters=PRIVATE))
    app.add_handler(CommandHandler("results", transactional(results_command), filters=PRIVATE))
