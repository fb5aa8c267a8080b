"""Asking the individual at the end of every shared meeting they took part in (SIP-kollen).

The handbook wants every shared meeting to end with the evaluation, so the invitation goes
when the meeting ends: when a participant says "The meeting is over", or else at the booked
end time, unless the meeting was cancelled. A confirmed meeting opens a waiting invitation in
the same transaction, so none is forgotten; a no-show (or "it did not happen") cancels it,
and a meeting recorded as held without either still gets one at once.

A job plans each invitation once it is due: the consent decides whether the person is asked
at all (meetings declined in consent are counted apart, so the offered rate stays honest), and
the invitation and one reminder go to the outbox with a time to answer. Staff can also record
that they offered it on paper or by phone, which counts as offered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access
from bot.chat.turn import Services
from bot.models import Individual, OutboxMessage, OutboxStatus, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, MeetingUnit
from bot.models.survey import InvitationStatus, SurveyInvitation, SurveyReceipt
from bot.outbox import queue as outbox
from bot.people import contacts
from bot.platform import events, jobs
from bot.platform.clock import Clock
from bot.platform.config import Settings
from bot.platform.context import settings_of
from bot.platform.i18n import N_
from bot.survey.record import (
    KIND_INVITATION,
    KIND_REMINDER,
    subject,
)
from bot.survey.tokens import receipt_tokens
from flows import survey as survey_flow

MEETING_TYPE_LABELS = {
    MeetingType.GFI: N_("GFI meeting"),
    MeetingType.SIP: N_("SIP meeting"),
    MeetingType.SIP_FOLLOWUP: N_("SIP follow-up"),
    MeetingType.CLOSING: N_("Closing meeting"),
    MeetingType.STAFF_ONLY: N_("Staff-only meeting"),
}

HELD = "held"


TIMED = (MeetingStatus.INVITED, MeetingStatus.CONFIRMED)


CANNOT_COME = "cannot_come"  # the individual's answer to a reminder (see bot.nudges.reminders)


JOB_SECONDS = 30


START_ACTION = "survey_start"


DECLINE_ACTION = "survey_decline"


# How the individual is told which meeting is meant: plain words, the professional word after.
MEETING_NAMES = {
    MeetingType.GFI: N_("an information meeting (GFI)"),
    MeetingType.SIP: N_("a meeting about your joint plan (SIP)"),
    MeetingType.SIP_FOLLOWUP: N_("a follow-up of your joint plan (SIP)"),
    MeetingType.CLOSING: N_("a closing meeting"),
    MeetingType.STAFF_ONLY: N_("a meeting"),
}


INVITATION = N_(
    "Hi! You took part in {meeting} on {date}. Would you answer a few short questions about "
    "how it went for you? It takes about two minutes.\n\n"
    "Your answers are anonymous: staff only see everyone's answers together, never yours. "
    "Answering is voluntary and does not affect your care or support.\n\n"
    "Questions? Call {unit} on {phone}."
)


REMINDER = N_(
    "A reminder: would you answer a few short questions about {meeting} on {date}? It takes "
    "about two minutes, and your answers are anonymous. You can answer until {until}.\n\n"
    "Questions? Call {unit} on {phone}."
)


ANSWER = N_("Answer the questions")


NO_THANKS = N_("No, thanks")


def month_of(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m")


@events.listen(events.MEETING_OUTCOME)
async def _on_outcome(event: events.Event) -> None:
    meeting_id = event.data.get("meeting_id")
    if isinstance(meeting_id, int):
        outcome = str(event.data.get("outcome") or "")
        await note_outcome(event.session, event.clock, meeting_id, outcome)


@events.listen(events.MEETING_CONFIRMED)
@events.listen(events.MEETING_RESCHEDULED)
async def _on_booked(event: events.Event) -> None:
    meeting_id = event.data.get("meeting_id")
    if isinstance(meeting_id, int):
        await expect(event.session, event.clock, meeting_id)


@events.listen(events.MEETING_ENDED)
async def _on_ended(event: events.Event) -> None:
    meeting_id = event.data.get("meeting_id")
    if isinstance(meeting_id, int):
        await note_outcome(event.session, event.clock, meeting_id, HELD)


@events.listen(events.MEETING_CANCELLED)
async def _on_cancelled(event: events.Event) -> None:
    meeting_id = event.data.get("meeting_id")
    if isinstance(meeting_id, int):
        await note_outcome(event.session, event.clock, meeting_id, "cancelled")


def _took_part(meeting: Meeting) -> bool:
    return MeetingType(meeting.type) is not MeetingType.STAFF_ONLY and (
        meeting.individual_id is not None
    )


def booked_end(meeting: Meeting, settings: Settings) -> datetime | None:
    if meeting.starts_at is None or meeting.status not in TIMED:
        return None
    end = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    return end + timedelta(minutes=settings.survey_delay_minutes)


async def expect(session: AsyncSession, clock: Clock, meeting_id: int) -> SurveyInvitation | None:
    """A booked meeting with the person: an invitation waits for its end (moved with it)."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or not _took_part(meeting):
        return None
    existing = await session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.meeting_id == meeting_id)
    )
    due = booked_end(meeting, settings_of(session))
    now = clock.now()
    if existing is None:
        existing = await _new(session, meeting, now)
    elif existing.status not in (InvitationStatus.NEW, InvitationStatus.CANCELLED):
        return existing
    existing.status = InvitationStatus.NEW
    existing.due_at = due
    existing.recorded_at = due or now
    existing.meeting_at = meeting.starts_at or now
    existing.updated_at = now
    return existing


async def note_outcome(
    session: AsyncSession, clock: Clock, meeting_id: int, outcome: str
) -> SurveyInvitation | None:
    """Open an invitation for a held meeting with the individual; withdraw it if not held."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    existing = await session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.meeting_id == meeting_id)
    )
    now = clock.now()
    took_part = outcome == HELD and _took_part(meeting)
    if not took_part:
        if existing is not None and existing.status in (
            InvitationStatus.NEW,
            InvitationStatus.QUEUED,
            InvitationStatus.ELSEWHERE,
        ):
            existing.status = InvitationStatus.CANCELLED
            existing.updated_at = now
            await outbox.cancel(session, subject=subject(existing.id))
        return existing
    if existing is None:
        existing = await _new(session, meeting, now)
    if existing.status == InvitationStatus.CANCELLED or (
        existing.status == InvitationStatus.NEW
        and (existing.due_at is None or existing.due_at > now)
    ):
        # Over (or held) now: the questions go now, not at the booked end.
        existing.status = InvitationStatus.NEW
        existing.due_at = now
        existing.recorded_at = now
        existing.updated_at = now
    return existing


async def _new(session: AsyncSession, meeting: Meeting, now: datetime) -> SurveyInvitation:
    invitation = SurveyInvitation(
        meeting_id=meeting.id,
        individual_id=meeting.individual_id,
        status=InvitationStatus.NEW,
        meeting_type=str(MeetingType(meeting.type).value),
        unit_ids=await _units_involved(session, meeting),
        meeting_at=meeting.starts_at or now,
        due_at=now,
        recorded_at=now,
        updated_at=now,
    )
    session.add(invitation)
    await session.flush()
    return invitation


async def _units_involved(session: AsyncSession, meeting: Meeting) -> list[int]:
    targets = await session.scalars(
        select(MeetingUnit.unit_id).where(MeetingUnit.meeting_id == meeting.id)
    )
    units = set(targets)
    if meeting.requester_unit_id is not None:
        units.add(meeting.requester_unit_id)
    return sorted(units)


@events.listen(events.CONSENT_WITHDRAWN)
@events.listen(events.CONSENT_EXPIRED)
@events.listen(events.INDIVIDUAL_ERASED)
async def _on_consent_ended(event: events.Event) -> None:
    individual_id = event.data.get("individual_id")
    if isinstance(individual_id, int):
        await close_for(event.session, event.clock, individual_id)


async def close_for(session: AsyncSession, clock: Clock, individual_id: int) -> None:
    """Without consent nobody is asked; an offer not yet made counts as declined in consent.

    Offers already made are noted first: the outbox rows that show them go with an erasure.
    """
    invitations = await session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.individual_id == individual_id)
    )
    for invitation in list(invitations):
        offered = await note_offered(session, invitation)
        if invitation.status in (InvitationStatus.NEW, InvitationStatus.QUEUED):
            invitation.status = InvitationStatus.CLOSED if offered else InvitationStatus.DECLINED
            invitation.updated_at = clock.now()
            await outbox.cancel(session, subject=subject(invitation.id))


@events.listen(events.CONSENT_CHANGED)
async def _on_consent_changed(event: events.Event) -> None:
    """No to the question after meetings: nobody is asked from now on."""
    individual_id = event.data.get("individual_id")
    stopped = event.data.get("part") == "survey" and event.data.get("given") is False
    if stopped and isinstance(individual_id, int):
        await close_for(event.session, event.clock, individual_id)


@jobs.every(JOB_SECONDS, "survey")
async def survey_job(services: Services) -> None:
    await run(services)


async def run(services: Services) -> None:
    """Plan new invitations, note which were sent, and close those whose time ran out."""
    async with services.db.transaction() as session:
        await plan(session, services.settings, services.clock)
        await refresh(session, services.clock)


async def plan(session: AsyncSession, settings: Settings, clock: Clock, limit: int = 200) -> int:
    query = (
        select(SurveyInvitation)
        .where(
            SurveyInvitation.status == InvitationStatus.NEW,
            SurveyInvitation.due_at <= clock.now(),
        )
        .order_by(SurveyInvitation.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    planned = 0
    for invitation in list(await session.scalars(query)):
        await _plan_one(session, settings, clock, invitation)
        planned += 1
    return planned


async def _plan_one(
    session: AsyncSession, settings: Settings, clock: Clock, invitation: SurveyInvitation
) -> None:
    now = clock.now()
    meeting = (
        await session.get(Meeting, invitation.meeting_id)
        if invitation.meeting_id is not None
        else None
    )
    if meeting is not None and meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.NO_SHOW):
        invitation.status = InvitationStatus.CANCELLED
        invitation.updated_at = now
        return
    if (
        meeting is not None
        and meeting.status in TIMED
        and meeting.ended_at is None
        and meeting.individual_answer == CANNOT_COME
    ):
        # They said they could not come: only "it was held" (or "it is over") asks them.
        invitation.due_at = None
        invitation.updated_at = now
        return
    invitation.month = month_of(invitation.meeting_at, settings.tz)
    invitation.survey_version = survey_flow.VERSION
    invitation.updated_at = now
    individual = (
        await session.get(Individual, invitation.individual_id)
        if invitation.individual_id is not None
        else None
    )
    if individual is None or individual.telegram_id is None:
        invitation.status = InvitationStatus.UNREACHABLE
        return
    consent = await access.active_consent(session, individual.id, now)
    if consent is None:
        invitation.status = InvitationStatus.UNREACHABLE
        return
    if not consent.survey:
        invitation.status = InvitationStatus.DECLINED
        return
    due = invitation.due_at or now
    expires = due + timedelta(days=settings.survey_expiry_days)
    invitation.due_at = due
    invitation.expires_at = expires
    contact = await contact_unit(session, invitation)
    params: dict[str, object] = {
        "meeting": outbox.msg_param(MEETING_NAMES[MeetingType(invitation.meeting_type)]),
        "date": outbox.dt_param(invitation.meeting_at),
        "unit": contact.name if contact else "",
        "phone": contact.phone if contact else "",
    }
    # A meeting recorded as held again after a correction is a new round: new keys.
    round_key = f"{invitation.id}:{int(invitation.recorded_at.timestamp())}"
    choices = [
        [{"label": ANSWER, "action": START_ACTION, "payload": {"invitation": invitation.id}}],
        [{"label": NO_THANKS, "action": DECLINE_ACTION, "payload": {"invitation": invitation.id}}],
    ]
    row = await contacts.notify_individual(
        session,
        clock,
        individual,
        kind=KIND_INVITATION,
        message=INVITATION,
        params=params,
        dedupe_key=f"survey-invitation:{round_key}",
        due_at=due,
        unit=contact,
        subject=subject(invitation.id),
        buttons=choices,
    )
    if row is not None:
        invitation.outbox_id = row.id
        invitation.offered_via = "chat"
    reminder_at = due + timedelta(days=settings.survey_reminder_days)
    if reminder_at < expires:
        await contacts.notify_individual(
            session,
            clock,
            individual,
            kind=KIND_REMINDER,
            message=REMINDER,
            params={**params, "until": outbox.dt_param(expires)},
            dedupe_key=f"survey-reminder:{round_key}",
            due_at=reminder_at,
            unit=contact,
            subject=subject(invitation.id),
            buttons=choices,
        )
    invitation.status = InvitationStatus.QUEUED


async def contact_unit(session: AsyncSession, invitation: SurveyInvitation) -> Unit | None:
    """The unit whose number the individual is given: the one that asked for the meeting."""
    meeting = (
        await session.get(Meeting, invitation.meeting_id)
        if invitation.meeting_id is not None
        else None
    )
    unit_id = meeting.requester_unit_id if meeting is not None else None
    if unit_id is None and invitation.unit_ids:
        unit_id = invitation.unit_ids[0]
    return await session.get(Unit, unit_id) if unit_id is not None else None


async def refresh(session: AsyncSession, clock: Clock) -> None:
    now = clock.now()
    sent = await session.execute(
        select(SurveyInvitation, OutboxMessage.sent_at)
        .join(OutboxMessage, OutboxMessage.id == SurveyInvitation.outbox_id)
        .where(
            SurveyInvitation.offered_at.is_(None),
            OutboxMessage.status == OutboxStatus.SENT,
        )
    )
    for invitation, sent_at in sent.all():
        invitation.offered_at = sent_at or now
    expired = await session.scalars(
        select(SurveyInvitation).where(
            SurveyInvitation.status == InvitationStatus.QUEUED,
            SurveyInvitation.expires_at <= now,
        )
    )
    for invitation in list(expired):
        invitation.status = InvitationStatus.EXPIRED
        invitation.updated_at = now
        await outbox.cancel(session, subject=subject(invitation.id))


async def note_offered(session: AsyncSession, invitation: SurveyInvitation) -> bool:
    """Whether the invitation went out, copying the time from the outbox if not done yet."""
    if invitation.offered_at is None and invitation.outbox_id is not None:
        row = await session.get(OutboxMessage, invitation.outbox_id)
        if row is not None and row.status == OutboxStatus.SENT:
            invitation.offered_at = row.sent_at or row.created_at
    return invitation.offered_at is not None


def invitation_tokens(settings: Settings, invitation: SurveyInvitation) -> list[str]:
    if invitation.meeting_id is None or invitation.individual_id is None:
        return []
    return receipt_tokens(
        settings.resolved_key_file, invitation.meeting_id, invitation.individual_id
    )


async def answered(session: AsyncSession, settings: Settings, invitation: SurveyInvitation) -> bool:
    tokens = invitation_tokens(settings, invitation)
    if not tokens:
        return False
    found = await session.scalar(
        select(SurveyReceipt.token).where(SurveyReceipt.token.in_(tokens)).limit(1)
    )
    return found is not None


def open_invitation(invitation: SurveyInvitation, now: datetime) -> bool:
    return invitation.status == InvitationStatus.QUEUED and (
        invitation.expires_at is None or invitation.expires_at > now
    )


async def pending(
    session: AsyncSession, settings: Settings, clock: Clock, individual_id: int
) -> list[SurveyInvitation]:
    """Invitations the person may still answer, oldest meeting first."""
    rows = await session.scalars(
        select(SurveyInvitation)
        .where(
            SurveyInvitation.individual_id == individual_id,
            SurveyInvitation.status == InvitationStatus.QUEUED,
        )
        .order_by(SurveyInvitation.meeting_at, SurveyInvitation.id)
    )
    now = clock.now()
    return [
        invitation
        for invitation in list(rows)
        if open_invitation(invitation, now) and not await answered(session, settings, invitation)
    ]
