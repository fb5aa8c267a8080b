"""The person's wishes from the förmöte on the meeting card, before any times are proposed,
and adding the people they asked for in one tap.

Staff who may see the card read the version the person shared, while the person's consent
covers sharing; every reading is audited. Staff taking part can add a unit of the case to the
request (its distributors get it in their queue) while no time is proposed yet, and note a
kind of person outside the units (someone close, a support person, frivården, …) as welcome
at the meeting: a code, never a name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.chat import access, actions, audit
from bot.chat.turn import Turn
from bot.meetings import distribution
from bot.meetings import lifecycle as meetings
from bot.meetings.views import CardSection, card_section, for_staff, staff_card, token
from bot.models import Individual, Staff, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingUnit, Preparation, UnitRequestStatus
from bot.platform.i18n import N_
from bot.preparation.reads import PREPARED_TYPES
from bot.preparation.service import before_times, saved_preparation, unit_id_of
from bot.preparation.summary import answer_lines
from flows import preparation as flow
from flows.screens import Button, Outcome

ADD_UNIT = "prep_add_unit"
ADD_GUEST = "prep_add_guest"

WISHES_HEAD = N_("What {case} wants (förmöte, shared {sent}):")
ALSO_WELCOME = N_("Also welcome at the meeting: {who}")
ADD_UNIT_LABEL = N_("➕ Add {unit}")
ADD_GUEST_LABEL = N_("➕ Welcome: {who}")
UNIT_ADDED = N_("{unit} is added to the request. Its distributors have it in their queue.")
GUEST_ADDED = N_("Noted on the meeting: {who}. Invite them the way you usually do.")
NOT_NOW = N_("That cannot be added to this meeting now.")
NOT_COVERED = N_("That unit is not in the person's consent.")
GUEST_LABELS = {
    "close_person": N_("someone close to the person"),
    "support_person": N_("a support person"),
    "probation": N_("Frivården (probation service)"),
    "housing_support": N_("housing support"),
    "primary_care": N_("their health centre (vårdcentral)"),
    "someone_else": N_("someone else they asked for"),
}


@card_section
async def wishes(turn: Turn, staff: Staff, meeting: Meeting) -> CardSection | None:
    """The shared wishes, and for staff taking part the one-tap additions."""
    section = CardSection()
    guests = [g for g in meeting.guests or [] if g in GUEST_LABELS]
    if guests:
        who = ", ".join(turn.tr.gettext(GUEST_LABELS[g]) for g in guests)
        section.lines.append(turn.tr.gettext(ALSO_WELCOME).format(who=who))
    shown = await _shared(turn, staff, meeting)
    if shown is None:
        return section
    individual, prepared = shown
    assert prepared.shared_at is not None
    names = await _unit_names(turn, prepared)
    head = turn.tr.gettext(WISHES_HEAD).format(
        case=individual.case_ref, sent=turn.tr.date_time(prepared.shared_at)
    )
    lines = answer_lines(turn.tr, meeting, prepared, names)
    section.lines = [head, *lines, *section.lines]
    audit.record(
        turn.session,
        turn.clock,
        "preparation_opened",
        actor=meetings.actor(staff),
        case_ref=individual.case_ref,
        meeting_id=meeting.id,
        revision=prepared.shared_revision,
        via="card",
    )
    if staff.id in await meetings.current_staff_ids(turn.session, meeting):
        section.buttons = await _additions(turn, meeting, prepared, names)
    return section


async def _shared(
    turn: Turn, staff: Staff, meeting: Meeting
) -> tuple[Individual, Preparation] | None:
    if meeting.type not in PREPARED_TYPES or meeting.individual_id is None:
        return None
    prepared = await saved_preparation(turn.session, meeting.id)
    if prepared is None or prepared.shared_answers is None:
        return None
    individual = await turn.session.get(Individual, meeting.individual_id)
    now = turn.clock.now()
    consent = await access.active_consent(turn.session, individual.id, now) if individual else None
    if individual is None or consent is None or not consent.sharing:
        return None
    if not await access.can_open_case(turn.session, staff, individual, now):
        return None
    return individual, prepared


def _asked_for(prepared: Preparation) -> list[str]:
    return [str(code) for code in (prepared.shared_answers or {}).get("people") or []]


async def _unit_names(turn: Turn, prepared: Preparation) -> dict[int, str]:
    ids = {i for i in (unit_id_of(c) for c in _asked_for(prepared)) if i is not None}
    for code in (prepared.previous_answers or {}).get("people") or []:
        found = unit_id_of(str(code))
        if found is not None:
            ids.add(found)
    if not ids:
        return {}
    rows = await turn.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids)))
    return {unit_id: name for unit_id, name in rows.all()}


def _open_for_units(meeting: Meeting) -> bool:
    return before_times(meeting) and not meetings.open_slots(meeting)


async def _additions(
    turn: Turn, meeting: Meeting, prepared: Preparation, names: dict[int, str]
) -> list[list[Button]]:
    rows: list[list[Button]] = []
    taking_part = set(meetings.unit_ids(meeting))
    for code in _asked_for(prepared):
        unit_id = unit_id_of(code)
        if unit_id is not None:
            if unit_id in names and unit_id not in taking_part and _open_for_units(meeting):
                label = turn.tr.gettext(ADD_UNIT_LABEL).format(unit=names[unit_id])
                rows.append(
                    [await token(turn, label, ADD_UNIT, meeting_id=meeting.id, unit_id=unit_id)]
                )
        elif code in GUEST_LABELS and code not in (meeting.guests or []):
            who = turn.tr.gettext(GUEST_LABELS[code])
            label = turn.tr.gettext(ADD_GUEST_LABEL).format(who=who)
            rows.append([await token(turn, label, ADD_GUEST, meeting_id=meeting.id, code=code)])
    return rows


@actions.action(ADD_UNIT)
async def add_unit(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "add_unit", participant=True)
    if isinstance(view, Outcome):
        return view
    session, clock, meeting = turn.session, turn.clock, view.meeting
    unit = await session.get(Unit, payload.get("unit_id"))
    if unit is None or unit.id in meetings.unit_ids(meeting) or not _open_for_units(meeting):
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    individual = await meetings.individual_of(session, meeting)
    if individual is None or unit.id not in await access.case_unit_ids(
        session, individual.id, clock.now()
    ):
        return Outcome(toast=turn.tr.gettext(NOT_COVERED), replace=False)
    now = clock.now()
    existing = await session.scalar(
        select(MeetingUnit).where(
            MeetingUnit.meeting_id == meeting.id, MeetingUnit.unit_id == unit.id
        )
    )
    if existing is None:
        meeting.units.append(
            MeetingUnit(unit_id=unit.id, status=UnitRequestStatus.WAITING, queued_at=now)
        )
    else:
        existing.status = UnitRequestStatus.WAITING
        existing.assigned_staff_id = None
        existing.assigned_at = None
        existing.returned_reason = None
        existing.queued_at = now
    meeting.status = MeetingStatus.REQUESTED
    meeting.updated_at = now
    await session.flush()
    audit.record(
        session,
        clock,
        "meeting_unit_added",
        actor=meetings.actor(view.staff),
        case_ref=individual.case_ref,
        meeting=meeting.id,
        unit=unit.id,
        asked_by_person=True,
    )
    await distribution.announce(session, clock, meeting, [unit.id])
    notice = turn.tr.gettext(UNIT_ADDED).format(unit=unit.name)
    return await staff_card(turn, view.staff, meeting, notice=notice)


@actions.action(ADD_GUEST)
async def add_guest(turn: Turn, payload: dict[str, Any]) -> Outcome:
    view = await for_staff(turn, payload, "add_guest", participant=True)
    if isinstance(view, Outcome):
        return view
    meeting, code = view.meeting, str(payload.get("code"))
    if code not in flow.GUEST_CODES or meeting.status not in meetings.OPEN:
        return Outcome(toast=turn.tr.gettext(NOT_NOW), replace=False)
    if code not in (meeting.guests or []):
        meeting.guests = [*(meeting.guests or []), code]
        meeting.updated_at = turn.clock.now()
        audit.record(
            turn.session,
            turn.clock,
            "meeting_guest_added",
            actor=meetings.actor(view.staff),
            case_ref=await meetings.case_ref(turn.session, meeting),
            meeting=meeting.id,
            guest=code,
        )
    who = turn.tr.gettext(GUEST_LABELS[code])
    notice = turn.tr.gettext(GUEST_ADDED).format(who=who)
    return await staff_card(turn, view.staff, meeting, notice=notice)
