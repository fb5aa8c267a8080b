"""The request for a GFI (and, with the same steps, for the other meeting types): the paper
form as a chat.

A GFI needs at least three actors: the individual and at least two units. The requester's
unit counts as one, so at least one more unit must be chosen, and every unit must be covered
by the individual's consent (or the individual is asked to add it). The short description is
categories; the optional note is at most 300 characters and stored encrypted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access, audit
from bot.meetings import consent_request, distribution
from bot.meetings import lifecycle as meetings
from bot.models import Consent, FlowState, Individual, Staff, StaffMembership, Unit, consent_units
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, MeetingUnit, UnitRequestStatus
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator
from flows.gfi_request import (
    CATEGORY_LABELS,
    NOTE_MAX,
    TOO_FEW,
    WINDOW_LABELS,
    UnitChoice,
    chosen_units,
    unit_code,
)

OWN_UNIT = N_("your unit")


NOT_IN_CONSENT = N_("not in the consent yet")


TOO_FEW_AGAIN = N_("Send /resume to choose the units again.")


SENT = N_(
    "Sent. The {type} request for {case} is in the queue of: {units}. You will hear when "
    "someone is assigned. /meetings shows your requests."
)


CONSENT_ASKED = N_(
    "{case} is asked whether {units} may be added to the consent. Those units get the request "
    "when they say yes."
)


CONSENT_UNREACHABLE = N_(
    "{case} cannot be reached in the chat, so {units} could not be asked about and were left "
    "out. Ask the person about their consent in person."
)


NO_LONGER = N_("You can no longer request meetings for this person.")


def problems(requester_unit: int, targets: list[int]) -> list[str]:
    """Server-side rules, whatever the chat let through."""
    found = []
    if len({requester_unit, *targets}) < 2:
        found.append("too_few_units")
    return found


async def cases_for(session: AsyncSession, staff: Staff, now: datetime) -> list[Individual]:
    """Open cases whose consent in force covers one of this staff member's units."""
    mine = select(StaffMembership.unit_id).where(StaffMembership.staff_id == staff.id)
    valid = (
        Consent.withdrawn_at.is_(None),
        Consent.expired_at.is_(None),
        Consent.valid_until > now,
    )
    covered = (
        select(Consent.individual_id)
        .join(consent_units, consent_units.c.consent_id == Consent.id)
        .where(consent_units.c.unit_id.in_(mine), *valid)
    )
    rows = await session.scalars(
        select(Individual)
        .where(Individual.closed_at.is_(None), Individual.id.in_(covered))
        .order_by(Individual.case_ref)
    )
    return list(rows)


def request_type(payload: Mapping[str, Any]) -> MeetingType | None:
    try:
        return MeetingType(str(payload.get("type")))
    except ValueError:
        return None


def requester_unit(memberships: list[int], covered: set[int]) -> int:
    """The unit the requester asks from: one the consent covers, if they have several."""
    for unit_id in memberships:
        if unit_id in covered:
            return unit_id
    return memberships[0]


async def unit_options(
    session: AsyncSession, tr: Translator, own: int, covered: set[int]
) -> list[list[str]]:
    options = []
    for unit in await session.scalars(select(Unit).order_by(Unit.name)):
        choice = UnitChoice(unit.id, unit.id == own, unit.id in covered)
        notes = []
        if choice.own:
            notes.append(tr.gettext(OWN_UNIT))
        if not choice.covered:
            notes.append(tr.gettext(NOT_IN_CONSENT))
        label = unit.name + (f" ({', '.join(notes)})" if notes else "")
        options.append([unit_code(choice), label])
    return options


async def finish(session: AsyncSession, clock: Clock, state: FlowState, tr: Translator) -> str:
    """The request flow's end: check everything again, then queue the request."""
    now = clock.now()
    staff = await access.staff_by_telegram(session, state.telegram_id)
    person = await session.get(Individual, state.context.get("individual_id"))
    kind = request_type(state.context)
    own = state.context.get("from_unit")
    if staff is None or person is None or kind is None or not isinstance(own, int):
        return tr.gettext(NO_LONGER)
    if own not in await access.roles_of(session, staff.id) or not await access.can_open_case(
        session, staff, person, now
    ):
        audit.record(
            session,
            clock,
            "refused",
            actor=meetings.actor(staff),
            case_ref=person.case_ref,
            what="request",
        )
        return tr.gettext(NO_LONGER)
    covered = await access.case_unit_ids(session, person.id, now)
    answers = state.answers
    targets = [c.unit_id for c in chosen_units(answers)]
    known = set((await meetings.units_by_id(session, targets)).keys())
    targets = [t for t in dict.fromkeys(targets) if t in known]
    if answers.get("consent") == "leave_out":
        targets = [t for t in targets if t in covered]
    if problems(own, targets):
        state.status = "active"
        state.step = "too_few"
        return tr.gettext(TOO_FEW) + "\n\n" + tr.gettext(TOO_FEW_AGAIN)
    uncovered = [t for t in targets if t not in covered]
    note = answers.get("note")
    meeting = Meeting(
        type=kind,
        status=MeetingStatus.REQUESTED,
        individual_id=person.id,
        requester_staff_id=staff.id,
        requester_unit_id=own,
        categories=[c for c in answers.get("categories") or [] if c in CATEGORY_LABELS],
        note=str(note)[:NOTE_MAX] if note else None,
        time_windows=[w for w in answers.get("windows") or [] if w in WINDOW_LABELS],
        duration_minutes=60,
        ics_uid=f"{uuid.uuid4()}@samordna",
        ics_sequence=0,
        created_at=now,
        updated_at=now,
    )
    for unit_id in targets:
        meeting.units.append(
            MeetingUnit(
                unit_id=unit_id,
                status=(
                    UnitRequestStatus.CONSENT_WAIT
                    if unit_id in uncovered
                    else UnitRequestStatus.WAITING
                ),
                queued_at=now,
            )
        )
    session.add(meeting)
    await session.flush()
    audit.record(
        session,
        clock,
        "meeting_requested",
        actor=meetings.actor(staff),
        case_ref=person.case_ref,
        meeting=meeting.id,
        type=kind.value,
        units=targets,
    )
    waiting = [t for t in targets if t not in uncovered]
    await distribution.announce(session, clock, meeting, waiting)
    await events.emit(events.MEETING_REQUESTED, session, clock, meeting_id=meeting.id)
    parts = []
    if waiting:
        parts.append(
            tr.gettext(SENT).format(
                type=tr.gettext(meetings.TYPE_LABELS[kind]),
                case=person.case_ref,
                units=tr.join(await meetings.unit_name_list(session, waiting)),
            )
        )
    if uncovered:
        parts.append(await _ask_consent(session, clock, meeting, staff, person, uncovered, tr))
    return "\n\n".join(parts)


async def _ask_consent(
    session: AsyncSession,
    clock: Clock,
    meeting: Meeting,
    staff: Staff,
    person: Individual,
    uncovered: list[int],
    tr: Translator,
) -> str:
    """Ask the person to add the units; one who cannot be reached leaves them out."""
    names = tr.join(await meetings.unit_name_list(session, uncovered))
    if await consent_request.ask(session, clock, meeting, staff, uncovered):
        return tr.gettext(CONSENT_ASKED).format(case=person.case_ref, units=names)
    for target in meeting.units:
        if target.unit_id in uncovered:
            target.status = UnitRequestStatus.RETURNED
            target.returned_reason = "no_consent"
    if len(meetings.unit_ids(meeting)) < 2:
        await meetings.close_request(session, clock, meeting, "no_consent")
    return tr.gettext(CONSENT_UNREACHABLE).format(case=person.case_ref, units=names)
