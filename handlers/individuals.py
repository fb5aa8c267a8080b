"""Commands about individuals: staff invite one; an individual sees their consent and data."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.chat.turn import Turn
from bot.people import consent_view_chat, individuals_chat, mydata_chat
from flows.screens import Outcome
from handlers.common import transactional
from handlers.core import PRIVATE
from handlers.staff import bot_username


async def invite(turn: Turn, update: Update) -> Outcome:
    return await individuals_chat.invite_menu(turn, bot_username(turn, update))


async def consent_command(turn: Turn, update: Update) -> Outcome:
    return await consent_view_chat.show(turn)


async def my_data(turn: Turn, update: Update) -> Outcome:
    return await mydata_chat.show(turn)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("invite", transactional(invite), filters=PRIVATE))
    app.add_handler(CommandHandler("consent", transactional(consent_command), filters=PRIVATE))
    app.add_handler(CommandHandler("mydata", transactional(my_data), filters=PRIVATE))
