"""SIP-kollen: a few questions after a shared meeting about how much the individual could take
part. Our own plain wording of the participation themes, as data.

Every change to the questions raises ``VERSION`` and adds the new set to ``QUESTIONS``, so that
results of different versions are never counted together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.platform.i18n import N_
from flows.model import AnswerKind, Flow, Option, Step

NAME = "survey"
VERSION = 1
STEPS = 5
FACES = ("😞", "🙁", "😐", "🙂", "😄")
RATHER_NOT = N_("I'd rather not answer")
COMMENT = "better"
ANSWERED_BY = "who"


@dataclass(frozen=True)
class Question:
    """``title`` is the statement as results show it; ``prompt`` adds how to answer."""

    code: str
    title: str
    prompt: str


QUESTIONS: dict[int, tuple[Question, ...]] = {
    1: (
        Question(
            "decide_topics",
            N_("I could decide what we talked about"),
            N_("“I could decide what we talked about.”\n\n😞 = not at all · 😄 = yes, completely"),
        ),
        Question(
            "decide_people",
            N_("I could decide who was there"),
            N_("“I could decide who was there.”\n\n😞 = not at all · 😄 = yes, completely"),
        ),
        Question(
            "listened",
            N_("I was listened to"),
            N_("“I was listened to.”\n\n😞 = not at all · 😄 = yes, completely"),
        ),
        Question(
            "understood",
            N_("I understood what was said"),
            N_("“I understood what was said.”\n\n😞 = not at all · 😄 = yes, completely"),
        ),
        Question(
            "clear_roles",
            N_("It is clear who will do what, and when"),
            N_(
                "“It is clear who will do what, and when.”\n\n"
                "😞 = not at all · 😄 = yes, completely"
            ),
        ),
        Question(
            "contact",
            N_("I know whom to contact if something stops working"),
            N_(
                "“I know whom to contact if something stops working.”\n\n"
                "😞 = not at all · 😄 = yes, completely"
            ),
        ),
        Question(
            "helpful",
            N_("I believe this will help me"),
            N_("“I believe this will help me.”\n\n😞 = not at all · 😄 = yes, completely"),
        ),
    ),
}

ANSWERED_BY_OPTIONS = (
    Option("self", N_("I am answering myself")),
    Option("helped", N_("Someone close to me is helping me")),
)

INTRO = N_(
    "Thank you for taking the time. Next come seven short sentences about the meeting. "
    "For each one, choose the face that fits best, from 😞 (not at all) to 😄 (yes, "
    "completely). You can skip any question.\n\n"
    "Your answers are anonymous: they are saved without your name and are only shown "
    "together with other people's answers."
)
DONE = N_(
    "Thank you! Your answers are saved without your name. Together with other people's "
    "answers, they help the units get better at meetings."
)


def questions(version: int = VERSION) -> tuple[Question, ...]:
    return QUESTIONS[version]


def _question_step(question: Question) -> Step:
    return Step(
        question.code,
        question.prompt,
        AnswerKind.SCALE,
        title=question.title,
        scale_labels=FACES,
        skippable=True,
        skip_label=RATHER_NOT,
    )


def scale_answers(answers: Mapping[str, Any], version: int) -> dict[str, int | None]:
    """The scale answers as stored: a step from 1 to 5, or None for "rather not answer"."""
    kept: dict[str, int | None] = {}
    for question in questions(version):
        value = answers.get(question.code)
        kept[question.code] = value if isinstance(value, int) and 1 <= value <= STEPS else None
    return kept


SURVEY = Flow(
    name=NAME,
    version=VERSION,
    title=N_("About your meeting"),
    steps=(
        Step("intro", INTRO, AnswerKind.INFO, title=N_("About the questions")),
        *(_question_step(question) for question in questions()),
        Step(
            COMMENT,
            N_(
                "What could have been better? Write a few words if you like, or skip.\n"
                "Please do not write names, personal identity numbers or diagnoses."
            ),
            AnswerKind.TEXT,
            title=N_("What could have been better"),
            max_length=300,
            skippable=True,
        ),
        Step(
            ANSWERED_BY,
            N_("Who is answering these questions?"),
            AnswerKind.CHOICE,
            title=N_("Who answered"),
            options=ANSWERED_BY_OPTIONS,
            skippable=True,
            skip_label=RATHER_NOT,
        ),
    ),
    done_text=DONE,
)
