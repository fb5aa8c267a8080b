"""The person's answers from preparing for meetings in their readable ``/mydata`` copy: each
answer under the question's own title, in the person's language; free text as they wrote it;
and whether, and when, the answers were shared."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meetings import lifecycle as meetings
from bot.models import Individual
from bot.models.meetings import Meeting, Preparation
from bot.people.mydata_document import Section, document_section
from bot.platform.i18n import N_, Translator
from bot.preparation.service import kind_label, unit_code, unit_id_of
from flows import engine as flow_engine
from flows import preparation as flow
from flows.model import AnswerKind

HEADING = N_("Your answers from preparing for meetings")
FOR_MEETING = N_("For the {meeting}:")
FOR_MEETING_ON = N_("For the {meeting} on {when}:")
SHARED_ON = N_("Shared with the staff taking part on {date}.")
NOT_SHARED = N_("Not shared with anyone.")


@document_section
async def preparations_section(
    session: AsyncSession, tr: Translator, individual: Individual
) -> Section | None:
    rows = (
        await session.execute(
            select(Preparation, Meeting)
            .join(Meeting, Meeting.id == Preparation.meeting_id)
            .where(Preparation.individual_id == individual.id)
            .order_by(Preparation.id)
        )
    ).all()
    if not rows:
        return None
    section = Section(tr.gettext(HEADING))
    for prepared, meeting in rows:
        if section.lines:
            section.lines.append("")
        kind = tr.gettext(kind_label(meeting))
        if meeting.starts_at is not None:
            section.lines.append(
                tr.gettext(FOR_MEETING_ON).format(meeting=kind, when=tr.date(meeting.starts_at))
            )
        else:
            section.lines.append(tr.gettext(FOR_MEETING).format(meeting=kind))
        section.lines += await _answers(session, tr, meeting, prepared.answers or {})
        if prepared.shared_at is not None:
            day = tr.date(prepared.shared_at)
            section.lines.append("   " + tr.gettext(SHARED_ON).format(date=day))
        else:
            section.lines.append("   " + tr.gettext(NOT_SHARED))
    return section


async def _answers(
    session: AsyncSession, tr: Translator, meeting: Meeting, answers: dict[str, Any]
) -> list[str]:
    """One line per answer, in the order the person was asked."""
    names = await meetings.units_by_id(session, _unit_ids(answers))
    context = {"unit_options": [[unit_code(i), unit.name] for i, unit in names.items()]}
    lines = []
    for step in flow.for_type(meeting.type).steps:
        if step.kind is AnswerKind.INFO or step.id not in answers:
            continue
        title = tr.gettext(step.title) if step.title else step.id
        value = flow_engine.describe(step, answers[step.id], tr, context)
        lines.append(f"   • {title}: {value}")
    return lines


def _unit_ids(answers: dict[str, Any]) -> list[int]:
    found: list[int] = []
    for value in answers.values():
        for code in value if isinstance(value, list) else [value]:
            unit_id = unit_id_of(code) if isinstance(code, str) else None
            if unit_id is not None:
                found.append(unit_id)
    return found
