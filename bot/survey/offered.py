"""The survey offered outside the chat: on paper or by phone.

A person without the chat part of consent (or without Telegram) can still be offered the
questions, on the printable page of the report or read out over the phone. Staff record that
they did; it counts as offered, exactly like an invitation sent in the chat. No answer is
stored here: a paper answer is entered nowhere in Samordna, so it stays anonymous.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meetings import lifecycle as meetings
from bot.models.meetings import Meeting, MeetingStatus
from bot.models.survey import InvitationStatus, SurveyInvitation
from bot.outbox import queue as outbox
from bot.platform.clock import Clock
from bot.platform.context import settings_of
from bot.platform.i18n import N_
from bot.survey import invite
from bot.survey.record import subject
from flows import survey as survey_flow

WAYS = {"paper": N_("On paper"), "phone": N_("By phone")}


async def invitation_of(session: AsyncSession, meeting: Meeting) -> SurveyInvitation | None:
    return await session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.meeting_id == meeting.id)
    )


def may_offer(meeting: Meeting, now: datetime) -> bool:
    """A meeting with the person that took place (or is over): not one they missed."""
    if not meetings.invites_individual(meeting):
        return False
    if meeting.status == MeetingStatus.HELD:
        return True
    return meeting.status in meetings.TIMED and meetings.has_ended(meeting, now)


async def offer_elsewhere(
    session: AsyncSession, clock: Clock, meeting: Meeting, via: str
) -> SurveyInvitation | None:
    """Record that the survey was offered on paper or by phone; None when it already was
    offered (in the chat, or another way)."""
    if via not in WAYS:
        raise ValueError(via)
    now = clock.now()
    found = await invitation_of(session, meeting)
    if found is None:
        found = await invite.note_outcome(session, clock, meeting.id, invite.HELD)
    if found is None or found.offered_at is not None:
        return None
    await invite.note_offered(session, found)
    if found.offered_at is not None:
        return None
    settings = settings_of(session)
    found.offered_at = now
    found.offered_via = via
    found.month = found.month or invite.month_of(found.meeting_at, settings.tz)
    found.survey_version = found.survey_version or survey_flow.VERSION
    if found.status in (
        InvitationStatus.NEW,
        InvitationStatus.QUEUED,
        InvitationStatus.DECLINED,
        InvitationStatus.UNREACHABLE,
    ):
        found.status = InvitationStatus.ELSEWHERE
        await outbox.cancel(session, subject=subject(found.id))
    found.updated_at = now
    return found
