"""First contact, language choice and help: what everyone meets before any role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select

from bot.chat import access, profiles
from bot.chat.turn import Turn
from bot.models import StaffMembership, Unit
from bot.platform.i18n import LANGUAGE_NAMES, N_, Translator, pick_locale
from bot.platform.wiring import mark
from flows import texts as flow_texts
from flows.screens import Button, Outcome, Screen

LANGUAGE_PREFIX = "l:"

CHOOSE_LANGUAGE = N_("Which language do you want me to use?")
LANGUAGE_SET = N_("I will write in English from now on.")
WELCOME = N_(
    "Hi! I am Samordna. I help with meetings between you, social services and health care: "
    "finding a time, reminders, and getting ready for a meeting.\n\n"
    "If someone at a unit gave you a link, open it to get started. /help shows what I can do."
)
WELCOME_STAFF = N_("Hi! You work at {units}. /help shows what you can do.")
WELCOME_INDIVIDUAL = N_(
    "Hi again! /consent shows your consent, /mydata what I store about you, and /help the "
    "phone numbers of your units."
)
HELP = N_(
    "What I can do:\n"
    "/prepare – get ready for a meeting\n"
    "/resume – go on where you left off\n"
    "/language – change language\n"
    "/help – this text"
)
UNKNOWN_TEXT = N_("I did not understand that. /help shows what I can do.")
GROUPS_ONLY_PRIVATE = N_("I only work in private chats. Please write to me directly.")
BAD_LANGUAGE = N_("That language is not available.")
NOTHING_TO_RESUME = N_("There is nothing to go on with right now.")

StartPayloadHandler = Callable[[Turn, str], Awaitable[Outcome | None]]
HelpSection = Callable[[Turn], Awaitable[list[str]]]
START_PAYLOAD = "start_payload"
HELP_SECTION = "help_section"


def start_payload(handler: StartPayloadHandler) -> StartPayloadHandler:
    """Mark a handler for ``/start <payload>`` deep links; the first that answers wins."""
    return mark(START_PAYLOAD, "")(handler)


def help_section(section: HelpSection) -> HelpSection:
    """Mark lines that /help adds for this person, such as their units' phone numbers."""
    return mark(HELP_SECTION, "")(section)


def language_menu(turn: Turn, *, welcome: bool = False, intro: str | None = None) -> Outcome:
    """Language buttons; the current (or Telegram's) language is marked as pre-selected."""
    current = turn.tr.locale if turn.language_known else pick_locale(turn.telegram_language)
    suffix = ":w" if welcome else ""
    choices = [
        Button(("✓ " if code == current else "") + name, f"{LANGUAGE_PREFIX}{code}{suffix}")
        for code, name in LANGUAGE_NAMES.items()
    ]
    text = turn.tr.gettext(CHOOSE_LANGUAGE)
    if intro:
        text = f"{intro}\n\n{text}"
    return Outcome([Screen(text, [choices])], replace=False)


async def start(turn: Turn, payload: str) -> Outcome:
    if payload:
        handlers: list[StartPayloadHandler] = turn.services.wiring.all(START_PAYLOAD, "")
        for handler in handlers:
            outcome = await handler(turn, payload)
            if outcome is not None:
                return outcome
    if not turn.language_known:
        await profiles.remember(turn.session, turn.clock, turn.telegram_id, turn.tr.locale)
        return language_menu(turn, welcome=True)
    return Outcome.message(await welcome(turn, turn.tr))


async def welcome(turn: Turn, tr: Translator) -> str:
    """Staff and individuals are greeted with what they can do; anyone else with what I am."""
    member = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if member is not None:
        names = await turn.session.scalars(
            select(Unit.name)
            .join(StaffMembership, StaffMembership.unit_id == Unit.id)
            .where(StaffMembership.staff_id == member.id)
            .order_by(Unit.name)
        )
        return tr.gettext(WELCOME_STAFF).format(units=tr.join(list(names)))
    if await access.individual_by_telegram(turn.session, turn.telegram_id) is not None:
        return tr.gettext(WELCOME_INDIVIDUAL)
    return tr.gettext(WELCOME)


async def choose_language(turn: Turn, data: str) -> Outcome:
    code, _, flag = data.removeprefix(LANGUAGE_PREFIX).partition(":")
    if code not in LANGUAGE_NAMES:
        return Outcome(toast=turn.tr.gettext(BAD_LANGUAGE), replace=False)
    await profiles.remember(turn.session, turn.clock, turn.telegram_id, code)
    tr = turn.services.tr(code)
    text = tr.gettext(LANGUAGE_SET)
    if flag == "w":
        text = f"{text}\n\n{await welcome(turn, tr)}"
    return Outcome([Screen(text)])


async def help_text(turn: Turn) -> Outcome:
    lines = [turn.tr.gettext(HELP)]
    sections: list[HelpSection] = turn.services.wiring.all(HELP_SECTION, "")
    for section in sections:
        extra = await section(turn)
        if extra:
            lines += ["", *extra]
    lines += ["", turn.tr.gettext(flow_texts.NOT_WATCHED)]
    return Outcome.message("\n".join(lines))
