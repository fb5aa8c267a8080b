"""A change of the reminders part of consent, heard by the transition checks still open.

No to reminders before the question goes: the referring staff member checks instead, as when
the person never had consent to reminders. Yes again before that check: the person is asked
after all. A new consent that leaves the part out is heard the same way (see
:func:`bot.people.consent.give`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Individual, OutboxMessage, OutboxStatus
from bot.models.meetings import Meeting
from bot.models.nudges import TransitionCheck
from bot.nudges import transitions
from bot.outbox import queue as outbox
from bot.platform import events
from bot.platform.clock import Clock


@events.listen(events.CONSENT_CHANGED)
async def _on_consent_changed(event: events.Event) -> None:
    """No to reminders before the question is sent: the referrer checks instead, as when the
    person never had consent to reminders. Yes again before that check: the person is asked
    after all, and the referrer's check is dropped before they ever saw it."""
    individual_id = event.data.get("individual_id")
    given = event.data.get("given")
    if event.data.get("part") != "reminders" or not isinstance(individual_id, int):
        return
    for check in await transitions.open_for(event.session, individual_id):
        if given is False:
            await hand_to_referrer(event.session, event.clock, check)
        elif given is True:
            await ask_again(event.session, event.clock, check)


async def hand_to_referrer(session: AsyncSession, clock: Clock, check: TransitionCheck) -> None:
    """A question still waiting for the person is dropped, and with it the nudges that say the
    person did not answer; the referrer is asked to check at the time the person would have
    been asked. A question already sent stays: the person may still answer it."""
    about = transitions.subject(check)
    if not await outbox.cancel(session, subject=about, kind=transitions.KIND_TRANSITION):
        return
    await outbox.cancel(session, subject=about, kind=transitions.KIND_TRANSITION_SILENT)
    escalations = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.subject == about,
            OutboxMessage.kind == transitions.KIND_ESCALATED,
            OutboxMessage.status.in_(outbox.OPEN),
        )
    )
    for row in escalations:
        side, why = row.params.get("side"), row.params.get("why")
        if side == transitions.PERSON and why == transitions.SILENT:
            row.status = OutboxStatus.CANCELLED
            row.claimed_until = None
    again = await transitions.round_suffix(session, check, transitions.KIND_TRANSITION_STAFF_CHECK)
    await transitions.tell_referrer(
        session,
        clock,
        check,
        transitions.KIND_TRANSITION_STAFF_CHECK,
        transitions.TRANSITION_STAFF_CHECK,
        check.ask_at,
        key=f"{transitions.KIND_TRANSITION_STAFF_CHECK}:{check.id}{again}",
    )


async def ask_again(session: AsyncSession, clock: Clock, check: TransitionCheck) -> None:
    """While the referrer's check has not gone out, the person is asked at its time instead:
    the same question, and the same nudges if they do not answer."""
    person = await session.get(Individual, check.individual_id)
    if check.answer is not None or person is None or person.telegram_id is None:
        return
    about, staff_check = transitions.subject(check), transitions.KIND_TRANSITION_STAFF_CHECK
    if not await outbox.cancel(session, subject=about, kind=staff_check):
        return
    meeting = await session.get(Meeting, check.meeting_id)
    again = await transitions.round_suffix(session, check, transitions.KIND_TRANSITION)
    await transitions.ask_person(session, clock, check, person, meeting, again)
