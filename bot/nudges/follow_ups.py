"""Nudges that close gaps outside a single meeting.

- The transition check after a referral lives in :mod:`bot.nudges.transitions`.
- Consent about to end (default 14 days before): the individual hears what happens and how to
  renew; their responsible staff member hears it too.
- A message that could not be delivered, or an individual who blocked the bot: the
  responsible staff member is told, so that someone reaches the person another way.
- Consent withdrawn or ended, or the case closed: every nudge still waiting for the individual
  stops, and so do the staff nudges about them from this module and :mod:`bot.nudges.reminders`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.chat import audit
from bot.chat.turn import Services
from bot.models import Consent, Individual, OutboxMessage
from bot.nudges import reminders, transitions
from bot.outbox import queue as outbox
from bot.outbox import timing
from bot.people import contacts
from bot.platform import events, jobs
from bot.platform.clock import Clock
from bot.platform.context import settings_of, wiring_of
from bot.platform.i18n import N_
from flows import consent as conversation
from flows import texts as flow_texts

KIND_FAILED = "delivery_failed"


KIND_UNREACHABLE = "individual_unreachable"


KIND_CONSENT_ENDING = "consent_ending"


KIND_CONSENT_ENDING_STAFF = "consent_ending_staff"


STAFF_KINDS_ABOUT_A_CASE = (
    *transitions.STAFF_KINDS,
    KIND_CONSENT_ENDING_STAFF,
    *reminders.MEETING_KINDS,
    reminders.KIND_CANNOT_COME,
)


RENEW_ACTION = "consent_renew"


FAILED = N_("I could not deliver {what} to {case}. Please reach them another way if it matters.")


UNREACHABLE = N_(
    "{case} has blocked or left the chat with me, so my messages no longer reach them. "
    "Their reminders are stopped. Please reach them another way."
)


CONSENT_ENDING = N_(
    "Your consent ends on {date}. {means}\n\n"
    "When it ends, I stop sending you reminders, and what I store about you is deleted after "
    "{days}. If you want to go on, renew it with the button below.\n{contact}"
)


RENEW_LABEL = N_("Renew my consent")


CONSENT_ENDING_STAFF = N_(
    "The consent for {case} ends on {date}. If the cooperation should go on, ask them to renew it."
)


OUTBOX_KINDS = {KIND_CONSENT_ENDING: N_("a notice that their consent ends")}


async def delivery_failed(session: AsyncSession, clock: Clock, row: OutboxMessage) -> None:
    """A row to an individual failed for good: their responsible staff member hears of it."""
    if row.staff_id is not None or row.individual_id is None:
        return
    person = await session.get(Individual, row.individual_id)
    if person is None:
        return
    audit.record(
        session, clock, "message_failed", actor="system", case_ref=person.case_ref, kind=row.kind
    )
    await contacts.notify_responsible(
        session,
        clock,
        person,
        kind=KIND_FAILED,
        message=FAILED,
        params={
            "case": person.case_ref,
            "what": outbox.msg_param(outbox.kind_label(wiring_of(session), row.kind)),
        },
        dedupe_key=f"failed:{row.id}",
    )


@events.listen(events.DELIVERY_FAILED)
async def _on_delivery_failed(event: events.Event) -> None:
    await delivery_failed(event.session, event.clock, event.data["row"])


@events.listen(events.INDIVIDUAL_UNREACHABLE)
async def _on_unreachable(event: events.Event) -> None:
    await individual_unreachable(event.session, event.clock, event.data["individual_id"])


async def individual_unreachable(session: AsyncSession, clock: Clock, individual_id: int) -> None:
    """403: mark the individual unreachable, stop their nudges, tell their staff member once."""
    person = await session.get(Individual, individual_id)
    if person is None:
        return
    await outbox.cancel(session, individual_id=person.id, to_staff=False)
    if person.unreachable_at is not None:
        return
    now = clock.now()
    person.unreachable_at = now
    audit.record(session, clock, "individual_unreachable", actor="system", case_ref=person.case_ref)
    await contacts.notify_responsible(
        session,
        clock,
        person,
        kind=KIND_UNREACHABLE,
        message=UNREACHABLE,
        params={"case": person.case_ref},
        dedupe_key=f"unreachable:{person.id}:{int(now.timestamp())}",
    )


@events.listen(events.CONSENT_WITHDRAWN)
@events.listen(events.CONSENT_EXPIRED)
@events.listen(events.CASE_CLOSED)
async def stop_for_case(event: events.Event) -> None:
    """Nothing more reaches the individual, nor their staff about them, from these nudges."""
    individual_id = event.data.get("individual_id")
    if not isinstance(individual_id, int):
        return
    session = event.session
    await outbox.cancel(session, individual_id=individual_id, to_staff=False)
    await outbox.cancel(
        session, individual_id=individual_id, to_staff=True, kinds=STAFF_KINDS_ABOUT_A_CASE
    )


@jobs.every(3600, "consent_ending_notices")
async def consent_ending_notices(services: Services) -> None:
    async with services.db.transaction() as session:
        await notify_consent_ending(session, services.clock)


async def notify_consent_ending(session: AsyncSession, clock: Clock) -> int:
    """Queue the notices for consents that end within the notice period; safe to repeat."""
    settings = settings_of(session)
    now = clock.now()
    horizon = now + timedelta(days=settings.consent_expiry_notice_days)
    ending = await session.scalars(
        select(Consent)
        .where(
            Consent.withdrawn_at.is_(None),
            Consent.expired_at.is_(None),
            Consent.valid_until > now,
            Consent.valid_until <= horizon,
        )
        .options(selectinload(Consent.units))
        .order_by(Consent.id)
    )
    queued = 0
    for consent in list(ending):
        if await _renewed(session, consent, now):
            continue
        person = await session.get(Individual, consent.individual_id)
        if person is None:
            continue
        queued += await _consent_notices(session, clock, consent, person)
    return queued


async def _renewed(session: AsyncSession, consent: Consent, now: datetime) -> bool:
    """A later consent that lasts longer makes the notice pointless."""
    later = await session.scalar(
        select(Consent.id).where(
            Consent.individual_id == consent.individual_id,
            Consent.id != consent.id,
            Consent.withdrawn_at.is_(None),
            Consent.expired_at.is_(None),
            Consent.valid_until > consent.valid_until,
        )
    )
    return later is not None


async def _consent_notices(
    session: AsyncSession, clock: Clock, consent: Consent, person: Individual
) -> int:
    settings = settings_of(session)
    stamp = int(consent.valid_until.timestamp())
    # The last day it holds: a consent "until 1 June" runs out at the start of that day.
    last_day = consent.valid_until - timedelta(seconds=1)
    queued = 0
    subject = f"consent:{consent.id}"
    common = {"consent_id": consent.id, "until": timing.stamp(consent.valid_until)}
    if person.telegram_id is not None:
        unit = await contacts.home_unit(session, person)
        if unit is None and consent.units:
            unit = consent.units[0]
        row = await contacts.notify_individual(
            session,
            clock,
            person,
            kind=KIND_CONSENT_ENDING,
            message=CONSENT_ENDING,
            unit=unit,
            params={
                **common,
                "date": outbox.date_param(last_day),
                "days": outbox.count_param(flow_texts.DAYS, settings.retention_days),
                "contact": contacts.call_line(unit),
                "means": outbox.msg_param(conversation.MEANS),
            },
            buttons=[
                [
                    {
                        "label": RENEW_LABEL,
                        "action": RENEW_ACTION,
                        "payload": {"individual_id": person.id},
                    }
                ]
            ],
            expires_at=consent.valid_until,
            dedupe_key=f"consent_ending:{consent.id}:{stamp}",
            subject=subject,
        )
        queued += row is not None
    staff = await contacts.responsible_staff(session, person)
    if staff is not None and staff.telegram_id is not None:
        row = await contacts.notify_staff(
            session,
            clock,
            staff,
            individual=person,
            kind=KIND_CONSENT_ENDING_STAFF,
            message=CONSENT_ENDING_STAFF,
            params={**common, "case": person.case_ref, "date": outbox.date_param(last_day)},
            expires_at=consent.valid_until,
            dedupe_key=f"consent_ending_staff:{consent.id}:{stamp}:{staff.id}",
            subject=subject,
        )
        queued += row is not None
    return queued


async def _consent_still_ending(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    consent_id = row.params.get("consent_id")
    consent = await session.get(Consent, consent_id) if isinstance(consent_id, int) else None
    if consent is None or not consent.active_at(now):
        return False
    if timing.stamp(consent.valid_until) != row.params.get("until"):
        return False
    return not await _renewed(session, consent, now)


outbox.guard(KIND_CONSENT_ENDING)(_consent_still_ending)


outbox.guard(KIND_CONSENT_ENDING_STAFF)(_consent_still_ending)
