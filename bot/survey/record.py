"""Storing a finished survey so that nothing ties it to the person or the meeting.

The answers move from the person's conversation state into an anonymous response, and the
conversation is deleted in the same transaction (see :mod:`bot.models.survey` for why the
response cannot be traced back).
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import FlowState
from bot.models.survey import InvitationStatus, SurveyInvitation, SurveyReceipt, SurveyResponse
from bot.outbox import queue as outbox
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator
from flows import survey as survey_flow

KIND_INVITATION = "survey_invitation"
KIND_REMINDER = "survey_reminder"
# Answers are still taken after the time ran out when the person started before it did.
ANSWERABLE = (InvitationStatus.QUEUED, InvitationStatus.EXPIRED)


class Recorded(StrEnum):
    STORED = "stored"
    ALREADY_ANSWERED = "already_answered"
    CLOSED = "closed"


TEXTS = {
    Recorded.ALREADY_ANSWERED: N_(
        "You have already answered the questions about this meeting. Thank you!"
    ),
    Recorded.CLOSED: N_(
        "The questions about this meeting are closed, so these answers were not saved. "
        "Thank you anyway!"
    ),
}


def subject(invitation_id: int) -> str:
    return f"survey:{invitation_id}"


async def forget_conversations(
    session: AsyncSession, telegram_id: int, flow: str, invitation_id: Any
) -> None:
    """Delete the person's conversations about this meeting's survey, answers and all."""
    states = await session.scalars(
        select(FlowState).where(FlowState.telegram_id == telegram_id, FlowState.flow == flow)
    )
    for state in list(states):
        if state.context.get("invitation") == invitation_id:
            await session.delete(state)


async def record(
    session: AsyncSession,
    state: FlowState,
    *,
    version: int,
    answers: dict[str, int | None],
    answered_by: str | None,
    comment: str | None,
) -> Recorded:
    invitation_id = state.context.get("invitation")
    token = state.context.get("receipt")
    invitation = (
        await session.get(SurveyInvitation, invitation_id)
        if isinstance(invitation_id, int)
        else None
    )
    await forget_conversations(session, state.telegram_id, state.flow, invitation_id)
    if (
        invitation is None
        or not isinstance(token, str)
        or invitation.month is None
        or invitation.status not in ANSWERABLE
    ):
        return Recorded.CLOSED
    if await session.get(SurveyReceipt, token) is not None:
        return Recorded.ALREADY_ANSWERED
    session.add(SurveyReceipt(token=token))
    session.add(
        SurveyResponse(
            id=secrets.token_hex(16),
            survey_version=version,
            meeting_type=invitation.meeting_type,
            unit_ids=sorted(invitation.unit_ids),
            month=invitation.month,
            answers=answers,
            answered_by=answered_by,
            comment=comment,
        )
    )
    await outbox.cancel(session, subject=subject(invitation.id))
    return Recorded.STORED


async def finish(session: AsyncSession, clock: Clock, state: FlowState, tr: Translator) -> str:
    """The survey flow's end: keep the answers apart from who gave them."""
    version = (
        state.flow_version if state.flow_version in survey_flow.QUESTIONS else survey_flow.VERSION
    )
    comment = state.answers.get(survey_flow.COMMENT)
    answered_by = state.answers.get(survey_flow.ANSWERED_BY)
    result = await record(
        session,
        state,
        version=version,
        answers=survey_flow.scale_answers(state.answers, version),
        answered_by=answered_by
        if answered_by in {o.code for o in survey_flow.ANSWERED_BY_OPTIONS}
        else None,
        comment=comment.strip() if isinstance(comment, str) and comment.strip() else None,
    )
    message = survey_flow.DONE if result is Recorded.STORED else TEXTS[result]
    return tr.gettext(message)
