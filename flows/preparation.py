"""Förmöte: the individual's own preparation before a meeting, as buttons on a phone.

Each meeting has its own shape: a GFI is explained in plain words (meet, tell, listen,
nothing has to be decided) and asks what the person wants to tell and to know; a SIP meeting
goes through the whole mötescirkel; a follow-up asks what has worked and what has not. All
three ask who should come (kinds of people and the units in the case), what the person needs
to take part, and how to reach them.

Answers are codes so staff can read them in their own language. A flow is started with the
context ``meeting_id``, ``unit_options`` (the units of the case, by name), ``coordinator``
(who gets the answers), ``shares`` (whether the consent lets them go to staff) and
``contact`` (the unit's name and phone, shown under every question).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.platform.i18n import N_
from flows.model import AnswerKind, Answers, Flow, Option, Step

if TYPE_CHECKING:
    from bot.platform.i18n import Translator

NAME = "preparation"
GFI_NAME = "preparation_gfi"
FOLLOWUP_NAME = "preparation_followup"
VERSION = 3
NAMES = frozenset({NAME, GFI_NAME, FOLLOWUP_NAME})

MEETING_CIRCLE = N_(
    "This is how a SIP meeting usually goes (the meeting circle):\n"
    "1. Everyone says who they are and why you meet.\n"
    "2. What works well for you right now.\n"
    "3. You tell how things are and what you need help with. You speak first.\n"
    "4. Each unit tells what it sees and what it can offer.\n"
    "5. Together you agree on goals.\n"
    "6. You agree who does what, and when.\n"
    "7. You agree who is the main responsible person, the one who keeps it all together.\n"
    "8. You agree what happens if something stops working.\n"
    "9. You agree when to follow up the plan.\n"
    "10. You get a copy of the plan.\n\n"
    "Now a few questions, so the meeting is about what matters to you. "
    "You answer with buttons. You can go back, pause or stop at any time."
)

GFI_ABOUT = N_(
    "A GFI is a first, open meeting. You and at least two units meet to tell and to listen:\n"
    "• You tell about your situation, as much as you want.\n"
    "• The units tell what they do and what they could offer.\n"
    "• You can ask about anything.\n"
    "Nothing has to be decided at a GFI.\n\n"
    "Now a few questions about what you want to tell and to know. "
    "You answer with buttons. You can go back, pause or stop at any time."
)

FOLLOWUP_ABOUT = N_(
    "At a follow-up you look at your plan (SIP) together: what has worked since it was made, "
    "what has not, and what should change.\n\n"
    "Now a few questions. You answer with buttons. You can go back, pause or stop at any time."
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

KNOW = (
    Option("offer", N_("What each unit can offer me")),
    Option("together", N_("How the units can work together")),
    Option("contact", N_("Whom I can turn to, and how")),
    Option("next", N_("What happens after the meeting")),
    Option("sip", N_("What a SIP is, and whether I can get one")),
    Option("unsure", N_("I'm not sure yet")),
)

GOALS = (
    Option("plan", N_("A clear plan: who does what, and when")),
    Option("know_people", N_("To meet the people who can help me")),
    Option("learn_offer", N_("To hear what the units can offer")),
    Option("specific_help", N_("Help with one specific thing")),
    Option("unsure", N_("I'm not sure yet")),
)

WORKED = (
    *TOPICS[:-1],
    Option("contact_units", N_("Contact with the units")),
    Option("nothing", N_("Nothing yet")),
)

NOT_WORKED = (
    *TOPICS[:-1],
    Option("contact_units", N_("Contact with the units")),
    Option("nothing", N_("Nothing, it works")),
)

# Kinds of people outside the units; staff can add them to the meeting in one tap.
GUESTS = (
    Option("close_person", N_("Someone close to me")),
    Option("support_person", N_("A support person")),
    Option("probation", N_("Frivården (probation service)")),
    Option("housing_support", N_("Housing support")),
    Option("primary_care", N_("My health centre (vårdcentral)")),
    Option("someone_else", N_("Someone else")),
)
GUEST_CODES = frozenset(o.code for o in GUESTS)
PEOPLE = (*GUESTS, Option("unsure", N_("I'm not sure, help me decide")))

NEEDS = (
    Option("interpreter", N_("An interpreter")),
    Option("bring_someone", N_("A support person with me")),
    Option("place_unit", N_("Meet at the unit")),
    Option("place_home", N_("Meet at home")),
    Option("video", N_("Video meeting")),
    Option("phone", N_("Phone meeting")),
    Option("morning", N_("Morning is best")),
    Option("afternoon", N_("Afternoon is best")),
    Option("breaks", N_("Breaks during the meeting")),
    Option("shorter", N_("A shorter meeting")),
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


def _info(step_id: str, text: str, title: str) -> Step:
    return Step(step_id, text, AnswerKind.INFO, title=title)


# The parts every shape shares, after its own questions.
_SHARED = (
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
)


def _shape(name: str, *steps: Step) -> Flow:
    return Flow(
        name=name,
        version=VERSION,
        title=N_("Preparing for your meeting"),
        steps=(*steps, *_SHARED),
        done_text=DONE_TEXT,
        review=True,
        review_intro=N_("Here are your answers. You can change any of them before you finish."),
        finish_label=SAVE,
        finish_label_for=finish_label,
    )


PREPARATION = _shape(
    NAME,
    _info("circle", MEETING_CIRCLE, N_("How the meeting goes")),
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
)

GFI_PREPARATION = _shape(
    GFI_NAME,
    _info("gfi_about", GFI_ABOUT, N_("What a GFI is")),
    Step(
        "tell",
        N_("What do you want to tell the units about? Choose one or more."),
        AnswerKind.MULTI,
        title=N_("What I want to tell"),
        options=TOPICS,
        columns=2,
    ),
    Step(
        "know",
        N_("What do you want to know from the units? Choose one or more."),
        AnswerKind.MULTI,
        title=N_("What I want to know"),
        options=KNOW,
    ),
)

FOLLOWUP_PREPARATION = _shape(
    FOLLOWUP_NAME,
    _info("followup_about", FOLLOWUP_ABOUT, N_("What a follow-up is")),
    Step(
        "worked",
        N_("What has worked well since the plan was made? Choose one or more."),
        AnswerKind.MULTI,
        title=N_("What has worked"),
        options=WORKED,
        columns=2,
    ),
    Step(
        "not_worked",
        N_("What has not worked, or should change? Choose one or more."),
        AnswerKind.MULTI,
        title=N_("What has not worked"),
        options=NOT_WORKED,
        columns=2,
    ),
)

FLOWS = (PREPARATION, GFI_PREPARATION, FOLLOWUP_PREPARATION)
_BY_TYPE = {"gfi": GFI_PREPARATION, "sip": PREPARATION, "sip_followup": FOLLOWUP_PREPARATION}


def for_type(meeting_type: str) -> Flow:
    """The shape of the preparation for this kind of meeting (a SIP meeting's by default)."""
    return _BY_TYPE.get(str(meeting_type), PREPARATION)


def step(step_id: str) -> Step:
    """A step of any of the shapes, by id (their ids never clash in meaning)."""
    for flow in FLOWS:
        for candidate in flow.steps:
            if candidate.id == step_id:
                return candidate
    raise KeyError(step_id)
