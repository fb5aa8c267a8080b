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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import access, actions, audit, consent_request, distribution, meetings, onboarding
from bot.i18n import N_, Translator
from bot.meeting_views import CATEGORY_LABELS, WINDOW_LABELS, token
from bot.models import Consent, FlowState, Individual, Staff, StaffMembership, Unit, consent_units
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, MeetingUnit, UnitRequestStatus
from bot.runtime import Turn
from flows.screens import Button, Outcome, Screen

GFI_FLOW = "gfi_request"
BOOK_FLOW = "meeting_request"
NOTE_MAX = 300
BOOKABLE = (
    MeetingType.SIP,
    MeetingType.SIP_FOLLOWUP,
    MeetingType.STAFF_ONLY,
    MeetingType.CLOSING,
)

WHICH_CASE = N_("Which person is the {type} about?")
WHICH_TYPE = N_("Which meeting do you want to book?")
NO_CASES = N_("You have no cases with a valid consent yet. /invite gives a person a link to join.")
NO_UNIT = N_("You are not a member of any unit yet, so you cannot request meetings.")
INTRO = N_("{type} for {case}. You are asking as {name}, {unit}, {phone}.")
OWN_UNIT = N_("your unit")
NOT_IN_CONSENT = N_("not in the consent yet")
TOO_FEW = N_(
    "A GFI needs at least three: the person and at least two units, and every joint meeting "
    "needs at least two units. Your own unit counts as one, so choose at least one more unit "
    "that the person's consent covers or that they are asked about."
)
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
STAFF_HELP = N_(
    "Meetings:\n"
    "/gfi – request a GFI\n"
    "/book – book a SIP meeting, a follow-up, a staff-only or a closing meeting\n"
    "/meetings – your meetings and requests"
)
INDIVIDUAL_HELP = N_("/meetings – your meetings")


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


def problems(requester_unit: int, targets: list[int]) -> list[str]:
    """Server-side rules, whatever the chat let through."""
    found = []
    if len({requester_unit, *targets}) < 2:
        found.append("too_few_units")
    return found


# ----------------------------------------------------------------- starting


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


async def begin(turn: Turn, meeting_type: MeetingType) -> Outcome:
    """``/gfi`` (and ``/book`` after the type): pick the person first."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, f"request_{meeting_type.value}")
    if not await access.roles_of(turn.session, staff.id):
        return Outcome([Screen(turn.tr.gettext(NO_UNIT))], replace=False)
    cases = await cases_for(turn.session, staff, turn.clock.now())
    if not cases:
        return Outcome([Screen(turn.tr.gettext(NO_CASES))], replace=False)
    buttons: list[list[Button]] = []
    row: list[Button] = []
    for person in cases[:40]:
        row.append(
            await token(
                turn, person.case_ref, "mtg_case", type=meeting_type.value, individual_id=person.id
            )
        )
        if len(row) == 3:
            buttons.append(row)
            row = []
    if row:
        buttons.append(row)
    kind = turn.tr.gettext(meetings.TYPE_LABELS[meeting_type])
    return Outcome([Screen(turn.tr.gettext(WHICH_CASE).format(type=kind), buttons)], replace=False)


async def choose_type(turn: Turn) -> Outcome:
    """``/book``: which of the other meeting types."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, "book")
    rows = [
        [
            await token(
                turn, turn.tr.gettext(meetings.TYPE_LABELS[kind]), "mtg_book", type=kind.value
            )
        ]
        for kind in BOOKABLE
    ]
    return Outcome([Screen(turn.tr.gettext(WHICH_TYPE), rows)], replace=False)


def _type(payload: Mapping[str, Any]) -> MeetingType | None:
    try:
        return MeetingType(str(payload.get("type")))
    except ValueError:
        return None


@actions.action("mtg_book")
async def book_type(turn: Turn, payload: dict[str, Any]) -> Outcome:
    kind = _type(payload)
    if kind is None or kind not in BOOKABLE:
        return Outcome(toast=turn.tr.gettext(NO_LONGER), replace=False)
    outcome = await begin(turn, kind)
    outcome.replace = True
    return outcome


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


@actions.action("mtg_case")
async def case_chosen(turn: Turn, payload: dict[str, Any]) -> Outcome:
    session, now = turn.session, turn.clock.now()
    kind = _type(payload)
    staff = await access.staff_by_telegram(session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, "request", toast=True)
    person = await session.get(Individual, payload.get("individual_id"))
    if kind is None or person is None:
        return Outcome(toast=turn.tr.gettext(NO_LONGER), replace=False)
    if not await access.can_open_case(session, staff, person, now):
        return await access.refuse(
            turn, "request", access.NOT_YOUR_CASE, case_ref=person.case_ref, toast=True
        )
    if await access.active_consent(session, person.id, now) is None:
        return Outcome(toast=turn.tr.gettext(NO_LONGER), replace=False)
    covered = await access.case_unit_ids(session, person.id, now)
    memberships = sorted((await access.roles_of(session, staff.id)).keys())
    if not memberships:
        return Outcome([Screen(turn.tr.gettext(NO_UNIT))], replace=False)
    own = requester_unit(memberships, covered)
    home = await session.get(Unit, own)
    tr = turn.tr
    intro = tr.gettext(INTRO).format(
        type=tr.gettext(meetings.TYPE_LABELS[kind]),
        case=person.case_ref,
        name=staff.name,
        unit=home.name if home else "–",
        phone=staff.phone or (home.phone if home else "–"),
    )
    return await turn.services.engine.start(
        session,
        turn.telegram_id,
        GFI_FLOW if kind == MeetingType.GFI else BOOK_FLOW,
        tr,
        context={
            "type": kind.value,
            "individual_id": person.id,
            "from_unit": own,
            "units": await unit_options(session, tr, own, covered),
        },
        intro=intro,
    )


# ----------------------------------------------------------------- sending


async def finish(session: AsyncSession, state: FlowState, tr: Translator) -> str:
    """The request flow's end: check everything again, then queue the request."""
    clock = meetings.FixedClock(state.updated_at)
    now = clock.now()
    staff = await access.staff_by_telegram(session, state.telegram_id)
    person = await session.get(Individual, state.context.get("individual_id"))
    kind = _type(state.context)
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
    parts = []
    if waiting:
        parts.append(
            tr.gettext(SENT).format(
                type=tr.gettext(meetings.TYPE_LABELS[kind]),
                case=person.case_ref,
                units=await meetings.unit_names(session, waiting),
            )
        )
    if uncovered:
        parts.append(await _ask_consent(session, clock, meeting, staff, person, uncovered, tr))
    return "\n\n".join(parts)


async def _ask_consent(
    session: AsyncSession,
    clock: meetings.FixedClock,
    meeting: Meeting,
    staff: Staff,
    person: Individual,
    uncovered: list[int],
    tr: Translator,
) -> str:
    """Ask the person to add the units; one who cannot be reached leaves them out."""
    names = await meetings.unit_names(session, uncovered)
    if await consent_request.ask(session, clock, meeting, staff, uncovered):
        return tr.gettext(CONSENT_ASKED).format(case=person.case_ref, units=names)
    for target in meeting.units:
        if target.unit_id in uncovered:
            target.status = UnitRequestStatus.RETURNED
            target.returned_reason = "no_consent"
    if len(meetings.unit_ids(meeting)) < 2:
        await meetings.close_request(session, clock, meeting, "no_consent")
    return tr.gettext(CONSENT_UNREACHABLE).format(case=person.case_ref, units=names)


@onboarding.help_section
async def meetings_help(turn: Turn) -> list[str]:
    if await access.staff_by_telegram(turn.session, turn.telegram_id) is not None:
        return [turn.tr.gettext(STAFF_HELP)]
    if await access.individual_by_telegram(turn.session, turn.telegram_id) is not None:
        return [turn.tr.gettext(INDIVIDUAL_HELP)]
    return []
