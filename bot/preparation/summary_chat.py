"""/summary in the chat: staff read a shared preparation in their own language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from bot.chat import access, actions, audit, buttons, onboarding
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.models import Individual, Staff, Unit
from bot.models.meetings import Meeting, MeetingUnit, Preparation, UnitRequestStatus
from bot.platform.i18n import N_
from bot.preparation.reads import PREPARED_TYPES
from bot.preparation.service import (
    SUMMARY_ACTION,
    kind_label,
    unit_id_of,
)
from bot.preparation.summary import render
from flows.screens import Button, Outcome, Screen

NOTHING_SHARED = N_("No preparation has been shared for this meeting.")


NOT_PARTICIPANT = N_("Only the staff taking part in this meeting can open its preparation.")


NO_MEETING = N_("That meeting no longer exists.")


LIST_HEADING = N_("Preparations shared for your upcoming meetings:")


LIST_EMPTY = N_("None of your upcoming meetings has a shared preparation yet.")


HELP_LINE = N_("/summary – what the individual prepared for your meetings")


async def may_read(turn: Turn, staff: Staff, meeting_id: int, individual: Individual) -> bool:
    """A staff participant (the coordinator or someone assigned) who is still a member of the
    unit they take part for, and of a unit the individual's consent covers, right now."""
    meeting = await meetings.load(turn.session, meeting_id)
    if meeting is None or staff.id not in await meetings.current_staff_ids(turn.session, meeting):
        return False
    return await access.can_open_case(turn.session, staff, individual, turn.clock.now())


@actions.action(SUMMARY_ACTION)
async def open_summary(turn: Turn, payload: dict[str, Any]) -> Outcome:
    meeting_id = payload.get("meeting_id")
    if not isinstance(meeting_id, int) or isinstance(meeting_id, bool):
        return Outcome.message(turn.tr.gettext(NO_MEETING))
    return await show(turn, meeting_id)


async def show(turn: Turn, meeting_id: int) -> Outcome:
    """The summary for a participant; a refusal, audited, for anyone else."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    meeting = await turn.session.get(Meeting, meeting_id)
    individual = (
        await turn.session.get(Individual, meeting.individual_id)
        if meeting is not None and meeting.individual_id is not None
        else None
    )
    case_ref = individual.case_ref if individual is not None else None
    if staff is None:
        return _refuse(turn, "telegram-account", case_ref, meeting_id, access.STAFF_ONLY)
    if meeting is None:
        return Outcome.message(turn.tr.gettext(NO_MEETING))
    if individual is None:
        return Outcome.message(turn.tr.gettext(NOTHING_SHARED))
    if not await may_read(turn, staff, meeting.id, individual):
        return _refuse(turn, f"staff:{staff.id}", case_ref, meeting_id, NOT_PARTICIPANT)
    prepared = await turn.session.scalar(
        select(Preparation).where(Preparation.meeting_id == meeting.id)
    )
    now = turn.clock.now()
    consent = await access.active_consent(turn.session, individual.id, now)
    if (
        prepared is None
        or prepared.shared_answers is None
        or consent is None
        or not consent.sharing
    ):
        return Outcome.message(turn.tr.gettext(NOTHING_SHARED))
    audit.record(
        turn.session,
        turn.clock,
        "preparation_opened",
        actor=f"staff:{staff.id}",
        case_ref=individual.case_ref,
        meeting_id=meeting.id,
        revision=prepared.shared_revision,
    )
    names = await _unit_names(turn, prepared)
    return Outcome.message(render(turn.tr, meeting, individual, prepared, names))


async def _unit_names(turn: Turn, prepared: Preparation) -> dict[int, str]:
    """Names of the units the answers name, looked up now so a renamed unit reads right."""
    codes = [
        *((prepared.shared_answers or {}).get("people") or []),
        *((prepared.previous_answers or {}).get("people") or []),
    ]
    ids = {i for i in (unit_id_of(str(c)) for c in codes) if i is not None}
    if not ids:
        return {}
    rows = await turn.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids)))
    return {unit_id: name for unit_id, name in rows.all()}


async def listing(turn: Turn) -> Outcome:
    """/summary: the staff member's upcoming meetings that have a shared preparation."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, "summary")
    now = turn.clock.now()
    meetings = await _shared_meetings(turn, staff, now)
    if not meetings:
        return Outcome.message(turn.tr.gettext(LIST_EMPTY))
    rows: list[list[Button]] = []
    for meeting, individual in meetings:
        assert meeting.starts_at is not None
        label = (
            f"{turn.tr.isolate(turn.tr.short_datetime(meeting.starts_at))} · "
            f"{turn.tr.gettext(kind_label(meeting))} · {turn.tr.isolate(individual.case_ref)}"
        )
        data = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            SUMMARY_ACTION,
            {"meeting_id": meeting.id},
            single_use=False,
        )
        rows.append([Button(label, data)])
    return Outcome([Screen(turn.tr.gettext(LIST_HEADING), rows)], replace=False)


async def _shared_meetings(
    turn: Turn, staff: Staff, now: datetime
) -> list[tuple[Meeting, Individual]]:
    assigned = select(MeetingUnit.meeting_id).where(
        MeetingUnit.assigned_staff_id == staff.id,
        MeetingUnit.status == UnitRequestStatus.ASSIGNED,
    )
    result = await turn.session.execute(
        select(Meeting, Individual)
        .join(Preparation, Preparation.meeting_id == Meeting.id)
        .join(Individual, Individual.id == Meeting.individual_id)
        .where(
            Preparation.shared_answers.is_not(None),
            Meeting.type.in_(PREPARED_TYPES),
            Meeting.starts_at > now,
            or_(Meeting.requester_staff_id == staff.id, Meeting.id.in_(assigned)),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    found: list[tuple[Meeting, Individual]] = []
    for meeting, individual in result.all():
        consent = await access.active_consent(turn.session, individual.id, now)
        if consent is None or not consent.sharing:
            continue
        if await may_read(turn, staff, meeting.id, individual):
            found.append((meeting, individual))
    return found


@onboarding.help_section
async def _help(turn: Turn) -> list[str]:
    if await access.staff_by_telegram(turn.session, turn.telegram_id) is None:
        return []
    return [turn.tr.gettext(HELP_LINE)]


def _refuse(turn: Turn, actor: str, case_ref: str | None, meeting_id: int, message: str) -> Outcome:
    audit.record(
        turn.session,
        turn.clock,
        "preparation_refused",
        actor=actor,
        case_ref=case_ref,
        meeting_id=meeting_id,
    )
    return Outcome.message(turn.tr.gettext(message))
