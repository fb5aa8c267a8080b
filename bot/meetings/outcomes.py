"""After the meeting: held, did not come or cancelled, and the next steps.

A SIP established at the meeting gets the ready text for the regional SIP system, so no
separate SIP meeting is called. "Did not come" is met kindly: the individual hears that it
happens, and staff can offer a new time with the same people in one tap.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import audit
from bot.meetings import distribution
from bot.meetings import lifecycle as meetings
from bot.models import Staff
from bot.models.meetings import (
    Meeting,
    MeetingStatus,
    MeetingType,
    MeetingUnit,
    MeetingUnitStaff,
    UnitRequestStatus,
)
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.i18n import N_

HELD, NO_SHOW, CANCELLED = "held", "no_show", "cancelled"


NO_SHOW_INDIVIDUAL = N_(
    "We missed you at the meeting on {when}. That happens. We will get in touch about a new "
    "time. If you want to talk before then, call {unit} on {phone}."
)


def ended(meeting: Meeting, now: datetime) -> bool:
    return meetings.has_ended(meeting, now)


async def record(
    session: AsyncSession,
    clock: Clock,
    meeting: Meeting,
    staff: Staff,
    outcome: str,
    next_steps: list[str],
    referred_to: int | None = None,
) -> None:
    now = clock.now()
    meeting.status = {
        HELD: MeetingStatus.HELD,
        NO_SHOW: MeetingStatus.NO_SHOW,
        CANCELLED: MeetingStatus.CANCELLED,
    }[outcome]
    steps = next_steps if outcome == HELD else []
    meeting.outcome_next_steps = steps
    meeting.outcome_recorded_at = now
    meeting.outcome_by_staff_id = staff.id
    meeting.referred_to_unit_id = referred_to if "referred" in steps else None
    if outcome == CANCELLED:
        meeting.cancel_reason = "did_not_happen"
    meeting.updated_at = now
    audit.record(
        session,
        clock,
        "meeting_outcome",
        actor=meetings.actor(staff),
        case_ref=await meetings.case_ref(session, meeting),
        meeting=meeting.id,
        outcome=outcome,
    )
    if outcome == NO_SHOW:
        await meetings.tell_individual(
            session, clock, meeting, "no_show", NO_SHOW_INDIVIDUAL, meetings.time_params(meeting)
        )
    await events.emit(
        events.MEETING_OUTCOME,
        session,
        clock,
        meeting_id=meeting.id,
        outcome=outcome,
        next_steps=steps,
        referred_to_unit_id=meeting.referred_to_unit_id,
    )


def same_time_next_week(meeting: Meeting, tz: Any) -> datetime | None:
    """A week later at the same local time, moved past weekends and holidays."""
    if meeting.starts_at is None:
        return None
    local = meeting.starts_at.astimezone(tz) + timedelta(days=7)
    day = distribution.next_working_day(local.date())
    return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=tz)


async def follow_up(session: AsyncSession, meeting: Meeting) -> Meeting | None:
    return await session.scalar(
        select(Meeting).where(
            Meeting.previous_meeting_id == meeting.id, Meeting.status.in_(meetings.OPEN)
        )
    )


async def copy_for_new_time(
    session: AsyncSession, clock: Clock, old: Meeting, *, meeting_type: MeetingType | None = None
) -> Meeting:
    """The same people, straight to finding a time: nobody is asked to assign anyone again.
    ``meeting_type`` makes a different kind of meeting, such as a SIP's follow-up."""
    now = clock.now()
    new = Meeting(
        type=meeting_type or old.type,
        status=MeetingStatus.SCHEDULING,
        individual_id=old.individual_id,
        requester_staff_id=old.requester_staff_id,
        requester_unit_id=old.requester_unit_id,
        categories=list(old.categories),
        note=old.note,
        time_windows=list(old.time_windows),
        duration_minutes=old.duration_minutes,
        ics_uid=f"{uuid.uuid4()}@samordna",
        ics_sequence=0,
        previous_meeting_id=old.id,
        created_at=now,
        updated_at=now,
    )
    for target in old.units:
        if target.status == UnitRequestStatus.ASSIGNED:
            new.units.append(
                MeetingUnit(
                    unit_id=target.unit_id,
                    status=UnitRequestStatus.ASSIGNED,
                    assigned_staff_id=target.assigned_staff_id,
                    assigned_at=now,
                    queued_at=now,
                    also=[
                        MeetingUnitStaff(staff_id=staff_id, assigned_at=now)
                        for staff_id in target.assigned_ids()[1:]
                    ],
                )
            )
    session.add(new)
    await session.flush()
    loaded = await meetings.load(session, new.id)
    assert loaded is not None
    return loaded
