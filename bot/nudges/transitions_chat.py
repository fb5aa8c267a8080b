"""Transitions in the chat: the individual's answer, the receiving unit's confirmation, the
referrer's "I have followed it up", and the open transitions on ``/case``."""

from __future__ import annotations

from typing import Any

from bot.chat import access, actions, buttons
from bot.chat.turn import Turn
from bot.meetings import lifecycle as meetings
from bot.models import Individual, Role, Staff, Unit
from bot.models.nudges import TransitionCheck
from bot.nudges import transition_answers as answers
from bot.nudges import transitions as tx
from bot.people.cases_chat import CaseSection, case_section
from bot.platform.i18n import N_
from flows.screens import Button, Outcome, Screen

WORKS_REPLY = N_("Good to hear, thank you! If something stops, call {unit} on {phone}.")
NOT_WORKING_REPLY = N_(
    "Thank you for telling me. I have let the person who referred you know, so they can help "
    "you find what works. You can also call {unit} on {phone}."
)
NOT_STARTED_REPLY = N_(
    "Thank you for telling me. It happens. I have let the person who referred you know, so "
    "they can help you get started. You can also call {unit} on {phone}."
)
ALREADY_ANSWERED = N_("You have already answered this. Thank you!")
UNIT_THANKS = N_("Thank you. {referrer} has been told that contact with {case} has started.")
UNIT_NOT_YET = N_(
    "Noted: contact with {case} has not started yet, and {referrer} has been told. Press the "
    "button when it has started."
)
UNIT_DONE = N_("That referral is already confirmed or closed.")
NOT_DISTRIBUTOR = N_("Only the receiving unit's distributors can confirm this.")
FOLLOWED_UP = N_(
    "Thank you. The referral of {case} to {unit} is closed; nobody is nudged about it."
)
NOT_YOURS = N_("Only the referring staff member and their unit's distributors can close this.")

CASE_TITLE = N_("Open transitions:")
CASE_LINE = N_("→ {unit}, referred on {date}")
UNIT_CONFIRMED = N_("unit: contact started ({date})")
UNIT_SAYS_NO = N_("unit: says not started yet")
UNIT_WAITING = N_("unit: not confirmed yet (by {date})")
UNIT_NOT_ASKED = N_("unit: not asked here")
PERSON_WORKS = N_("person: it works")
PERSON_NOT_WORKING = N_("person: does not work well")
PERSON_NOT_STARTED = N_("person: not started yet")
PERSON_WAITING = N_("person: will be asked on {date}")
PERSON_SILENT = N_("person: no answer")


async def _own_check(turn: Turn, payload: dict[str, Any]) -> tuple[TransitionCheck, Unit] | Outcome:
    check_id = payload.get("check_id")
    check = await turn.session.get(TransitionCheck, check_id) if isinstance(check_id, int) else None
    person = await access.individual_by_telegram(turn.session, turn.telegram_id)
    if check is None or person is None or check.individual_id != person.id:
        refusal = actions.REFUSALS[buttons.Refusal.FOREIGN]
        return Outcome(toast=turn.tr.gettext(refusal), replace=False)
    unit = await turn.session.get(Unit, check.unit_id)
    if check.answer is not None or unit is None:
        return Outcome([Screen(turn.tr.gettext(ALREADY_ANSWERED))])
    return check, unit


async def _person_answers(turn: Turn, payload: dict[str, Any], answer: str, reply: str) -> Outcome:
    found = await _own_check(turn, payload)
    if isinstance(found, Outcome):
        return found
    check, unit = found
    await answers.answer_person(turn.session, turn.clock, check, answer)
    return Outcome([Screen(turn.tr.gettext(reply).format(unit=unit.name, phone=unit.phone))])


@actions.action(tx.STARTED_ACTION)
async def works(turn: Turn, payload: dict[str, Any]) -> Outcome:
    return await _person_answers(turn, payload, tx.WORKS, WORKS_REPLY)


@actions.action(tx.NOT_WORKING_ACTION)
async def not_working(turn: Turn, payload: dict[str, Any]) -> Outcome:
    return await _person_answers(turn, payload, tx.NOT_WORKING, NOT_WORKING_REPLY)


@actions.action(tx.NOT_STARTED_ACTION)
async def not_started(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """No blame: the referring staff member hears it at once and can help."""
    return await _person_answers(turn, payload, tx.NOT_STARTED, NOT_STARTED_REPLY)


async def _unit_check(
    turn: Turn, payload: dict[str, Any]
) -> tuple[TransitionCheck, Staff] | Outcome:
    """The check, for a distributor of the receiving unit who may see the case."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, "transition", toast=True)
    found = await _staff_check(turn, payload)
    if isinstance(found, Outcome):
        return found
    check, case = found
    roles = await access.roles_of(turn.session, staff.id)
    if not access.has_role(
        roles, Role.DISTRIBUTOR, check.unit_id
    ) or not await access.can_open_case(turn.session, staff, case, turn.clock.now()):
        return await access.refuse(
            turn, "transition", NOT_DISTRIBUTOR, case_ref=case.case_ref, toast=True
        )
    if check.closed_at is not None or check.unit_answer == tx.STARTED:
        return Outcome([Screen(turn.tr.gettext(UNIT_DONE))])
    return check, staff


async def _staff_check(
    turn: Turn, payload: dict[str, Any]
) -> tuple[TransitionCheck, Individual] | Outcome:
    """The check a staff button names; one that is gone is refused like a foreign case."""
    check_id = payload.get("check_id")
    check = await turn.session.get(TransitionCheck, check_id) if isinstance(check_id, int) else None
    case = await turn.session.get(Individual, check.individual_id) if check else None
    if check is None or case is None:
        return await access.refuse(turn, "transition", access.NOT_YOUR_CASE, toast=True)
    return check, case


async def _names(turn: Turn, check: TransitionCheck) -> dict[str, str]:
    case = await turn.session.get(Individual, check.individual_id)
    referrer = await turn.session.get(Staff, check.referring_staff_id or 0)
    unit = await turn.session.get(Unit, check.unit_id)
    return {
        "case": case.case_ref if case else "–",
        "referrer": referrer.name if referrer else "–",
        "unit": unit.name if unit else "–",
    }


@actions.action(tx.UNIT_STARTED_ACTION)
async def unit_started(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _unit_check(turn, payload)
    if isinstance(found, Outcome):
        return found
    check, staff = found
    await answers.answer_unit(turn.session, turn.clock, check, staff, tx.STARTED)
    return Outcome([Screen(turn.tr.gettext(UNIT_THANKS).format(**await _names(turn, check)))])


@actions.action(tx.UNIT_NOT_STARTED_ACTION)
async def unit_not_started(turn: Turn, payload: dict[str, Any]) -> Outcome:
    found = await _unit_check(turn, payload)
    if isinstance(found, Outcome):
        return found
    check, staff = found
    if check.unit_answer != tx.NOT_STARTED:
        await answers.answer_unit(turn.session, turn.clock, check, staff, tx.NOT_STARTED)
    data = await buttons.issue(
        turn.session, turn.clock, turn.telegram_id, tx.UNIT_STARTED_ACTION, {"check_id": check.id}
    )
    text = turn.tr.gettext(UNIT_NOT_YET).format(**await _names(turn, check))
    return Outcome([Screen(text, [[Button(turn.tr.gettext(tx.UNIT_STARTED_LABEL), data)]])])


@actions.action(tx.FOLLOWED_UP_ACTION)
async def followed_up(turn: Turn, payload: dict[str, Any]) -> Outcome:
    """The referrer (or a distributor of the referring unit) has taken care of it."""
    staff = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if staff is None:
        return await access.refuse(turn, "transition", toast=True)
    found = await _staff_check(turn, payload)
    if isinstance(found, Outcome):
        return found
    check, case = found
    roles = await access.roles_of(turn.session, staff.id)
    theirs = staff.id == check.referring_staff_id or (
        check.referring_unit_id is not None
        and access.has_role(roles, Role.DISTRIBUTOR, check.referring_unit_id)
    )
    if not theirs or not await access.can_open_case(turn.session, staff, case, turn.clock.now()):
        return await access.refuse(
            turn, "transition", NOT_YOURS, case_ref=case.case_ref, toast=True
        )
    await tx.close(turn.session, turn.clock, check, "followed_up")
    return Outcome([Screen(turn.tr.gettext(FOLLOWED_UP).format(**await _names(turn, check)))])


@case_section
async def _on_case(turn: Turn, staff: Staff, case: Individual) -> CaseSection:
    """Each open transition and where each side stands."""
    checks = await tx.open_for(turn.session, case.id)
    if not checks:
        return CaseSection()
    tr, now = turn.tr, turn.clock.now()
    lines = [tr.gettext(CASE_TITLE)]
    units = await meetings.units_by_id(turn.session, [c.unit_id for c in checks])
    for check in checks:
        unit = units.get(check.unit_id)
        head = tr.gettext(CASE_LINE).format(
            unit=unit.name if unit else "–", date=tr.date(check.referred_at)
        )
        lines.append(f"{head}: {unit_state(turn, check)}; {person_state(turn, check, now)}")
    return CaseSection(lines)


def unit_state(turn: Turn, check: TransitionCheck) -> str:
    tr = turn.tr
    if check.unit_answer == tx.STARTED and check.unit_answered_at is not None:
        return tr.gettext(UNIT_CONFIRMED).format(date=tr.date(check.unit_answered_at))
    if check.unit_answer == tx.NOT_STARTED:
        return tr.gettext(UNIT_SAYS_NO)
    if check.unit_due_at is not None:
        return tr.gettext(UNIT_WAITING).format(date=tr.date(check.unit_due_at))
    return tr.gettext(UNIT_NOT_ASKED)


def person_state(turn: Turn, check: TransitionCheck, now: Any) -> str:
    tr = turn.tr
    answered = {
        tx.WORKS: PERSON_WORKS,
        tx.NOT_WORKING: PERSON_NOT_WORKING,
        tx.NOT_STARTED: PERSON_NOT_STARTED,
    }
    if check.answer in answered:
        return tr.gettext(answered[check.answer])
    if check.ask_at > now:
        return tr.gettext(PERSON_WAITING).format(date=tr.date(check.ask_at))
    return tr.gettext(PERSON_SILENT)
