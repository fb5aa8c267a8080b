"""Staff commands: their profile, the cases of their units, and the admin tasks in chat."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.chat.turn import Turn
from bot.people import cases_chat as cases
from bot.people import staff_chat
from flows.screens import Outcome
from handlers.common import transactional
from handlers.core import PRIVATE


def arguments(update: Update) -> str:
    """What follows the command word."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    return text.partition(" ")[2].strip()


def bot_username(turn: Turn, update: Update) -> str | None:
    """For links: the configured name, else the one Telegram gave the running bot."""
    configured = turn.services.settings.bot_username
    if configured:
        return configured.lstrip("@")
    try:
        return update.get_bot().username
    except RuntimeError:
        return None


async def units(turn: Turn, update: Update) -> Outcome:
    return await staff_chat.list_units(turn)


async def invite_staff(turn: Turn, update: Update) -> Outcome:
    return await staff_chat.invite_colleague(turn, bot_username(turn, update))


async def profile(turn: Turn, update: Update) -> Outcome:
    return await staff_chat.edit_profile(turn)


async def case_list(turn: Turn, update: Update) -> Outcome:
    return await cases.list_cases(turn)


async def case(turn: Turn, update: Update) -> Outcome:
    return await cases.open_case(turn, arguments(update))


async def alias(turn: Turn, update: Update) -> Outcome:
    return await cases.set_alias(turn, arguments(update))


def register(app: Application) -> None:  # type: ignore[type-arg]
    commands = {
        "units": units,
        "invitestaff": invite_staff,
        "profile": profile,
        "cases": case_list,
        "case": case,
        "alias": alias,
    }
    for name, handler in commands.items():
        app.add_handler(CommandHandler(name, transactional(handler), filters=PRIVATE))
