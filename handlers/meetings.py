"""Meeting commands: /gfi and /book for staff, /meetings for staff and individuals."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.chat.turn import Turn
from bot.meetings import booked_chat as meeting_actions
from bot.meetings import request_chat
from bot.models.meetings import MeetingType
from flows.screens import Outcome
from handlers.common import transactional
from handlers.core import PRIVATE


async def gfi(turn: Turn, update: Update) -> Outcome:
    return await request_chat.begin(turn, MeetingType.GFI)


async def book(turn: Turn, update: Update) -> Outcome:
    return await request_chat.choose_type(turn)


async def meetings(turn: Turn, update: Update) -> Outcome:
    return await meeting_actions.my_meetings(turn)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("gfi", transactional(gfi), filters=PRIVATE))
    app.add_handler(CommandHandler("book", transactional(book), filters=PRIVATE))
    app.add_handler(CommandHandler("meetings", transactional(meetings), filters=PRIVATE))
