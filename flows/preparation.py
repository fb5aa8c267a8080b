"""Förmöte: the individual's own preparation before a meeting, as buttons on a phone.

Answers are codes so the coordinator can read the summary in their own language. The flow is
started with the context ``meeting_id``, ``unit_options`` (the units already involved, by
name), ``coordinator`` (who gets the answers) and ``shares`` (whether the consent lets them go
to the coordinator); without a meeting the answers are only kept in the flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.platform.i18n import N_
from flows.model import AnswerKind, Answers, Flow, Option, Step

if TYPE_CHECKING:
    from bot.platform.i18n import Translator

NAME = "preparation"
VERSION = 2

MEETING_CIRCLE = N_(
    "This is how the meeting usually goes:\n"
    "1. Everyone says who they are.\n"
    "2. You tell how things are for you, first.\n"
    "3. Each unit tells what it sees and can offer.\n"
    "4. Together you agree on goals.\n"
    "5. You agree who does what, and when.\n"
    "6. You agree what happens if something stops working.\n"
    "7. You agree when to check how it went.\n\n"
    "Now a few questions, so the meeting is about what matters to you. "
    "You answer with buttons. You can go back, pause or stop at any time."
)

TOPICS = (
    Option("housing", N_("Housing")),
    Option("money", N_("Money")),
    Option("work", N_("Work or daily activity")),
    Option("substances", N_("Alcohol or drugs")),
    Option("mental_health", N_("Mental health")),
    Option("physical_health", N_("Physical health")),
    Option("family", N_("Family and people close to me")),
    Option("legal", N_("Legal matters")),
    Option("other", N_("Something else")),
)

GOALS = (
    Option("plan", N_("A clear plan: who does what, and when")),
    Option("know_people", N_("To meet the people who can help me")),
    Option("learn_offer", N_("To hear what the units can offer")),
    Option("specific_help", N_("Help with one specific thing")),
    Option("unsure", N_("I'm not sure yet")),
)

PEOPLE = (
    Option("close_person", N_("Someone close to me")),
    Option("support_person", N_("A support person")),
    Option("unsure", N_("I'm not sure, help me decide")),
)

NEEDS = (
    Option("interpreter", N_("An interpreter")),
    Option("place_unit", N_("Meet at the unit")),
    Option("place_home", N_("Meet at home")),
    Option("video", N_("Video meeting")),
    Option("phone", N_("Phone meeting")),
    Option("morning", N_("Morning is best")),
    Option("afternoon", N_("Afternoon is best")),
    Option("breaks", N_("Breaks during the meeting")),
    Option("bring_someone", N_("Bring someone with me")),
    Option("other", N_("Something else")),
    Option("nothing", N_("Nothing special")),
)

LANGUAGES = (
    Option("ar", N_("Arabic")),
    Option("so", N_("Somali")),
    Option("ti", N_("Tigrinya")),
    Option("prs", N_("Dari")),
    Option("fa", N_("Persian")),
    Option("ku", N_("Kurdish")),
    Option("bs", N_("Bosnian, Croatian or Serbian")),
    Option("pl", N_("Polish")),
    Option("uk", N_("Ukrainian")),
    Option("ru", N_("Russian")),
    Option("fi", N_("Finnish")),
    Option("other", N_("Another language")),
)

CONTACT = (
    Option("telegram", N_("Here in the chat")),
    Option("phone_call", N_("A phone call")),
    Option("sms", N_("A text message (SMS)")),
    Option("letter", N_("A letter")),
)

SAVE = N_("Save my answers")
SEND_TO = N_("Send to {name}")
DONE_TEXT = N_("Thank you. Your answers are saved.")


def _after_needs(answers: Answers) -> str:
    return "language" if "interpreter" in (answers.get("needs") or []) else "contact"


def _after_language(answers: Answers) -> str:
    return "language_other" if answers.get("language") == "other" else "contact"


def on_path(answers: Answers) -> dict[str, Any]:
    """The answers without those a changed answer made irrelevant (no interpreter, no language)."""
    kept = dict(answers)
    if "interpreter" not in (kept.get("needs") or []):
        kept.pop("language", None)
    if kept.get("language") != "other":
        kept.pop("language_other", None)
    return kept


def finish_label(context: Mapping[str, Any], tr: Translator) -> str:
    """'Send to <coordinator>' when the consent covers sharing; otherwise the answers stay."""
    coordinator = context.get("coordinator")
    if context.get("shares") and isinstance(coordinator, str) and coordinator:
        return tr.gettext(SEND_TO).format(name=coordinator)
    return tr.gettext(SAVE)


PREPARATION = Flow(
    name=NAME,
    version=VERSION,
    title=N_("Preparing for your meeting"),
    steps=(
        Step("circle", MEETING_CIRCLE, AnswerKind.INFO, title=N_("How the meeting goes")),
        Step(
            "topics",
            N_("What is most important for you to talk about? Choose one or more."),
            AnswerKind.MULTI,
            title=N_("Important to talk about"),
            options=TOPICS,
            columns=2,
        ),
        Step(
            "goal",
            N_("What do you want to get out of the meeting?"),
            AnswerKind.CHOICE,
            title=N_("What I want from the meeting"),
            options=GOALS,
        ),
        Step(
            "people",
            N_("Who do you want at the meeting? Choose one or more."),
            AnswerKind.MULTI,
            title=N_("Who I want there"),
            options=PEOPLE,
            context_options="unit_options",
        ),
        Step(
            "needs",
            N_("What do you need to be able to take part? Choose one or more."),
            AnswerKind.MULTI,
            title=N_("What I need to take part"),
            options=NEEDS,
            columns=2,
            next=_after_needs,
        ),
        Step(
            "language",
            N_("Which language should the interpreter speak?"),
            AnswerKind.CHOICE,
            title=N_("Interpreter language"),
            options=LANGUAGES,
            columns=2,
            next=_after_language,
        ),
        Step(
            "language_other",
            N_("Which language? Write it in a word or two."),
            AnswerKind.TEXT,
            title=N_("Other language"),
            max_length=40,
            skippable=True,
        ),
        Step(
            "contact",
            N_("How do you want us to contact you about the meeting?"),
            AnswerKind.CHOICE,
            title=N_("How to contact me"),
            options=CONTACT,
        ),
        Step(
            "note",
            N_(
                "Is there anything else you want the others to know before the meeting? "
                "Please do not write names, personal identity numbers or diagnoses."
            ),
            AnswerKind.TEXT,
            title=N_("Anything else"),
            max_length=300,
            skippable=True,
        ),
    ),
    done_text=DONE_TEXT,
    review=True,
    review_intro=N_("Here are your answers. You can change any of them before you finish."),
    finish_label=SAVE,
    finish_label_for=finish_label,
)
