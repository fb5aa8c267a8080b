"""Closing a case as a process, not a button.

The handbook closes a case at a closing meeting (slutsamtal): the SIP is followed up and
closed, the way back is made clear, and the consent is ended. So "Close the case" first
proposes a closing meeting and lists what is still open (transitions, meetings ahead, an
active SIP); closing without a closing meeting asks why. The person is told in plain words
that the case is closed, whom to call to come back, and what happens to their data and when,
with one tap to end their consent at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meetings import lifecycle as meetings
from bot.meetings import sip
from bot.models import Individual, Staff
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.models.nudges import TransitionCheck
from bot.models.process import CaseClosure, SipPlan
from bot.nudges import transitions
from bot.outbox import queue as outbox
from bot.people import contacts, individuals
from bot.platform.clock import Clock
from bot.platform.context import settings_of
from bot.platform.i18n import N_

KIND_CLOSED = "case_closed"
END_CONSENT_ACTION = "case_closed_end_consent"

REASONS: dict[str, str] = {
    "person_declined": N_("The person wants to end it, without a closing meeting"),
    "unreachable": N_("The person cannot be reached"),
    "elsewhere": N_("The person has moved, or gets their support elsewhere"),
    "other": N_("Another reason"),
}

CLOSED_PERSON = N_(
    "Your case with the units is now closed. Thank you for the work together.\n\n"
    "If you want to come back, you are always welcome. {contact}\n\n"
    "What happens to what is stored about you: I send you nothing more here, and it is "
    "deleted on {date}. Until then your consent (samtycke, your permission for the units to "
    "work together) still lets the units see your case. If you want that to end now, press "
    "the button. /mydata deletes everything at once."
)
CLOSED_CALL = N_("Call {unit} on {phone}.")
END_CONSENT_LABEL = N_("End my consent now")

OUTBOX_KINDS = {KIND_CLOSED: N_("the notice that their case is closed")}


@dataclass
class OpenItems:
    """What should be settled before a case is closed."""

    transitions: list[TransitionCheck] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)  # requested or booked, not held yet
    sip: SipPlan | None = None
    closing_held: Meeting | None = None  # the latest closing meeting that took place

    @property
    def closing_booked(self) -> Meeting | None:
        return next((m for m in self.meetings if m.type == MeetingType.CLOSING), None)


async def open_items(session: AsyncSession, individual_id: int) -> OpenItems:
    open_meetings = await session.scalars(
        select(Meeting)
        .where(Meeting.individual_id == individual_id, Meeting.status.in_(meetings.OPEN))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    held = await session.scalar(
        select(Meeting)
        .where(
            Meeting.individual_id == individual_id,
            Meeting.type == MeetingType.CLOSING,
            Meeting.status == MeetingStatus.HELD,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    return OpenItems(
        transitions=await transitions.open_for(session, individual_id),
        meetings=list(open_meetings),
        sip=await sip.active(session, individual_id),
        closing_held=held,
    )


async def close(
    session: AsyncSession,
    clock: Clock,
    staff: Staff,
    case: Individual,
    *,
    reason: str | None,
    closing_meeting_id: int | None,
) -> bool:
    """Close the case: open meetings are cancelled (everyone hears it), a SIP still active is
    closed, and the person is told. False when they cannot be told in the chat."""
    settings = settings_of(session)
    now = clock.now()
    ahead = (await open_items(session, case.id)).meetings
    # Closing stops everything waiting for the person; the notices below come after that.
    await individuals.close_case(
        session,
        clock,
        case,
        retention=timedelta(days=settings.retention_days),
        actor=f"staff:{staff.id}",
    )
    for found in ahead:
        meeting = await meetings.load(session, found.id)
        if meeting is not None:
            await meetings.cancel(
                session, clock, meeting, who=staff.name, reason="not_needed", by_staff_id=staff.id
            )
    await sip.close(session, clock, case.id, staff.id)
    session.add(
        CaseClosure(
            individual_id=case.id,
            closed_at=now,
            closed_by=staff.id,
            closing_meeting_id=closing_meeting_id,
            reason=reason if reason in REASONS else None,
        )
    )
    return await tell_person(session, clock, case)


async def tell_person(session: AsyncSession, clock: Clock, case: Individual) -> bool:
    """After the case is closed (which stops every message waiting for the person)."""
    if case.erase_after is None:
        return False
    unit = await contacts.home_unit(session, case)
    contact = (
        outbox.msg_param(CLOSED_CALL, unit=unit.name, phone=unit.phone)
        if unit
        else contacts.call_line(None)
    )
    row = await contacts.notify_individual(
        session,
        clock,
        case,
        kind=KIND_CLOSED,
        message=CLOSED_PERSON,
        params={"contact": contact, "date": outbox.date_param(case.erase_after)},
        dedupe_key=f"case_closed:{case.id}:{int(clock.now().timestamp())}",
        buttons=[
            [
                {
                    "label": END_CONSENT_LABEL,
                    "action": END_CONSENT_ACTION,
                    "payload": {"individual_id": case.id},
                }
            ]
        ],
    )
    return row is not None
