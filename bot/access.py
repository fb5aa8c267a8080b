"""Who may do what. Every command and button checks here on the server side; hiding a button
is never the check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.models import Consent, Individual, Role, Staff, StaffMembership


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
    consents = await session.scalars(
        select(Consent)
        .where(
            Consent.individual_id == individual_id,
            Consent.withdrawn_at.is_(None),
            Consent.expired_at.is_(None),
            Consent.valid_until > now,
        )
        .options(selectinload(Consent.units))
        .order_by(Consent.given_at.desc())
    )
    return consents.first()


async def case_unit_ids(session: AsyncSession, individual_id: int, now: datetime) -> set[int]:
    consent = await active_consent(session, individual_id, now)
    return {unit.id for unit in consent.units} if consent else set()


async def can_open_case(
    session: AsyncSession, staff: Staff, individual: Individual, now: datetime
) -> bool:
    """Staff see a case when it is theirs, or when its consent covers one of their units."""
    if individual.responsible_staff_id == staff.id:
        return True
    mine = set((await roles_of(session, staff.id)).keys())
    return bool(mine & await case_unit_ids(session, individual.id, now))


async def require_case(
    session: AsyncSession, staff: Staff, individual: Individual, now: datetime
) -> None:
    if not await can_open_case(session, staff, individual, now):
        raise AccessDenied(f"staff {staff.id} may not open case {individual.case_ref}")
