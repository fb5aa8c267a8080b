"""Staff looking at cases: ``/cases``, ``/case K-…``, an alias, and the button that starts
closing a case (the closure itself is :mod:`bot.nudges.closure_chat`).

Opening a case is audited; a case outside the staff member's units is refused (and audited)
the same way whether it exists or not, so references cannot be probed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from bot.chat import access, actions, audit, buttons
from bot.chat.turn import Turn
from bot.models import Consent, Individual, IndividualInvite, Role, Staff, consent_units
from bot.people import consent, individuals
from bot.platform.i18n import N_
from bot.platform.wiring import mark
from flows import texts as flow_texts
from flows.screens import Button, Outcome, Screen, rows

MAX_LISTED = 40
ALIAS_LENGTH = 40
_IDENTITY_NUMBER = re.compile(r"\d{6}(\d{2})?\s*[-+]?\s*\d{4}")

CASE_HEAD = N_("Case {case_ref}")
CASE_WAITING = N_("Waiting for the person to open the link. It works until {date}.")
CASE_NO_CONSENT = N_("No consent at the moment.")
CASE_CLOSED = N_("Closed on {date}.")
CASE_ERASE = N_("Its data is erased on {date}.")
CASE_CONTACT = N_("Contact person: {name}")
CASE_ALIAS = N_("Alias: {alias}")
CASES_HEAD = N_("Cases of your units:")
CASES_NONE = N_("There are no cases for your units yet. /invite creates a link for a person.")
CASE_USAGE = N_("Write the case number after the command, like this: /case K-7F3Q")
CLOSE = N_("Close the case")
ALIAS_USAGE = N_(
    "Write the case number and a short alias, like this: /alias K-7F3Q Anna. Please do not "
    "write full names or personal identity numbers."
)
ALIAS_TOO_LONG = N_("The alias may be at most {limit}.")
ALIAS_IDENTITY = N_("That looks like a personal identity number. It cannot be stored.")
ALIAS_SAVED = N_("The alias for case {case_ref} is saved. Only staff see it.")


CASE_SECTION = "case_section"


@dataclass
class CaseSection:
    """Lines and buttons a feature adds to ``/case``, such as a SIP or open transitions."""

    lines: list[str] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)


SectionFunction = Callable[[Turn, Staff, Individual], Awaitable[CaseSection]]


def case_section(function: SectionFunction) -> SectionFunction:
    """Mark ``async def section(turn, staff, case) -> CaseSection``; ``/case`` shows what each
    returns after the case's own lines, once access to the case has been checked."""
    return mark(CASE_SECTION, "")(function)


async def list_cases(turn: Turn) -> Outcome:
    """``/cases``: the cases this staff member may open, each a button."""
    member = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if member is None:
        return await access.refuse(turn, "cases")
    mine = set((await access.roles_of(turn.session, member.id)).keys())
    now = turn.clock.now()
    covered = (
        select(Consent.individual_id)
        .join(consent_units, consent_units.c.consent_id == Consent.id)
        .where(
            consent_units.c.unit_id.in_(mine or {-1}),
            Consent.withdrawn_at.is_(None),
            Consent.expired_at.is_(None),
            Consent.valid_until > now,
        )
    )
    found = await turn.session.scalars(
        select(Individual)
        .where(or_(Individual.responsible_staff_id == member.id, Individual.id.in_(covered)))
        .order_by(Individual.created_at.desc())
        .limit(MAX_LISTED)
    )
    cases = [case for case in found if await access.can_open_case(turn.session, member, case, now)]
    if not cases:
        return Outcome.message(turn.tr.gettext(CASES_NONE))
    group = f"cases:{secrets.token_hex(6)}"
    choices = []
    for case in cases:
        data = await buttons.issue(
            turn.session,
            turn.clock,
            turn.telegram_id,
            "case_open",
            {"case_ref": case.case_ref},
            single_use=False,
            group=group,
        )
        choices.append(Button(case.case_ref, data))
    return Outcome([Screen(turn.tr.gettext(CASES_HEAD), rows(choices, 3))], replace=False)


async def open_case(turn: Turn, ref: str, *, replace: bool = False) -> Outcome:
    """``/case K-…``: the case in a few lines, after checking the staff member may see it."""
    if not ref.strip():
        if await access.staff_by_telegram(turn.session, turn.telegram_id) is None:
            return await access.refuse(turn, "case")
        return Outcome.message(turn.tr.gettext(CASE_USAGE))
    allowed = await allowed_case(turn, ref)
    if isinstance(allowed, Outcome):
        return allowed
    member, case = allowed
    audit.record(
        turn.session, turn.clock, "case_opened", actor=f"staff:{member.id}", case_ref=case.case_ref
    )
    lines = [turn.tr.gettext(CASE_HEAD).format(case_ref=case.case_ref), ""]
    lines += await _status_lines(turn, case)
    keyboard: list[list[Button]] = []
    for section in turn.services.wiring.all(CASE_SECTION, ""):
        found: CaseSection = await section(turn, member, case)
        if found.lines:
            lines += ["", *found.lines]
        keyboard += found.buttons
    if case.closed_at is None and await may_close(turn, member, case):
        data = await buttons.issue(
            turn.session, turn.clock, turn.telegram_id, "case_close", {"case_ref": case.case_ref}
        )
        keyboard.append([Button(turn.tr.gettext(CLOSE), data)])
    return Outcome([Screen("\n".join(lines), keyboard)], replace=replace)


async def set_alias(turn: Turn, arguments: str) -> Outcome:
    """``/alias K-… text``: a short name only staff see, never an identity number."""
    ref, _, alias = arguments.strip().partition(" ")
    alias = " ".join(alias.split())
    if not ref or not alias:
        if await access.staff_by_telegram(turn.session, turn.telegram_id) is None:
            return await access.refuse(turn, "alias")
        return Outcome.message(turn.tr.gettext(ALIAS_USAGE))
    allowed = await allowed_case(turn, ref)
    if isinstance(allowed, Outcome):
        return allowed
    member, case = allowed
    if len(alias) > ALIAS_LENGTH:
        most = turn.tr.counted_marked(flow_texts.CHARACTERS, ALIAS_LENGTH)
        text = turn.tr.gettext(ALIAS_TOO_LONG).format(limit=most)
        return Outcome.message(text)
    if _IDENTITY_NUMBER.search(alias):
        return Outcome.message(turn.tr.gettext(ALIAS_IDENTITY))
    case.alias = alias
    audit.record(
        turn.session, turn.clock, "alias_set", actor=f"staff:{member.id}", case_ref=case.case_ref
    )
    text = turn.tr.gettext(ALIAS_SAVED).format(case_ref=case.case_ref)
    return Outcome.message(text)


@actions.action("case_open")
async def _open_pressed(turn: Turn, payload: dict[str, Any]) -> Outcome:
    return await open_case(turn, str(payload.get("case_ref") or ""), replace=False)


async def allowed_case(
    turn: Turn, ref: str, *, toast: bool = False
) -> tuple[Staff, Individual] | Outcome:
    member = await access.staff_by_telegram(turn.session, turn.telegram_id)
    if member is None:
        return await access.refuse(turn, "case", toast=toast)
    case = await individuals.by_case_ref(turn.session, ref)
    if case is None or not await access.can_open_case(turn.session, member, case, turn.clock.now()):
        return await access.refuse(
            turn,
            "case",
            access.NOT_YOUR_CASE,
            case_ref=case.case_ref if case is not None else None,
            toast=toast,
        )
    return member, case


async def may_close(turn: Turn, member: Staff, case: Individual) -> bool:
    """The responsible staff member, or an admin of a unit the case's consent covers."""
    if case.responsible_staff_id == member.id:
        return True
    roles = await access.roles_of(turn.session, member.id)
    covered = await access.case_unit_ids(turn.session, case.id, turn.clock.now())
    return any(access.has_role(roles, Role.ADMIN, unit_id) for unit_id in covered)


async def _status_lines(turn: Turn, case: Individual) -> list[str]:
    tr = turn.tr
    now = turn.clock.now()
    lines: list[str] = []
    if case.telegram_id is None:
        invite = await turn.session.scalar(
            select(IndividualInvite).where(IndividualInvite.individual_id == case.id)
        )
        if invite is not None:
            lines.append(tr.gettext(CASE_WAITING).format(date=tr.date(invite.expires_at)))
    current = await consent.active(turn.session, case.id, now)
    for record in current:
        lines += consent.describe(tr, record, staff=True)
    if case.telegram_id is not None and not current:
        lines.append(tr.gettext(CASE_NO_CONSENT))
    if case.closed_at is not None:
        lines.append(tr.gettext(CASE_CLOSED).format(date=tr.date(case.closed_at)))
    if case.erase_after is not None and case.telegram_id is not None:
        lines.append(tr.gettext(CASE_ERASE).format(date=tr.date(case.erase_after)))
    if case.responsible_staff_id is not None:
        contact = await turn.session.get(Staff, case.responsible_staff_id)
        if contact is not None and contact.name:
            name = f"{contact.name}, {contact.phone}" if contact.phone else contact.name
            lines.append(tr.gettext(CASE_CONTACT).format(name=name))
    if case.alias:
        lines.append(tr.gettext(CASE_ALIAS).format(alias=case.alias))
    return lines
