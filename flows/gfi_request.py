"""The request form as a conversation: what it is about, an optional short note, which units,
and which times would suit. The same steps serve /gfi and /book."""

from __future__ import annotations

from bot.meetings import request as gfi_request
from bot.meetings.views import CATEGORY_LABELS, WINDOW_LABELS
from bot.platform.i18n import N_
from flows.model import AnswerKind, Flow, Option, Step
from flows.registry import register

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
            max_length=gfi_request.NOTE_MAX,
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
            next=gfi_request.route_units,
        ),
        Step(
            "too_few", gfi_request.TOO_FEW, AnswerKind.INFO, title=N_("Too few units"), next="units"
        ),
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
            next=gfi_request.route_consent,
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
    return register(
        Flow(
            name=name,
            version=1,
            title=title,
            steps=_steps(),
            done_text=N_("Sent."),
            review=True,
            review_intro=N_("Here is your request. You can change anything before you send it."),
            finish_label=N_("Send request"),
            finisher=gfi_request.finish,
        )
    )


GFI = _flow(gfi_request.GFI_FLOW, N_("GFI request"))
BOOK = _flow(gfi_request.BOOK_FLOW, N_("Book a meeting"))
