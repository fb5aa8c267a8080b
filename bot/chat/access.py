"""Who may do what. Every command and button checks here on the server side; hiding a button
is never the check."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, selectinload

from bot.chat import audit
from bot.chat.turn import Turn
from bot.models import (
    Consent,
    Individual,
    IndividualInvite,
    Role,
    Staff,
    StaffMembership,
    Unit,
    consent_units,
)
from bot.platform.i18n import N_
from flows.screens import Outcome

STAFF_ONLY = N_("That is only for staff at a unit.")
ADMIN_ONLY = N_("That is only for admins.")
NOT_YOUR_CASE = N_("You do not have access to that case.")
UNKNOWN_ACTOR = "telegram-account"


class AccessDenied(Exception):
    """The person lacks the role or the relation to the case; the caller refuses and audits."""


async def staff_by_telegram(session: AsyncSession, telegram_id: int) -> Staff | None:
    return await session.scalar(
        select(Staff)
        .where(Staff.telegram_id == telegram_id, Staff.removed_at.is_(None))
        .options(selectinload(Staff.memberships))
    )


async def individual_by_telegram(session: AsyncSession, telegram_id: int) -> Individual | None:
    return await session.scalar(select(Individual).where(Individual.telegram_id == telegram_id))


async def roles_of(session: AsyncSession, staff_id: int) -> dict[int, Role]:
    """Unit id to role for one staff member."""
    rows = await session.execute(
        select(StaffMembership.unit_id, StaffMembership.role).where(
            StaffMembership.staff_id == staff_id
        )
    )
    return {unit_id: Role(role) for unit_id, role in rows.all()}


def has_role(roles: dict[int, Role], role: Role, unit_id: int | None = None) -> bool:
    """Admin outranks distributor, which outranks staff."""
    rank = {Role.STAFF: 0, Role.DISTRIBUTOR: 1, Role.ADMIN: 2}
    wanted = rank[role]
    if unit_id is not None:
        held = roles.get(unit_id)
        return held is not None and rank[held] >= wanted
    return any(rank[held] >= wanted for held in roles.values())


async def active_consent(
    session: AsyncSession, individual_id: int, now: datetime
) -> Consent | None:
    """The newest consent that is neither withdrawn nor expired."""
    consents = await active_consents(session, individual_id, now)
    return consents[0] if consents else None


async def active_consents(
    session: AsyncSession, individual_id: int, now: datetime
) -> list[Consent]:
    """Every consent neither withdrawn nor expired, newest first, with its units: one
    statement, so that a turn needing both the consent and the units it covers reads once.

    The units are joined one table after the other: joined as a pair (SQLAlchemy's default
    for a secondary table), SQLite read the whole table of consents' units for each lookup,
    a cost that grew with the number of people."""
    consents = await session.scalars(
        _active_consents_query(), {"individual_id": individual_id, "now": now}
    )
    return list(consents.unique())


@cache
def _active_consents_query() -> Select[Consent]:
    """Built once: building it for every call cost more CPU than running it."""
    return (
        select(Consent)
        .outerjoin(consent_units, consent_units.c.consent_id == Consent.id)
        .outerjoin(Unit, Unit.id == consent_units.c.unit_id)
        .where(
            Consent.individual_id == bindparam("individual_id"),
            Consent.withdrawn_at.is_(None),
            Consent.expired_at.is_(None),
            Consent.valid_until > bindparam("now"),
        )
        .options(contains_eager(Consent.units))
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    )


async def case_unit_ids(session: AsyncSession, individual_id: int, now: datetime) -> set[int]:
    """Every unit some active consent covers; a second invitation may add units."""
    consents = await active_consents(session, individual_id, now)
    return {unit.id for consent in consents for unit in consent.units}


async def can_open_case(
    session: AsyncSession, staff: Staff, individual: Individual, now: datetime
) -> bool:
    """Staff see a case while they are a member of a unit its consent covers, checked at every
    request, so being removed from a unit ends its cases at once.

    Being responsible adds only this: while no consent is in force (the link is not opened
    yet, or consent was withdrawn or ran out), the responsible staff member still sees the
    case through the units it was made for, as long as they are still a member of one.
    """
    mine = set((await roles_of(session, staff.id)).keys())
    if not mine:
        return False
    covered = await case_unit_ids(session, individual.id, now)
    if covered:
        return bool(mine & covered)
    if individual.responsible_staff_id != staff.id:
        return False
    return bool(mine & await named_unit_ids(session, individual.id))


async def named_unit_ids(session: AsyncSession, individual_id: int) -> set[int]:
    """Every unit the case's invitations or consents ever named, in force or not."""
    consented = await session.scalars(
        select(consent_units.c.unit_id)
        .join(Consent, Consent.id == consent_units.c.consent_id)
        .where(Consent.individual_id == individual_id)
    )
    found = set(consented)
    invited = await session.scalars(
        select(IndividualInvite.unit_ids).where(IndividualInvite.individual_id == individual_id)
    )
    for listed in invited:
        found.update(int(part) for part in listed.split(",") if part.strip().isdigit())
    return found


async def require_case(
    session: AsyncSession, staff: Staff, individual: Individual, now: datetime
) -> None:
    if not await can_open_case(session, staff, individual, now):
        raise AccessDenied(f"staff {staff.id} may not open case {individual.case_ref}")


async def actor_for(session: AsyncSession, telegram_id: int) -> str:
    """How an audit entry names the person: a staff id or a case reference, never a Telegram id."""
    staff = await staff_by_telegram(session, telegram_id)
    if staff is not None:
        return f"staff:{staff.id}"
    individual = await individual_by_telegram(session, telegram_id)
    if individual is not None:
        return individual.case_ref
    return UNKNOWN_ACTOR


async def case_ref_in(session: AsyncSession, payload: dict[str, object]) -> str | None:
    """The case a button's payload names, through ``case_ref`` or ``individual_id``."""
    ref = payload.get("case_ref")
    if isinstance(ref, str):
        return ref[:16]
    individual_id = payload.get("individual_id")
    if isinstance(individual_id, int) and not isinstance(individual_id, bool):
        individual = await session.get(Individual, individual_id)
        return individual.case_ref if individual is not None else None
    return None


async def require_staff(
    session: AsyncSession, telegram_id: int, role: Role = Role.STAFF, unit_id: int | None = None
) -> Staff:
    """The active staff member behind this account holding ``role``; raises AccessDenied."""
    staff = await staff_by_telegram(session, telegram_id)
    if staff is None:
        raise AccessDenied("not staff")
    if not has_role(await roles_of(session, staff.id), role, unit_id):
        raise AccessDenied(f"staff {staff.id} lacks {role.value}")
    return staff


async def refuse(
    turn: Turn,
    what: str,
    message: str = STAFF_ONLY,
    *,
    case_ref: str | None = None,
    toast: bool = False,
) -> Outcome:
    """Say no in one line and write the audit entry every refusal needs."""
    actor = await actor_for(turn.session, turn.telegram_id)
    audit.record(turn.session, turn.clock, "refused", actor=actor, case_ref=case_ref, what=what)
    text = turn.tr.gettext(message)
    if toast:
        return Outcome(toast=text, replace=False)
    return Outcome.message(text)
