"""The consent conversation (samtycke), buttons only: what, with whom, until when.

Plain data and pure functions: a :class:`Draft` holds the answers so far, :func:`advance` moves
it on by one pressed choice, and :func:`page` renders what the person sees. The summary page is
the text the person agrees to; its hash is stored with the consent, with :data:`VERSION`.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from bot.platform.i18n import N_, Translator
from flows import texts

VERSION = 1
PARTS = ("reminders", "sharing", "survey")
PERIODS = (3, 6, 12)
SUGGESTED_MONTHS = 6


class Stage(StrEnum):
    ASK = "ask"
    MORE = "more"
    REMINDERS = "reminders"
    SHARING = "sharing"
    SURVEY = "survey"
    PERIOD = "period"
    SUMMARY = "summary"


class Decision(StrEnum):
    AGREE = "agree"
    DECLINE = "decline"


YES = N_("Yes")
NO_THANKS = N_("No thanks")
TELL_ME_MORE = N_("Tell me more")
AGREE = N_("Yes, I agree")
CHANGE = N_("Change my answers")
PERIOD_LABELS = {3: N_("3 months"), 6: N_("6 months (suggested)"), 12: N_("12 months")}

ASK_INTRO = N_(
    "{units} want to work together with you. I am Samordna, and I help with the meetings."
)
# The one meaning of samtycke, used wherever the word is explained.
MEANS = N_(
    "Consent (samtycke) is your yes to what the units may do together with you here: which "
    "parts, with which units, and for how long. You can change a part or take it all back at "
    "any time."
)
FIRST_CONSENT = N_("First I need your consent.")
WHAT_HEADER = N_("If you say yes, I will:")
WHAT_REMINDERS = N_("write to you about meetings and remind you before them")
WHAT_SHARING = N_(
    "help you prepare before a meeting, and share your answers with the units if you want"
)
WHAT_SURVEY = N_("after a meeting, ask a short question about how it went. You answer anonymously.")
WHO = N_("Who: {units}")
HOW_LONG = N_("For how long: you choose 3, 6 or 12 months.")
PARTS_ON_THEIR_OWN = N_("You can say yes to some parts and no to others.")
WITHDRAW_ANY_TIME = N_("You can take back your consent at any time with /consent.")
MORE = N_(
    "More about what this means:\n"
    "• The units meet you to talk about what you need. A GFI is a first meeting where you and "
    "the units share information. A SIP is a plan for who does what.\n"
    "• I store only a number for your Telegram account, your language, a case number like "
    "K-7F3Q, your consent and what the meetings need. Never your personal identity number.\n"
    "• The units see your preparation only if you say yes to sharing, and only after you have "
    "looked at it.\n"
    "• The question after a meeting is anonymous. Nobody can see what you answered.\n"
    "• If you take back your consent, I stop writing to you at once and delete what I store "
    "about you after {days}.\n"
    "• /mydata shows everything I store about you. There you can also delete it."
)
PART_REMINDERS = N_(
    "Part 1 of 3: Reminders in the chat\n\n"
    "May I write to you here about meetings: times, changes and a reminder before each meeting?"
)
PART_SHARING = N_(
    "Part 2 of 3: Sharing your answers before meetings\n\n"
    "Before a meeting you can answer a few questions here: what you want to talk about and what "
    "you need. May I share your answers with {units}? You always see them first."
)
PART_SURVEY = N_(
    "Part 3 of 3: The question after meetings\n\n"
    "After a meeting, may I ask you a short question about how much you could take part? "
    "It is anonymous: nobody can see what you answered."
)
PERIOD_QUESTION = N_(
    "For how long should your consent apply? You can take it back earlier at any time."
)
SUMMARY_HEAD = N_("This is what you say yes to:")
# Each part named by what it lets the units do; the short forms name it on a button.
LABEL_REMINDERS = N_("Reminders in the chat")
LABEL_SHARING = N_("Sharing your answers before meetings with {units}")
LABEL_SURVEY = N_("Getting the question after meetings")
SHORT_REMINDERS = N_("reminders in the chat")
SHORT_SHARING = N_("sharing your answers before meetings")
SHORT_SURVEY = N_("the question after meetings")
PART_YES = N_("{part}: yes")
PART_NO = N_("{part}: no")
UNTIL = N_("Until: {date}")
NOTHING_CHOSEN = N_(
    "You said no to every part. Then I cannot help you with the meetings, and I store nothing "
    "about you."
)

PART_LABELS = {"reminders": LABEL_REMINDERS, "sharing": LABEL_SHARING, "survey": LABEL_SURVEY}
PART_SHORT = {"reminders": SHORT_REMINDERS, "sharing": SHORT_SHARING, "survey": SHORT_SURVEY}
_PART_QUESTIONS = {
    Stage.REMINDERS: PART_REMINDERS,
    Stage.SHARING: PART_SHARING,
    Stage.SURVEY: PART_SURVEY,
}
_NEXT = {
    Stage.REMINDERS: Stage.SHARING,
    Stage.SHARING: Stage.SURVEY,
    Stage.SURVEY: Stage.PERIOD,
}
_BACK = {
    Stage.MORE: Stage.ASK,
    Stage.REMINDERS: Stage.ASK,
    Stage.SHARING: Stage.REMINDERS,
    Stage.SURVEY: Stage.SHARING,
    Stage.PERIOD: Stage.SURVEY,
}


@dataclass(frozen=True)
class Draft:
    """The answers so far; kept in the buttons' stored payloads, never in memory."""

    stage: Stage = Stage.ASK
    reminders: bool | None = None
    sharing: bool | None = None
    survey: bool | None = None
    months: int | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "stage": self.stage.value,
            "reminders": self.reminders,
            "sharing": self.sharing,
            "survey": self.survey,
            "months": self.months,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Draft | None:
        """None for anything that is not a draft this module wrote."""
        try:
            stage = Stage(str(data.get("stage")))
        except ValueError:
            return None
        parts = {name: data.get(name) for name in PARTS}
        if any(value not in (None, True, False) for value in parts.values()):
            return None
        months = data.get("months")
        if months is not None and months not in PERIODS:
            return None
        return cls(stage, parts["reminders"], parts["sharing"], parts["survey"], months)

    def chosen(self, part: str) -> bool | None:
        value: bool | None = getattr(self, part)
        return value

    @property
    def anything(self) -> bool:
        return any(self.chosen(part) for part in PARTS)


class Unit(Protocol):
    """What the conversation needs of a unit: its name, shown as "with whom"."""

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Page:
    """Text and choices as (label, code); codes go back into :func:`advance`."""

    text: str
    choices: list[list[tuple[str, str]]]


def advance(draft: Draft, choice: str) -> Draft | Decision | None:
    """The draft after one pressed choice; None for a choice this page does not offer."""
    stage = draft.stage
    if choice == "back" and stage in _BACK:
        return replace(draft, stage=_BACK[stage])
    if stage in (Stage.ASK, Stage.MORE):
        if choice == "yes":
            return replace(draft, stage=Stage.REMINDERS)
        if choice == "no":
            return Decision.DECLINE
        if choice == "more" and stage is Stage.ASK:
            return replace(draft, stage=Stage.MORE)
        return None
    if stage in _PART_QUESTIONS and choice in ("yes", "no"):
        return replace(draft, stage=_NEXT[stage], **{stage.value: choice == "yes"})
    if stage is Stage.PERIOD and choice.startswith("m") and choice[1:].isdigit():
        months = int(choice[1:])
        return replace(draft, stage=Stage.SUMMARY, months=months) if months in PERIODS else None
    if stage is Stage.SUMMARY:
        if choice == "agree" and draft.anything and draft.months:
            return Decision.AGREE
        if choice == "change":
            return replace(draft, stage=Stage.REMINDERS)
        if choice == "no":
            return Decision.DECLINE
    return None


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def page(
    draft: Draft,
    tr: Translator,
    units: Sequence[Unit],
    *,
    today: date,
    retention_days: int,
    call_line: str,
) -> Page:
    """What the person sees at this stage, always ending with whom to call."""
    names = tr.join([u.name for u in units])
    back = (tr.gettext(texts.BACK), "back")
    stage = draft.stage
    if stage is Stage.ASK:
        body = _ask_text(tr, names)
        choices = [
            [(tr.gettext(YES), "yes"), (tr.gettext(NO_THANKS), "no")],
            [(tr.gettext(TELL_ME_MORE), "more")],
        ]
    elif stage is Stage.MORE:
        body = "\n\n".join(
            [
                tr.gettext(MORE).format(days=tr.counted_marked(texts.DAYS, retention_days)),
                tr.gettext(texts.NOT_WATCHED),
            ]
        )
        choices = [[(tr.gettext(YES), "yes"), (tr.gettext(NO_THANKS), "no")], [back]]
    elif stage in _PART_QUESTIONS:
        body = tr.gettext(_PART_QUESTIONS[stage]).format(units=names)
        current = draft.chosen(stage.value)
        choices = [
            [
                (_mark(current is True) + tr.gettext(YES), "yes"),
                (_mark(current is False) + tr.gettext(NO_THANKS), "no"),
            ],
            [back],
        ]
    elif stage is Stage.PERIOD:
        body = tr.gettext(PERIOD_QUESTION)
        choices = [
            [(_mark(draft.months == m) + tr.gettext(PERIOD_LABELS[m]), f"m{m}") for m in PERIODS],
            [back],
        ]
    else:
        return summary(draft, tr, units, today=today, call_line=call_line)
    return Page(_with_call_line(body, call_line), choices)


def summary(
    draft: Draft, tr: Translator, units: Sequence[Unit], *, today: date, call_line: str
) -> Page:
    """The text the person agrees to (its hash is stored), or why there is nothing to agree to."""
    if not draft.anything or not draft.months:
        return Page(
            _with_call_line(tr.gettext(NOTHING_CHOSEN), call_line),
            [[(tr.gettext(CHANGE), "change"), (tr.gettext(NO_THANKS), "no")]],
        )
    lines = [tr.gettext(SUMMARY_HEAD)]
    for part in PARTS:
        label = part_label(tr, part, units)
        if draft.chosen(part):
            lines.append("✓ " + tr.gettext(PART_YES).format(part=label))
        else:
            lines.append("✗ " + tr.gettext(PART_NO).format(part=label))
    until = add_months(today, draft.months)
    lines += [
        "",
        tr.gettext(WHO).format(units=tr.join([u.name for u in units])),
        tr.gettext(UNTIL).format(date=tr.date(until)),
        "",
        tr.gettext(WITHDRAW_ANY_TIME),
    ]
    choices = [
        [(tr.gettext(AGREE), "agree")],
        [(tr.gettext(CHANGE), "change"), (tr.gettext(NO_THANKS), "no")],
    ]
    return Page(_with_call_line("\n".join(lines), call_line), choices)


def _ask_text(tr: Translator, names: str) -> str:
    what = [
        f"• {tr.gettext(WHAT_REMINDERS)}",
        f"• {tr.gettext(WHAT_SHARING)}",
        f"• {tr.gettext(WHAT_SURVEY)}",
    ]
    return "\n\n".join(
        [
            tr.gettext(ASK_INTRO).format(units=names),
            f"{tr.gettext(FIRST_CONSENT)} {tr.gettext(MEANS)}",
            "\n".join([tr.gettext(WHAT_HEADER), *what]),
            "\n".join(
                [
                    tr.gettext(WHO).format(units=names),
                    tr.gettext(HOW_LONG),
                    tr.gettext(PARTS_ON_THEIR_OWN),
                    tr.gettext(WITHDRAW_ANY_TIME),
                ]
            ),
        ]
    )


def part_label(tr: Translator, part: str, units: Sequence[Unit]) -> str:
    """A part by what it lets the units do, naming the units where it matters."""
    return tr.gettext(PART_LABELS[part]).format(units=tr.join([u.name for u in units]))


def _with_call_line(body: str, call_line: str) -> str:
    return f"{body}\n\n{call_line}" if call_line else body


def _mark(selected: bool) -> str:
    return "✓ " if selected else ""
