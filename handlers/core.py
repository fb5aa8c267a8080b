"""Commands everyone has, typed answers, and the router for every button press."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.chat import actions, audit, buttons, onboarding, recovery
from bot.chat.turn import Turn
from bot.nudges import asks_chat
from flows.engine import ForeignButton
from flows.screens import Outcome, Screen
from handlers.common import transactional

PRIVATE = filters.ChatType.PRIVATE


async def start(turn: Turn, update: Update) -> Outcome:
    message = update.effective_message
    text = message.text if message and message.text else ""
    payload = text.partition(" ")[2].strip()
    return await onboarding.start(turn, payload)


async def help_command(turn: Turn, update: Update) -> Outcome:
    return await asks_chat.help_with_choices(turn)


async def ask(turn: Turn, update: Update) -> Outcome:
    return await asks_chat.ask_menu(turn)


async def language(turn: Turn, update: Update) -> Outcome:
    return onboarding.language_menu(turn)


async def resume(turn: Turn, update: Update) -> Outcome:
    outcome = await recovery.resume(turn)
    return outcome or Outcome([Screen(turn.tr.gettext(onboarding.NOTHING_TO_RESUME))])


async def text(turn: Turn, update: Update) -> Outcome:
    message = update.effective_message
    typed = message.text if message and message.text else ""
    outcome = await turn.services.engine.on_text(turn.session, turn.telegram_id, typed, turn.tr)
    return outcome or await asks_chat.not_understood(turn)


async def button(turn: Turn, update: Update) -> Outcome:
    query = update.callback_query
    data = query.data if query and query.data else ""
    if data.startswith(onboarding.LANGUAGE_PREFIX):
        return await onboarding.choose_language(turn, data)
    if data.startswith("f:"):
        try:
            return await turn.services.engine.on_button(
                turn.session, turn.telegram_id, data, turn.tr
            )
        except ForeignButton as foreign:
            audit.record(
                turn.session,
                turn.clock,
                "button_refused",
                actor="telegram-account",
                flow_state=foreign.state_id,
            )
            return Outcome(toast=turn.tr.gettext(actions.REFUSALS[buttons.Refusal.FOREIGN]))
    return await actions.dispatch(turn, data)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", transactional(start), filters=PRIVATE))
    app.add_handler(CommandHandler("help", transactional(help_command), filters=PRIVATE))
    app.add_handler(CommandHandler("ask", transactional(ask), filters=PRIVATE))
    app.add_handler(CommandHandler("language", transactional(language), filters=PRIVATE))
    app.add_handler(CommandHandler("resume", transactional(resume), filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(transactional(button)))


def register_fallbacks(app: Application) -> None:  # type: ignore[type-arg]
    """Last in the group, so they only see what no command handler took."""
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, transactional(text)))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, transactional(unknown)))


async def unknown(turn: Turn, update: Update) -> Outcome:
    return await asks_chat.not_understood(turn)
