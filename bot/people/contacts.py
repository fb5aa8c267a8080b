"""Who a nudge is about and whom to call: the responsible staff member and unit of a case,
the staff taking part in a meeting, and the "call us" line every question to an individual
carries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    Consent,
    Individual,
    OutboxMessage,
    Staff,
    StaffMembership,
    Unit,
    consent_units,
)
from bot.models.meetings import Meeting, MeetingUnit, UnitRequestStatus
from bot.outbox import queue as outbox
from bot.platform.clock import Clock
from bot.platform.i18n import N_

CALL_UNIT = N_("Questions? Call {unit} on {phone}.")
CALL_ANY_UNIT = N_("Questions? /help shows the phone numbers of your units.")


async def active_staff(session: AsyncSession, staff_id: int | None) -> Staff | None:
    """A staff member who is still there and can be written to."""
    if staff_id is None:
        return None
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.removed_at is not None or staff.telegram_id is None:
        return None
    return staff


async def responsible_staff(session: AsyncSession, individual: Individual) -> Staff | None:
    return await active_staff(session, individual.responsible_staff_id)


async def home_unit(
    session: AsyncSession, individual: Individual, meeting: Meeting | None = None
) -> Unit | None:
    """The unit an individual is told to call: the meeting organiser's, else the unit of
    their responsible staff member."""
    if meeting is not None and meeting.requester_unit_id is not None:
        unit = await session.get(Unit, meeting.requester_unit_id)
        if unit is not None:
            return unit
    if individual.responsible_staff_id is None:
        return None
    return await session.scalar(
        select(Unit)
        .join(StaffMembership, StaffMembership.unit_id == Unit.id)
        .where(StaffMembership.staff_id == individual.responsible_staff_id)
        .order_by(Unit.id)
        .limit(1)
    )


def call_line(unit: Unit | None) -> dict[str, Any]:
    if unit is None:
        return outbox.msg_param(CALL_ANY_UNIT)
    return outbox.msg_param(CALL_UNIT, unit=unit.name, phone=unit.phone)


async def meeting_staff(session: AsyncSession, meeting: Meeting) -> list[Staff]:
    """The organiser first, then everyone each unit assigned; each once."""
    ids: list[int] = []
    if meeting.requester_staff_id is not None:
        ids.append(meeting.requester_staff_id)
    targets = await session.scalars(
        select(MeetingUnit)
        .where(
            MeetingUnit.meeting_id == meeting.id,
            MeetingUnit.status == UnitRequestStatus.ASSIGNED,
        )
        .order_by(MeetingUnit.unit_id)
    )
    for target in targets:
        for staff_id in target.assigned_ids():
            if staff_id not in ids:
                ids.append(staff_id)
    found = [await active_staff(session, staff_id) for staff_id in ids]
    return [staff for staff in found if staff is not None]


async def organiser(session: AsyncSession, meeting: Meeting) -> Staff | None:
    """The requester; when they are gone, the first assigned staff member."""
    staff = await active_staff(session, meeting.requester_staff_id)
    if staff is not None:
        return staff
    everyone = await meeting_staff(session, meeting)
    return everyone[0] if everyone else None


async def notify_staff(
    session: AsyncSession,
    clock: Clock,
    staff: Staff | None,
    *,
    individual: Individual | None = None,
    **fields: Any,
) -> OutboxMessage | None:
    """Queue a message to a staff member who can be reached in the chat (None if not).

    ``fields`` are what :func:`bot.outbox.queue.enqueue` takes besides the recipient.
    """
    if staff is None or staff.telegram_id is None:
        return None
    if individual is not None:
        fields["individual_id"] = individual.id
    return await outbox.enqueue(
        session, clock, chat_id=staff.telegram_id, staff_id=staff.id, **fields
    )


async def notify_responsible(
    session: AsyncSession, clock: Clock, individual: Individual, **fields: Any
) -> OutboxMessage | None:
    """Queue a message about ``individual`` to their responsible staff member, if reachable."""
    staff = await responsible_staff(session, individual)
    return await notify_staff(session, clock, staff, individual=individual, **fields)


async def notify_individual(
    session: AsyncSession,
    clock: Clock,
    individual: Individual,
    *,
    unit: Unit | None = None,
    **fields: Any,
) -> OutboxMessage | None:
    """Queue a message to the individual, if they can be reached in the chat.

    The message ends with a way to a human: ``unit``'s phone number (by default the unit of
    :func:`home_unit`) and the crisis numbers, added when it is sent.
    """
    if individual.telegram_id is None:
        return None
    contact = unit or await home_unit(session, individual)
    if contact is None:
        contact = await _consent_unit(session, individual)
    fields["params"] = {
        **(fields.get("params") or {}),
        outbox.HUMAN: outbox.human_param(
            contact.name if contact else None, contact.phone if contact else None
        ),
    }
    return await outbox.enqueue(
        session, clock, chat_id=individual.telegram_id, individual_id=individual.id, **fields
    )


async def _consent_unit(session: AsyncSession, individual: Individual) -> Unit | None:
    """The first unit (by name) of the person's newest consent."""
    return await session.scalar(
        select(Unit)
        .join(consent_units, consent_units.c.unit_id == Unit.id)
        .join(Consent, Consent.id == consent_units.c.consent_id)
        .where(Consent.individual_id == individual.id)
        .order_by(Consent.given_at.desc(), Unit.name)
        .limit(1)
    )
