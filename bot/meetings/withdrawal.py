"""When a person withdraws their consent, their open meetings need a decision.

Every staff participant of each open meeting with the person hears that consent was withdrawn
and that the meeting needs a decision: go on as a meeting for staff only, without the person
and without their case here, or cancel it. The notices name the case by its reference only,
so they reach staff who can no longer open the case.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import audit
from bot.meetings import lifecycle as meetings
from bot.models import Individual, Staff
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.outbox import queue as outbox
from bot.people import contacts
from bot.platform import events
from bot.platform.clock import Clock
from bot.platform.i18n import N_

KIND = "booking_withdrawn"
KEEP_ACTION = "mtg_keep_staff_only"

DECIDE_TIMED = N_(
    "{case} has withdrawn their consent. The {type} on {when} needs a decision: go on as a "
    "meeting for staff only, without them, or cancel it."
)
DECIDE_REQUEST = N_(
    "{case} has withdrawn their consent. The {type} request needs a decision: go on as a "
    "meeting for staff only, without them, or cancel it."
)
KEEP_LABEL = N_("Keep as staff-only")
CANCEL_LABEL = N_("Cancel meeting…")
KEPT_STAFF = N_("{who} keeps the {type} for {case} as a meeting for staff only.")

OUTBOX_KINDS = {KIND: N_("a notice that a meeting needs a decision")}


@events.listen(events.CONSENT_WITHDRAWN)
async def _on_withdrawn(event: events.Event) -> None:
    individual_id = event.data.get("individual_id")
    if isinstance(individual_id, int):
        await ask_for_decisions(event.session, event.clock, individual_id)


async def ask_for_decisions(session: AsyncSession, clock: Clock, individual_id: int) -> int:
    """Tell the staff participants of every open meeting with the person; returns how many
    notices were queued."""
    person = await session.get(Individual, individual_id)
    if person is None:
        return 0
    found = await session.scalars(
        select(Meeting)
        .where(
            Meeting.individual_id == individual_id,
            Meeting.status.in_(meetings.OPEN),
            Meeting.type != MeetingType.STAFF_ONLY,
        )
        .order_by(Meeting.id)
    )
    stamp = int(clock.now().timestamp())
    queued = 0
    for listed in list(found):
        meeting = await meetings.load(session, listed.id)
        if meeting is None:
            continue
        timed = meeting.status in meetings.TIMED and meeting.starts_at is not None
        params = {
            "case": person.case_ref,
            "type": outbox.msg_param(meetings.TYPE_LABELS[meeting.type]),
            "when": outbox.dt_param(meeting.starts_at) if meeting.starts_at else "–",
        }
        for staff in await meetings.participants(session, meeting):
            row = await contacts.notify_staff(
                session,
                clock,
                staff,
                kind=KIND,
                message=DECIDE_TIMED if timed else DECIDE_REQUEST,
                params=params,
                dedupe_key=f"mtg:{meeting.id}:withdrawn:{stamp}:s{staff.id}",
                subject=meetings.subject(meeting),
                buttons=[
                    [
                        meetings.button(KEEP_LABEL, KEEP_ACTION, meeting_id=meeting.id),
                        meetings.button(CANCEL_LABEL, "mtg_cancel", meeting_id=meeting.id),
                    ]
                ],
            )
            queued += row is not None
    return queued


def needs_decision(meeting: Meeting) -> bool:
    return meeting.status in meetings.OPEN and meeting.type != MeetingType.STAFF_ONLY


async def keep_for_staff_only(
    session: AsyncSession, clock: Clock, meeting: Meeting, staff: Staff
) -> None:
    """The meeting goes on without the person: no case here any more, and the others hear it.

    A time the staff agreed on but the person never answered becomes the meeting's time.
    """
    case = await meetings.case_ref(session, meeting)
    kind = outbox.msg_param(meetings.TYPE_LABELS[meeting.type])
    audit.record(
        session,
        clock,
        "meeting_kept_staff_only",
        actor=meetings.actor(staff),
        case_ref=case,
        meeting=meeting.id,
    )
    await outbox.cancel(session, subject=meetings.subject(meeting), kind=KIND)
    meeting.type = MeetingType.STAFF_ONLY
    meeting.individual_id = None
    meeting.individual_answer = None
    if meeting.status == MeetingStatus.INVITED:
        await meetings.confirm(session, clock, meeting)
        return
    meetings.touch(meeting, clock.now())
    await meetings.tell_staff(
        session,
        clock,
        meeting,
        f"kept:{meeting.ics_sequence}",
        KEPT_STAFF,
        {"who": staff.name, "type": kind, "case": case},
        exclude=[staff.id],
        buttons=[[meetings.button(meetings.OPEN_LABEL, meetings.OPEN_CARD, meeting_id=meeting.id)]],
    )
