"""The coordinator's view of a förmöte: rendered from codes in the reader's language, opened
only by the meeting's staff participants while the individual's consent covers sharing.

Free text is shown as the person wrote it, isolated from the line around it (it may run the
other way), and marked with its language when that is not the reader's.

Every opening and every refusal is audited, by staff id and case reference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.models import Individual
from bot.models.meetings import Meeting, Preparation
from bot.platform.i18n import LANGUAGE_NAMES, N_, Translator, isolate
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

WRITTEN_IN = {
    "sv": N_("(written in Swedish)"),
    "en": N_("(written in English)"),
    "ar": N_("(written in Arabic)"),
}
WRITTEN_IN_OTHER = N_("(written in {language})")


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
        value = _as_written(tr, step.id, now_value, value, shared)
        if previous is not None and now_value != before_value:
            before = _value(step.id, before_value, step.id in previous, tr, context)
            before = _as_written(tr, step.id, before_value, before, previous or {})
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


def _as_written(tr: Translator, step_id: str, raw: Any, shown: str, answers: dict[str, Any]) -> str:
    """Free text as written, with its language when the reader reads another one."""
    if not isinstance(raw, str) or flow.step(step_id).kind is not AnswerKind.TEXT:
        return shown
    language = (answers.get(flow_engine.WRITTEN_IN) or {}).get(step_id)
    if not language or language == tr.locale:
        return tr.isolate(shown)
    if language in WRITTEN_IN:
        marker = tr.gettext(WRITTEN_IN[language])
    else:
        name = LANGUAGE_NAMES.get(language, language)
        marker = tr.gettext(WRITTEN_IN_OTHER).format(language=isolate(name))
    return f"{isolate(shown)} {marker}"


def _when(tr: Translator, moment: datetime) -> str:
    return tr.date_time(moment)
