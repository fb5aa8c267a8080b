"""/ask in the chat: the person's four choices (also under /help and under any text the bot
cannot read), and the staff buttons that answer a request in one tap.

What a person types is never read for meaning and never stored: they get the choices, their
unit's phone number and the crisis line.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from bot.chat import access, actions, buttons, onboarding
from bot.chat.turn import Turn
from bot.meetings import booked_chat, request_chat
from bot.meetings import lifecycle as meetings
from bot.meetings.views import for_staff
from bot.models import Individual, Organisation, Staff, Unit
from bot.models.asks import AskKind, PersonRequest
from bot.models.meetings import Meeting, MeetingType
from bot.nudges import asks
from bot.people import units
from bot.platform.i18n import N_
from flows import texts
from flows.screens import Button, Outcome, Screen

PICK = "ask_pick"
ORGANISATION = "ask_org"
MEETING = "ask_meeting"
BOOK_TYPE = "ask_book_type"

MENU = N_(
    "What do you need? Tap one. A person at {unit} gets it and gets back to you within one "
    "working day."
)
SIP_MEANS = N_(
    "A SIP is a plan you make together with the units: who does what, and when. You may ask "
    "for one."
)
LABELS = {
    AskKind.CALL_ME: N_("📞 Call me"),
    AskKind.WANT_SIP: N_("I want a SIP"),
    AskKind.OTHER_UNIT: N_("I want contact with another unit"),
    AskKind.NEW_TIME: N_("I want a new time"),
}
NOT_UNDERSTOOD = N_(
    "I cannot read messages written here, and nobody watches this chat all the time. "
    "Tap what you need, or call."
)
NOT_UNDERSTOOD_STRANGER = N_(
    "I cannot read messages written here. If someone at a unit gave you a link, open it to "
    "get started. /help shows what I can do."
)
NOT_CONNECTED = N_(
    "I can pass on a request once a unit has connected you with me. If someone at a unit gave "
    "you a link, open it first."
)
NO_CONSENT = N_(
    "You have no consent with the units right now, so I cannot pass on requests. You can "
    "always call them."
)
WHICH_ORGANISATION = N_("Which kind of unit do you want contact with?")
ORGANISATIONS = {
    Organisation.REGION.value: N_("Health care, such as addiction or psychiatric care"),
    Organisation.MUNICIPALITY.value: N_("Social services"),
    "unsure": N_("I'm not sure"),
}
WHICH_MEETING = N_("Which meeting do you want a new time for?")
SENT_TO_STAFF = N_(
    "Thank you. {name} at {unit} gets your request and will get back to you by {when}."
)
SENT_TO_UNIT = N_("Thank you. Staff at {unit} get your request and will get back to you by {when}.")
ALREADY = N_("You already asked for this on {date}. Someone will get back to you by {when}.")
HELP_LINE = N_("/ask – ask for a call, a SIP, contact with another unit or a new time")
ANSWERED = N_("Thank you. The request is marked as answered.")
ALREADY_ANSWERED = N_("{name} has already answered this request.")
GONE = N_("That request no longer exists.")
ASKED_ON = N_("{case} asked for this on {date}.")
WHICH_TYPE = N_("Which meeting do you want to book for {case}?")
BOOK_TYPES = (MeetingType.GFI, MeetingType.SIP, MeetingType.SIP_FOLLOWUP, MeetingType.CLOSING)


# ----------------------------------------------------------------- the person's side


async def ask_menu(turn: Turn) -> Outcome:
    """/ask: the four choices, whom to call and the crisis line."""
    return await _menu(turn, None)


async def not_understood(turn: Turn) -> Outcome:
    """Any text the bot cannot place: never only "I did not understand"."""
    if await access.staff_by_telegram(turn.session, turn.telegram_id) is not None:
        return Outcome.message(turn.tr.gettext(onboarding.UNKNOWN_TEXT))
    if await access.individual_by_telegram(turn.session, turn.telegram_id) is None:
        text = turn.tr.gettext(NOT_UNDERSTOOD_STRANGER)
        return Outcome.message(f"{text}\n\n{texts.human_line(turn.tr)}")
    return await _menu(turn, turn.tr.gettext(NOT_UNDERSTOOD))


async def help_with_choices(turn: Turn) -> Outcome:
    """/help, with the choices under it for a person who can ask."""
    outcome = await onboarding.help_text(turn)
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if individual is None or await _unit(turn, individual) is None:
        return outcome
    outcome.screens[-1].buttons = await _choices(turn, individual)
    return outcome


async def _unit(turn: Turn, individual: Individual) -> Unit | None:
    if await access.active_consent(turn.session, individual.id, turn.clock.now()) is None:
        return None
    return (await asks.answerer(turn.session, individual, turn.clock.now())).unit


async def _menu(turn: Turn, opening: str | None) -> Outcome:
    tr = turn.tr
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if individual is None:
        text = f"{tr.gettext(NOT_CONNECTED)}\n\n{texts.human_line(tr)}"
        return Outcome.message(text)
    unit = await _unit(turn, individual)
    if unit is None:
        phones = units.phone_lines(tr, await _last_units(turn, individual))
        lines = [tr.gettext(NO_CONSENT), "", *phones, "", texts.human_line(tr)]
        return Outcome.message("\n".join(lines))
    parts = [opening] if opening else []
    parts += [
        tr.gettext(MENU).format(unit=unit.name),
        tr.gettext(SIP_MEANS),
        tr.gettext(texts.NOT_WATCHED),
        texts.human_line(tr, unit.name, unit.phone),
    ]
    keyboard = await _choices(turn, individual)
    return Outcome([Screen("\n\n".join(parts), keyboard)], replace=False)


async def _last_units(turn: Turn, individual: Individual) -> list[Unit]:
    ids = await access.named_unit_ids(turn.session, individual.id)
    return await units.by_ids(turn.session, ids)


async def _choices(turn: Turn, individual: Individual) -> list[list[Button]]:
    group = f"ask:{secrets.token_hex(6)}"
    rows = []
    for kind, label in LABELS.items():
        data = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            PICK,
            {"individual_id": individual.id, "kind": kind.value},
            group=group,
        )
        rows.append([Button(turn.tr.gettext(label), data)])
    return rows


async def _asker(turn: Turn, payload: dict[str, Any]) -> Individual | Outcome:
    individual = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if individual is None or individual.id != payload.get("individual_id"):
        return Outcome(toast=turn.tr.gettext(actions.REFUSALS[buttons.Refusal.FOREIGN]))
    if await _unit(turn, individual) is None:
        return await _menu(turn, None)
    return individual


@actions.action(PICK)
async def pick(turn: Turn, payload: dict[str, Any]) -> Outcome:
    individual = await _asker(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    try:
        kind = AskKind(str(payload.get("kind")))
    except ValueError:
        return Outcome(toast=turn.tr.gettext(actions.REFUSALS[buttons.Refusal.UNKNOWN]))
    if kind == AskKind.OTHER_UNIT:
        return await _sub_choice(
            turn,
            individual,
            WHICH_ORGANISATION,
            [
                (turn.tr.gettext(label), ORGANISATION, {"org": code})
                for code, label in ORGANISATIONS.items()
            ],
        )
    if kind == AskKind.NEW_TIME:
        booked = await _booked(turn, individual)
        if len(booked) > 1:
            options = []
            for meeting in booked:
                assert meeting.starts_at is not None
                label = (
                    f"{turn.tr.gettext(meetings.TYPE_LABELS[meeting.type])} · "
                    f"{turn.tr.isolate(turn.tr.datetime(meeting.starts_at))}"
                )
                options.append((label, MEETING, {"meeting_id": meeting.id}))
            return await _sub_choice(turn, individual, WHICH_MEETING, options)
        return await _sent(turn, individual, kind, meeting=booked[0] if booked else None)
    return await _sent(turn, individual, kind)


async def _sub_choice(
    turn: Turn,
    individual: Individual,
    question: str,
    options: list[tuple[str, str, dict[str, Any]]],
) -> Outcome:
    group = f"ask:{secrets.token_hex(6)}"
    rows = []
    for label, action, extra in options:
        data = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            action,
            {"individual_id": individual.id, **extra},
            group=group,
        )
        rows.append([Button(label, data)])
    unit = await _unit(turn, individual)
    line = texts.human_line(turn.tr, unit.name if unit else None, unit.phone if unit else None)
    return Outcome([Screen(f"{turn.tr.gettext(question)}\n\n{line}", rows)])


async def _booked(turn: Turn, individual: Individual) -> list[Meeting]:
    found = await turn.session.scalars(
        select(Meeting)
        .where(
            Meeting.individual_id == individual.id,
            Meeting.status.in_(meetings.TIMED),
            Meeting.type != MeetingType.STAFF_ONLY,
            Meeting.starts_at > turn.clock.now(),
        )
        .order_by(Meeting.starts_at)
    )
    return list(found)


@actions.action(ORGANISATION)
async def organisation_chosen(turn: Turn, payload: dict[str, Any]) -> Outcome:
    individual = await _asker(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    org = str(payload.get("org"))
    return await _sent(turn, individual, AskKind.OTHER_UNIT, organisation=org)


@actions.action(MEETING)
async def meeting_chosen(turn: Turn, payload: dict[str, Any]) -> Outcome:
    individual = await _asker(turn, payload)
    if isinstance(individual, Outcome):
        return individual
    booked = {m.id: m for m in await _booked(turn, individual)}
    meeting = booked.get(payload.get("meeting_id"))  # type: ignore[arg-type]
    return await _sent(turn, individual, AskKind.NEW_TIME, meeting=meeting)


async def _sent(
    turn: Turn,
    individual: Individual,
    kind: AskKind,
    *,
    meeting: Meeting | None = None,
    organisation: str | None = None,
) -> Outcome:
    """Pass the request on, and say who answers by when, with the way to a human."""
    tr, session = turn.tr, turn.session
    before = await asks.open_request(session, individual.id, kind, meeting.id if meeting else None)
    request = await asks.create(
        session, turn.clock, individual, kind, meeting=meeting, organisation=organisation
    )
    unit = await session.get(Unit, request.unit_id) if request.unit_id else None
    staff = await session.get(Staff, request.staff_id) if request.staff_id else None
    when = tr.datetime(request.answer_by)
    if before is not None:
        text = tr.gettext(ALREADY).format(date=tr.date(request.created_at), when=when)
    elif staff is not None and request.escalated_at is None:
        name = unit.name if unit else "–"
        text = tr.gettext(SENT_TO_STAFF).format(name=staff.name, unit=name, when=when)
    else:
        text = tr.gettext(SENT_TO_UNIT).format(unit=unit.name if unit else "–", when=when)
    line = texts.human_line(tr, unit.name if unit else None, unit.phone if unit else None)
    return Outcome([Screen(f"{text}\n\n{tr.gettext(texts.NOT_WATCHED)}\n\n{line}")])


@onboarding.help_section
async def _help(turn: Turn) -> list[str]:
    if await access.individual_by_telegram(turn.session, turn.telegram_id) is None:
        return []
    return [turn.tr.gettext(HELP_LINE)]


# ----------------------------------------------------------------- the staff side


async def _for_staff(turn: Turn, payload: dict[str, Any]) -> tuple[Staff, PersonRequest] | Outcome:
    """The request a button names, for staff who may open the person's case right now."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, "ask", toast=True)
    ask_id = payload.get("ask_id")
    request = await turn.session.get(PersonRequest, ask_id) if isinstance(ask_id, int) else None
    individual = (
        await turn.session.get(Individual, request.individual_id) if request is not None else None
    )
    if request is None or individual is None:
        return Outcome(toast=turn.tr.gettext(GONE), replace=False)
    if not await access.can_open_case(turn.session, staff, individual, turn.clock.now()):
        return await access.refuse(
            turn, "ask", access.NOT_YOUR_CASE, case_ref=individual.case_ref, toast=True
        )
    if request.handled_at is not None:
        by = await turn.session.get(Staff, request.handled_by_staff_id or 0)
        name = by.name if by else "–"
        return Outcome(toast=turn.tr.gettext(ALREADY_ANSWERED).format(name=name), replace=False)
    return staff, request


@actions.action(asks.DONE_ACTION)
async def done(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _for_staff(turn, payload)
    if isinstance(found, Outcome):
        return found
    staff, request = found
    await asks.handle(turn.session, turn.clock, request, staff, "contacted")
    return Outcome([Screen(turn.tr.gettext(ANSWERED))], replace=False)


@actions.action(asks.REQUEST_ACTION)
async def start_request(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _for_staff(turn, payload)
    if isinstance(found, Outcome):
        return found
    try:
        kind = MeetingType(str(payload.get("type")))
    except ValueError:
        return Outcome(toast=turn.tr.gettext(GONE), replace=False)
    return await _start(turn, *found, kind)


@actions.action(asks.BOOK_ACTION)
async def book(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _for_staff(turn, payload)
    if isinstance(found, Outcome):
        return found
    _staff, request = found
    individual = await turn.session.get(Individual, request.individual_id)
    assert individual is not None
    group = f"ask-book:{secrets.token_hex(6)}"
    rows = []
    for kind in BOOK_TYPES:
        data = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            BOOK_TYPE,
            {"ask_id": request.id, "type": kind.value},
            group=group,
        )
        rows.append([Button(turn.tr.gettext(meetings.TYPE_LABELS[kind]), data)])
    text = turn.tr.gettext(WHICH_TYPE).format(case=individual.case_ref)
    return Outcome([Screen(text, rows)], replace=False)


@actions.action(BOOK_TYPE)
async def book_type(turn: Turn, payload: dict[str, Any]) -> Outcome:
    return await start_request(turn, payload)


async def _start(turn: Turn, staff: Staff, request: PersonRequest, kind: MeetingType) -> Outcome:
    individual = await turn.session.get(Individual, request.individual_id)
    assert individual is not None
    if await access.active_consent(turn.session, individual.id, turn.clock.now()) is None:
        return Outcome(toast=turn.tr.gettext(GONE), replace=False)
    await asks.handle(turn.session, turn.clock, request, staff, f"request_{kind.value}"[:16])
    notice = turn.tr.gettext(ASKED_ON).format(
        case=individual.case_ref, date=turn.tr.date(request.created_at)
    )
    what = turn.tr.gettext(asks.WHAT[request.kind])
    outcome = await request_chat.start_for(
        turn, staff, individual, kind, notice=f"{notice} ({what})"
    )
    outcome.replace = False
    return outcome


@actions.action(asks.NEW_TIME_ACTION)
async def new_time(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _for_staff(turn, payload)
    if isinstance(found, Outcome):
        return found
    staff, request = found
    view = await for_staff(turn, {"meeting_id": request.meeting_id}, "ask", participant=True)
    if isinstance(view, Outcome):
        return view
    await asks.handle(turn.session, turn.clock, request, staff, "new_time")
    return await booked_chat.find_new_time(turn, {"meeting_id": request.meeting_id})
