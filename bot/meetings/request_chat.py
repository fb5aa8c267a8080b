"""Starting a request in the chat: which person, which kind of meeting, then the request flow."""

from __future__ import annotations

from typing import Any

from bot.chat import access, actions, onboarding
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.meetings.request import NO_LONGER, cases_for, request_type, requester_unit, unit_options
from bot.meetings.views import token
from bot.models import Individual, Staff, Unit
from bot.models.meetings import MeetingType
from bot.platform.i18n import N_
from flows.gfi_request import (
    BOOK_FLOW,
    GFI_FLOW,
)
from flows.screens import Button, Outcome, Screen

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


STAFF_HELP = N_(
    "Meetings:\n"
    "/gfi – request a GFI\n"
    "/book – book a SIP meeting, a follow-up, a staff-only or a closing meeting\n"
    "/meetings – your meetings and requests"
)


INDIVIDUAL_HELP = N_("/meetings – your meetings")


async def begin(turn: Turn, meeting_type: MeetingType) -> Outcome:
    """``/gfi`` (and ``/book`` after the type): pick the person first."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, f"request_{meeting_type.value}")
    if not await access.roles_of(turn.session, staff.id):
        return Outcome.message(turn.tr.gettext(NO_UNIT))
    cases = await cases_for(turn.session, staff, turn.clock.now())
    if not cases:
        return Outcome.message(turn.tr.gettext(NO_CASES))
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


@actions.action("mtg_book")
async def book_type(turn: Turn, payload: dict[str, Any]) -> Outcome:
    kind = request_type(payload)
    if kind is None or kind not in BOOKABLE:
        return Outcome(toast=turn.tr.gettext(NO_LONGER), replace=False)
    outcome = await begin(turn, kind)
    outcome.replace = True
    return outcome


@actions.action("mtg_case")
async def case_chosen(turn: Turn, payload: dict[str, Any]) -> Outcome:
    session, now = turn.session, turn.clock.now()
    kind = request_type(payload)
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
    return await start_for(turn, staff, person, kind)


async def start_for(
    turn: Turn, staff: Staff, person: Individual, kind: MeetingType, *, notice: str | None = None
) -> Outcome:
    """The request flow for this person, after the caller checked access and consent;
    ``notice`` opens it (such as what the person asked for)."""
    session, now = turn.session, turn.clock.now()
    covered = await access.case_unit_ids(session, person.id, now)
    memberships = sorted((await access.roles_of(session, staff.id)).keys())
    if not memberships:
        return Outcome.message(turn.tr.gettext(NO_UNIT))
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
    if notice:
        intro = f"{notice}\n\n{intro}"
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


@onboarding.help_section
async def meetings_help(turn: Turn) -> list[str]:
    if await access.staff_by_telegram(turn.session, turn.telegram_id) is not None:
        return [turn.tr.gettext(STAFF_HELP)]
    if await access.individual_by_telegram(turn.session, turn.telegram_id) is not None:
        return [turn.tr.gettext(INDIVIDUAL_HELP)]
    return []
