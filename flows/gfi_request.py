"""The request form as a conversation: what it is about, an optional short note, which units,
and which times would suit. The same steps serve /gfi and /book."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.platform.i18n import N_
from flows.model import AnswerKind, Flow, Option, Step

GFI_FLOW = "gfi_request"
BOOK_FLOW = "meeting_request"
NOTE_MAX = 300
CATEGORY_LABELS: dict[str, str] = {
    "alcohol": N_("Alcohol"),
    "drugs": N_("Drugs"),
    "medicines": N_("Medicines"),
    "gambling": N_("Gambling"),
    "mental_health": N_("Mental health"),
    "housing": N_("Housing"),
    "money": N_("Money"),
    "work": N_("Work or daily activity"),
    "physical_health": N_("Physical health"),
    "other": N_("Other"),
}
WINDOW_LABELS: dict[str, str] = {
    "asap": N_("As soon as possible"),
    "two_weeks": N_("Within two weeks"),
    "mornings": N_("Mornings"),
    "afternoons": N_("Afternoons"),
    "flexible": N_("Any time"),
}


TOO_FEW = N_(
    "A GFI needs at least three: the person and at least two units, and every joint meeting "
    "needs at least two units. Your own unit counts as one, so choose at least one more unit "
    "that the person's consent covers or that they are asked about."
)


@dataclass(frozen=True)
class UnitChoice:
    """A unit as offered in the request: whether it is the requester's, whether the consent
    covers it. The flags travel in the option code so the flow can route on answers alone."""

    unit_id: int
    own: bool
    covered: bool


def unit_code(choice: UnitChoice) -> str:
    return f"{choice.unit_id}{'o' if choice.own else ''}{'c' if choice.covered else ''}"


def parse_unit_code(code: str) -> UnitChoice | None:
    digits = code.rstrip("oc")
    flags = code[len(digits) :]
    if not digits.isdigit() or flags not in ("", "o", "c", "oc"):
        return None
    return UnitChoice(int(digits), "o" in flags, "c" in flags)


def chosen_units(answers: Mapping[str, Any]) -> list[UnitChoice]:
    parsed = (parse_unit_code(str(code)) for code in answers.get("units") or [])
    return [choice for choice in parsed if choice is not None]


def enough_units(choices: list[UnitChoice]) -> bool:
    """The requester's unit plus at least one other: two units, three actors with the person."""
    return any(not choice.own for choice in choices)


def route_units(answers: Mapping[str, Any]) -> str:
    choices = chosen_units(answers)
    if not enough_units(choices):
        return "too_few"
    if any(not choice.covered for choice in choices):
        return "consent"
    return "windows"


def route_consent(answers: Mapping[str, Any]) -> str:
    if answers.get("consent") == "leave_out":
        covered = [c for c in chosen_units(answers) if c.covered]
        if not enough_units(covered):
            return "too_few"
    return "windows"


CATEGORIES = tuple(Option(code, label) for code, label in CATEGORY_LABELS.items())
WINDOWS = tuple(Option(code, label) for code, label in WINDOW_LABELS.items())
CONSENT_CHOICES = (
    Option("ask", N_("Yes, ask the person")),
    Option("leave_out", N_("No, leave those units out")),
)


def _steps() -> tuple[Step, ...]:
    return (
        Step(
            "categories",
            N_(
                "What is it about? Choose one or more. Categories are enough: no diagnoses, please."
            ),
            AnswerKind.MULTI,
            title=N_("About"),
            options=CATEGORIES,
            columns=2,
        ),
        Step(
            "note",
            N_(
                "A short note for the units, if it helps (at most 300 characters). Do not write "
                "names, personal identity numbers, diagnoses or anything else that identifies "
                "the person."
            ),
            AnswerKind.TEXT,
            title=N_("Note"),
            max_length=NOTE_MAX,
            skippable=True,
        ),
        Step(
            "units",
            N_(
                "Which units should take part? Your own unit takes part through you; "
                "choose at least one more."
            ),
            AnswerKind.MULTI,
            title=N_("Units"),
            context_options="units",
            next=route_units,
        ),
        Step("too_few", TOO_FEW, AnswerKind.INFO, title=N_("Too few units"), next="units"),
        Step(
            "consent",
            N_(
                "The person's consent does not cover every unit you chose (they are marked). "
                "Shall I ask the person to add them? Until they say yes, those units do not "
                "see the request."
            ),
            AnswerKind.CHOICE,
            title=N_("Consent"),
            options=CONSENT_CHOICES,
            next=route_consent,
        ),
        Step(
            "windows",
            N_("Which times would suit? Choose one or more."),
            AnswerKind.MULTI,
            title=N_("Preferred times"),
            options=WINDOWS,
            columns=2,
        ),
    )


def _flow(name: str, title: str) -> Flow:
    return Flow(
        name=name,
        version=1,
        title=title,
        steps=_steps(),
        done_text=N_("Sent."),
        review=True,
        review_intro=N_("Here is your request. You can change anything before you send it."),
        finish_label=N_("Send request"),
    )


GFI = _flow(GFI_FLOW, N_("GFI request"))
BOOK = _flow(BOOK_FLOW, N_("Book a meeting"))
