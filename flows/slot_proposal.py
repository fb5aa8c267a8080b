"""Proposing one to three times: day and time with the picker, how long, and where."""

from __future__ import annotations

from collections.abc import Callable

from bot.platform.i18n import N_
from flows.model import AnswerKind, Answers, Flow, Option, Step

PROPOSAL_FLOW = "propose_slots"
MORE = (
    Option("more", N_("Add another time")),
    Option("enough", N_("No, that is all")),
)
DURATIONS = (
    Option("30", N_("30 minutes")),
    Option("45", N_("45 minutes")),
    Option("60", N_("1 hour")),
    Option("90", N_("1½ hours")),
    Option("120", N_("2 hours")),
)
PLACES = (
    Option("video", N_("Video")),
    Option("phone", N_("Phone")),
    Option("other", N_("Somewhere else")),
)


def _after(more: str, then: str) -> Callable[[Answers], str]:
    def route(answers: Answers) -> str:
        return then if answers.get(more) == "more" else "duration"

    return route


def _after_place(answers: Answers) -> str | None:
    return "place_text" if answers.get("place") == "other" else None


PROPOSAL = Flow(
    name=PROPOSAL_FLOW,
    version=1,
    title=N_("Propose times"),
    steps=(
        Step(
            "when1",
            N_("First time: pick a day, then a time."),
            AnswerKind.DATETIME,
            title=N_("Time 1"),
        ),
        Step(
            "more1",
            N_("Do you want to propose another time as well?"),
            AnswerKind.CHOICE,
            title=N_("Another time"),
            options=MORE,
            next=_after("more1", "when2"),
        ),
        Step(
            "when2",
            N_("Second time: pick a day, then a time."),
            AnswerKind.DATETIME,
            title=N_("Time 2"),
        ),
        Step(
            "more2",
            N_("Do you want to propose a third time?"),
            AnswerKind.CHOICE,
            title=N_("A third time"),
            options=MORE,
            next=_after("more2", "when3"),
        ),
        Step(
            "when3",
            N_("Third time: pick a day, then a time."),
            AnswerKind.DATETIME,
            title=N_("Time 3"),
        ),
        Step(
            "duration",
            N_("How long will the meeting take?"),
            AnswerKind.CHOICE,
            title=N_("Length"),
            options=DURATIONS,
            columns=3,
        ),
        Step(
            "place",
            N_("Where will you meet?"),
            AnswerKind.CHOICE,
            title=N_("Place"),
            options=PLACES,
            context_options="places",
            next=_after_place,
        ),
        Step(
            "place_text",
            N_(
                "Write the place in a few words, such as a room or a unit's address. "
                "Do not write the person's home address or anything that identifies them."
            ),
            AnswerKind.TEXT,
            title=N_("Place"),
            max_length=80,
        ),
    ),
    done_text=N_("Sent."),
)
