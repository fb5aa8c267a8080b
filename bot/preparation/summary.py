"""The coordinator's view of a förmöte: rendered from codes in the reader's language, opened
only by the meeting's staff participants while the individual's consent covers sharing.

Every opening and every refusal is audited, by staff id and case reference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.models import Individual
from bot.models.meetings import Meeting, Preparation
from bot.platform.i18n import N_, Translator
from bot.preparation.service import (
    kind_label,
    unit_code,
)
from flows import engine as flow_engine
from flows import preparation as flow
from flows.model import AnswerKind

TITLES = {
    "tell": N_("Wants to tell about"),
    "know": N_("Wants to know"),
    "worked": N_("Has worked"),
    "not_worked": N_("Has not worked"),
    "topics": N_("Important to talk about"),
    "goal": N_("Wants from the meeting"),
    "people": N_("Wants at the meeting"),
    "needs": N_("Needs to take part"),
    "language": N_("Interpreter language"),
    "language_other": N_("Other language"),
    "contact": N_("Contact about the meeting"),
    "note": N_("In their own words"),
}


HEADING = N_("Preparation for the {meeting} on {when}")


CASE_LINE = N_("Case {case} · sent {sent}")


CHANGED_LINE = N_("Changed since the previous version: marked ✎")


BEFORE = N_("before: {value}")


CHANGED_MARK = "✎ "


def render(
    tr: Translator,
    meeting: Meeting,
    individual: Individual,
    prepared: Preparation,
    unit_names: dict[int, str],
) -> str:
    """The shared version, line by line; with an earlier version, changed lines are marked."""
    assert meeting.starts_at is not None and prepared.shared_at is not None
    lines = [
        tr.gettext(HEADING).format(
            meeting=tr.gettext(kind_label(meeting)), when=tr.datetime(meeting.starts_at)
        ),
        tr.gettext(CASE_LINE).format(case=individual.case_ref, sent=_when(tr, prepared.shared_at)),
    ]
    if prepared.previous_answers is not None:
        lines.append(tr.gettext(CHANGED_LINE))
    lines.append("")
    lines += answer_lines(tr, meeting, prepared, unit_names)
    return "\n".join(lines)


def answer_lines(
    tr: Translator,
    meeting: Meeting,
    prepared: Preparation,
    unit_names: dict[int, str],
    *,
    skip: frozenset[str] = frozenset(),
) -> list[str]:
    """One line per answer of the shared version, in the order the person was asked."""
    shared = prepared.shared_answers or {}
    previous = prepared.previous_answers
    context = {"unit_options": [[unit_code(i), name] for i, name in unit_names.items()]}
    lines: list[str] = []
    for step in flow.for_type(meeting.type).steps:
        if step.kind is AnswerKind.INFO or step.id not in TITLES or step.id in skip:
            continue
        now_value, before_value = shared.get(step.id), (previous or {}).get(step.id)
        if step.id not in shared and (previous is None or step.id not in previous):
            continue
        title = tr.gettext(TITLES[step.id])
        value = _value(step.id, now_value, step.id in shared, tr, context)
        if previous is not None and now_value != before_value:
            before = _value(step.id, before_value, step.id in previous, tr, context)
            lines.append(
                f"{CHANGED_MARK}{title}: {value} ({tr.gettext(BEFORE).format(value=before)})"
            )
        else:
            lines.append(f"• {title}: {value}")
    return lines


def _value(step_id: str, value: Any, present: bool, tr: Translator, context: dict[str, Any]) -> str:
    if not present:
        return "–"
    return flow_engine.describe(flow.step(step_id), value, tr, context)


def _when(tr: Translator, moment: datetime) -> str:
    return tr.date_time(moment)
