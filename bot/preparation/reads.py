"""/prepare's reads, as statements built once with parameters: /prepare is the step everyone
starts with, and building a ``select()`` for every call cost more CPU than running it."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Integer, Select, and_, bindparam, or_, select

from bot.meetings import lifecycle as meetings
from bot.models import Individual, Staff, StaffMembership, Unit
from bot.models.meetings import (
    Meeting,
    MeetingType,
    MeetingUnit,
    Preparation,
    UnitRequestStatus,
)

PREPARED_TYPES = (MeetingType.GFI, MeetingType.SIP, MeetingType.SIP_FOLLOWUP)
# The statement's side of ``service.can_prepare``; the time is checked on the loaded rows.
_PREPARABLE = (Meeting.status.in_(meetings.OPEN), Meeting.type.in_(PREPARED_TYPES))


@cache
def persons_meetings() -> Select[Individual, Meeting, Preparation]:
    """Parameter ``telegram_id``: the person, each meeting of theirs that may be prepared, and
    what was saved for it."""
    return (
        select(Individual, Meeting, Preparation)
        .outerjoin(Meeting, and_(Meeting.individual_id == Individual.id, *_PREPARABLE))
        .outerjoin(Preparation, Preparation.meeting_id == Meeting.id)
        .where(Individual.telegram_id == bindparam("telegram_id"))
        .order_by(Meeting.id)
    )


@cache
def involved_units() -> Select[Unit]:
    """Parameters ``meeting_id`` and ``requester_unit_id``: the units taking part and the
    requesting one."""
    taking_part = and_(
        MeetingUnit.unit_id == Unit.id,
        MeetingUnit.meeting_id == bindparam("meeting_id"),
        MeetingUnit.status != UnitRequestStatus.RETURNED,
    )
    return (
        select(Unit)
        .outerjoin(MeetingUnit, taking_part)
        .where(
            or_(
                MeetingUnit.meeting_id.is_not(None),
                Unit.id == bindparam("requester_unit_id", type_=Integer),
            )
        )
        .order_by(MeetingUnit.queued_at, MeetingUnit.unit_id, Unit.id)
    )


@cache
def coordinator() -> Select[Staff, int]:
    """Parameter ``staff_id``: the staff member unless removed, once for each of their units."""
    return (
        select(Staff, StaffMembership.unit_id)
        .outerjoin(StaffMembership, StaffMembership.staff_id == Staff.id)
        .where(Staff.id == bindparam("staff_id"), Staff.removed_at.is_(None))
    )
