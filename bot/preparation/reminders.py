"""Offering the förmöte as soon as a meeting with the person is requested (or, for one booked
directly, confirmed), once, with "later" as a choice; and reminding while it is unfinished.

The reminders are worked out from the meetings by a recurring job, so a reschedule moves them,
a finished preparation or a cancelled meeting stops them, and a late run sends one, not two.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access
from bot.chat.turn import Services
from bot.models import OutboxMessage
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, Preparation
from bot.outbox import queue as outbox
from bot.people import contacts
from bot.platform import events, jobs
from bot.platform.clock import Clock
from bot.platform.config import Settings
from bot.platform.i18n import N_
from bot.preparation.reads import PREPARED_TYPES
from bot.preparation.service import (
    EXPLAIN,
    LATER_ACTION,
    OFFER_KIND,
    REMINDER_KIND,
    SHARED_KIND,
    START_ACTION,
    MeetingFacts,
    before_times,
    can_prepare,
    is_upcoming,
    kind_label,
    meeting_facts,
    saved_preparation,
    subject,
)

log = logging.getLogger(__name__)

MIN_GAP = timedelta(hours=20)
EVENING = 20

OFFER = N_(
    "Your {meeting} is booked for {when}. {explain}\n\n"
    "Do you want to get ready for it here? You choose what matters most to talk about and "
    "who should be there. It takes about five minutes, with buttons."
)
OFFER_EARLY = N_(
    "{requester} at {unit} wants to plan a {meeting} with you. {explain}\n\n"
    "Before any times are set, you can tell them who you want there, what you need to be "
    "able to take part, and what matters most to you. It takes about five minutes, with "
    "buttons."
)
REMINDER = N_(
    "Your {meeting} is on {when}. You have not finished getting ready for it yet. "
    "It takes a few minutes, and you can stop whenever you want."
)
GET_READY = N_("Get ready now")
LATER = N_("Later")

OUTBOX_KINDS = {
    OFFER_KIND: N_("an offer to get ready for a meeting"),
    REMINDER_KIND: N_("a reminder to get ready for a meeting"),
    SHARED_KIND: N_("a notice that a preparation was shared"),
}


@events.listen(events.MEETING_REQUESTED)
async def _on_requested(event: events.Event) -> None:
    meeting = await session_meeting(event)
    if meeting is not None:
        await offer(event.session, event.clock, meeting)


@events.listen(events.MEETING_CONFIRMED)
async def _on_confirmed(event: events.Event) -> None:
    meeting = await session_meeting(event)
    if meeting is not None:
        await offer(event.session, event.clock, meeting)


@events.listen(events.MEETING_CANCELLED)
async def _on_cancelled(event: events.Event) -> None:
    meeting_id = event.data.get("meeting_id")
    if isinstance(meeting_id, int):
        await outbox.cancel(event.session, subject=subject(meeting_id))


@events.listen(events.MEETING_RESCHEDULED)
async def _on_rescheduled(event: events.Event) -> None:
    """Reminders were worked out for the old time; the job works them out again."""
    meeting_id = event.data.get("meeting_id")
    if isinstance(meeting_id, int):
        await outbox.cancel(event.session, subject=subject(meeting_id), kind=REMINDER_KIND)


async def _stop_individual(event: events.Event) -> None:
    individual_id = event.data.get("individual_id")
    if isinstance(individual_id, int):
        await outbox.cancel(
            event.session,
            individual_id=individual_id,
            kinds=(OFFER_KIND, REMINDER_KIND, SHARED_KIND),
        )


events.listen(events.CONSENT_WITHDRAWN)(_stop_individual)
events.listen(events.CONSENT_EXPIRED)(_stop_individual)


async def session_meeting(event: events.Event) -> Meeting | None:
    meeting_id = event.data.get("meeting_id")
    return await event.session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None


@outbox.guard(OFFER_KIND)
@outbox.guard(REMINDER_KIND)
async def _still_unprepared(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    """Asked right before sending: the meeting is still on, at the time the row was queued
    for, the preparation is unfinished, and a reminder is still covered by the consent."""
    meeting_id = (row.subject or "").rpartition(":")[2]
    meeting = await session.get(Meeting, int(meeting_id)) if meeting_id.isdigit() else None
    if meeting is None or await saved_preparation(session, meeting.id) is not None:
        return False
    if row.kind != REMINDER_KIND:
        return can_prepare(meeting, now)
    if not is_upcoming(meeting, now):
        return False
    if f":{meeting.starts_at:%Y%m%dT%H%M}:" not in row.dedupe_key or row.individual_id is None:
        return False
    consent = await access.active_consent(session, row.individual_id, now)
    return consent is not None and consent.reminders


async def offer(session: AsyncSession, clock: Clock, meeting: Meeting) -> bool:
    """Offer the preparation once per meeting, when a consent covers the individual: at the
    request, or at the confirmation of a meeting that was never offered."""
    now = clock.now()
    if not can_prepare(meeting, now) or await saved_preparation(session, meeting.id) is not None:
        return False
    facts = await meeting_facts(session, meeting)
    if facts is None or facts.individual.telegram_id is None:
        return False
    if await access.active_consent(session, facts.individual.id, now) is None:
        return False
    message = OFFER_EARLY if before_times(meeting) else OFFER
    queued = await _enqueue_to_individual(
        session, clock, facts, OFFER_KIND, message, f"{subject(meeting.id)}:offer"
    )
    return queued is not None


async def _enqueue_to_individual(
    session: AsyncSession,
    clock: Clock,
    facts: MeetingFacts,
    kind: str,
    message: str,
    dedupe_key: str,
) -> OutboxMessage | None:
    meeting = facts.meeting
    assert facts.individual.telegram_id is not None
    contact = facts.contact
    explain = EXPLAIN.get(MeetingType(meeting.type), "")
    timed = not before_times(meeting) and meeting.starts_at is not None
    return await contacts.notify_individual(
        session,
        clock,
        facts.individual,
        kind=kind,
        message=message,
        unit=facts.contact,
        params={
            "meeting": outbox.msg_param(kind_label(meeting)),
            "when": outbox.dt_param(meeting.starts_at) if meeting.starts_at else "–",
            "explain": outbox.msg_param(explain) if explain else "",
            "requester": facts.coordinator.name if facts.coordinator else "–",
            "unit": contact.name if contact else "–",
        },
        dedupe_key=dedupe_key,
        subject=subject(meeting.id),
        expires_at=meeting.starts_at if timed else None,
        buttons=[
            [
                {"label": GET_READY, "action": START_ACTION, "payload": {"meeting_id": meeting.id}},
                {"label": LATER, "action": LATER_ACTION, "payload": {"meeting_id": meeting.id}},
            ]
        ],
    )


def reminder_times(starts_at: datetime, settings: Settings) -> list[datetime]:
    """When the reminders fall due: the configured days before the meeting, one a day."""
    tz = settings.tz
    day = starts_at.astimezone(tz).date()
    at = time(settings.preparation_reminder_hour)
    first = settings.preparation_reminder_days
    return [
        datetime.combine(day - timedelta(days=first - n), at, tzinfo=tz)
        for n in range(settings.preparation_reminders)
    ]


async def queue_due_reminders(session: AsyncSession, clock: Clock, settings: Settings) -> int:
    """Queue the reminders that are due for unfinished preparations; returns how many.

    Only the latest due reminder is sent, in the daytime, never within ``MIN_GAP`` of the offer
    or another reminder, and never without a consent that covers reminders.
    """
    now = clock.now()
    local_hour = now.astimezone(settings.tz).hour
    if settings.preparation_reminders == 0 or not (
        settings.preparation_reminder_hour <= local_hour < EVENING
    ):
        return 0
    horizon = now + timedelta(days=settings.preparation_reminder_days + 1)
    candidates = list(
        await session.scalars(
            select(Meeting)
            .outerjoin(Preparation, Preparation.meeting_id == Meeting.id)
            .where(
                Preparation.id.is_(None),
                Meeting.status == MeetingStatus.CONFIRMED,
                Meeting.type.in_(PREPARED_TYPES),
                Meeting.individual_id.is_not(None),
                Meeting.starts_at > now,
                Meeting.starts_at <= horizon,
            )
        )
    )
    if not candidates:
        return 0
    earlier = await _earlier_messages([m.id for m in candidates], session)
    queued = 0
    for meeting in candidates:
        assert meeting.starts_at is not None
        due = [n for n, at in enumerate(reminder_times(meeting.starts_at, settings)) if at <= now]
        if not due:
            continue
        key = f"{subject(meeting.id)}:{meeting.starts_at:%Y%m%dT%H%M}:reminder{due[-1]}"
        sent = earlier.get(meeting.id, [])
        if any(k == key or now - at < MIN_GAP for k, at in sent):
            continue
        if await _remind(session, clock, meeting, key):
            queued += 1
    return queued


async def _earlier_messages(
    meeting_ids: list[int], session: AsyncSession
) -> dict[int, list[tuple[str, datetime]]]:
    """Offers and reminders already queued per meeting, with when they were queued."""
    rows = await session.execute(
        select(OutboxMessage.subject, OutboxMessage.dedupe_key, OutboxMessage.created_at).where(
            OutboxMessage.subject.in_([subject(i) for i in meeting_ids]),
            OutboxMessage.kind.in_((OFFER_KIND, REMINDER_KIND)),
        )
    )
    found: dict[int, list[tuple[str, datetime]]] = {}
    for row_subject, key, created in rows.all():
        meeting_id = int(str(row_subject).rpartition(":")[2])
        found.setdefault(meeting_id, []).append((key, created))
    return found


async def _remind(session: AsyncSession, clock: Clock, meeting: Meeting, key: str) -> bool:
    facts = await meeting_facts(session, meeting)
    if facts is None or facts.individual.telegram_id is None:
        return False
    consent = await access.active_consent(session, facts.individual.id, clock.now())
    if consent is None or not consent.reminders:
        return False
    queued = await _enqueue_to_individual(session, clock, facts, REMINDER_KIND, REMINDER, key)
    return queued is not None


@jobs.every(300, "preparation_reminders")
async def remind(services: Services) -> None:
    async with services.db.transaction() as session:
        count = await queue_due_reminders(session, services.clock, services.settings)
    if count:
        log.info("queued %s preparation reminder(s)", count)
