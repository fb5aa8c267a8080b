"""Every message the bot sends an individual on its own ends with a way to a human: the
responsible unit's phone number and the crisis line, fixed catalog text in the person's
language. Each kind of such message is made the way the product makes it, then rendered in
every language exactly as the dispatcher renders it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.turn import Services
from bot.meetings import consent_request, outcomes, slots
from bot.meetings import lifecycle as meetings
from bot.models import Consent, Individual, OutboxMessage, Staff, Unit
from bot.models.asks import AskKind
from bot.models.meetings import MeetingStatus, MeetingType
from bot.nudges import asks, follow_ups, transitions
from bot.outbox import queue as outbox
from bot.people import contacts
from bot.platform import events
from bot.platform.clock import ManualClock
from bot.platform.i18n import LANGUAGE_NAMES
from bot.preparation import reminders as preparation_reminders
from bot.survey import invite
from flows import texts
from tests import factories
from tests.meetings import support

# Every kind of message to an individual the product queues on its own.
INDIVIDUAL_KINDS = {
    "booking_invited",
    "booking_moved",
    "booking_cancelled",
    "booking_no_show",
    "booking_consent",
    "meeting_reminder",
    "sip_followup_individual",
    "preparation_offer",
    "preparation_reminder",
    "transition_check",
    "consent_ending",
    "survey_invitation",
    "survey_reminder",
    "ask_person_escalated",
}
LITERAL = {
    "sv": "Akut: 112 · Självmordslinjen 90101 · /help",
    "en": "Emergency: 112 · Självmordslinjen 90101 · /help",
}
PHONES = ("040-33 00 00", "040-34 10 00")


async def _make_every_kind(services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, ManualClock)
    people = await support.seed(services)
    now = clock.now()
    follow_up = await support.booked(
        services, people, now + timedelta(days=10), type=MeetingType.SIP_FOLLOWUP
    )
    await support.booked(services, people, now + timedelta(days=2), type=MeetingType.SIP)
    invited = await support.booked(
        services, people, now + timedelta(days=5), status=MeetingStatus.INVITED
    )
    moved = await support.booked(services, people, now + timedelta(days=6))
    cancelled = await support.booked(services, people, now + timedelta(days=8))
    missed = await support.booked(services, people, now - timedelta(days=1))
    held = await support.booked(services, people, now - timedelta(days=2))
    async with services.db.transaction() as session:
        sara = await session.scalar(select(Staff).where(Staff.telegram_id == support.SARA))
        assert sara is not None
        await events.emit(events.MEETING_CONFIRMED, session, clock, meeting_id=follow_up)
        await preparation_reminders.queue_due_reminders(session, clock, services.settings)
        meeting = await meetings.load(session, invited)
        assert meeting is not None
        await slots.invite(session, clock, meeting)
        meeting = await meetings.load(session, moved)
        assert meeting is not None
        await meetings.begin_reschedule(session, clock, meeting, who="Sara", reason="illness")
        meeting = await meetings.load(session, cancelled)
        assert meeting is not None
        await meetings.cancel(session, clock, meeting, who="Sara", reason="not_needed")
        meeting = await meetings.load(session, missed)
        assert meeting is not None
        await outcomes.record(session, clock, meeting, sara, outcomes.NO_SHOW, [])
        meeting = await meetings.load(session, held)
        assert meeting is not None
        elsewhere = await session.scalar(select(Unit).where(Unit.name == "Socialtjänst Väster"))
        assert elsewhere is not None
        await consent_request.ask(session, clock, meeting, sara, [elsewhere.id])
        await outcomes.record(session, clock, meeting, sara, outcomes.HELD, ["referred"])
        await transitions.plan_transition_check(session, clock, meeting, people.social_id)
        await invite.plan(session, services.settings, clock)
        consent = await session.scalar(
            select(Consent).where(Consent.individual_id == people.individual_id)
        )
        assert consent is not None
        consent.valid_until = now + timedelta(days=5)
        await follow_ups.notify_consent_ending(session, clock)
        person = await session.get(Individual, people.individual_id)
        assert person is not None
        await asks.create(session, clock, person, AskKind.CALL_ME)
    clock.advance(timedelta(days=1))
    async with services.db.transaction() as session:
        await asks.escalate_due(session, clock)


async def test_every_proactive_message_kind_ends_with_a_way_to_a_human_in_every_language(
    services: Services,
) -> None:
    await _make_every_kind(services)
    async with services.db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.staff_id.is_(None), OutboxMessage.individual_id.is_not(None))
                .order_by(OutboxMessage.id)
            )
        )
        assert {row.kind for row in rows} >= INDIVIDUAL_KINDS
        assert set(LITERAL) <= set(LANGUAGE_NAMES)
        for row in rows:
            for locale in LANGUAGE_NAMES:
                tr = services.tr(locale)
                text = await outbox.render_row(session, tr, row)
                last = text.splitlines()[-1]
                where = f"{row.kind} in {locale}: {text!r}"
                assert text.count("\n\n" + last) == 1, where
                assert last.endswith(tr.gettext(texts.CRISIS_LINE)), where
                if locale in LITERAL:
                    assert last.endswith(LITERAL[locale]), where
                assert any(phone in text for phone in PHONES), where


async def test_the_line_names_the_unit_unless_the_message_already_gives_its_number(
    services: Services,
) -> None:
    clock = services.clock
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock, "Socialtjänst Norr", phone="040-55 55 55")
        person = await factories.individual(session, clock, 5001, [home], language="sv")
        plain = await factories_row(session, services, person, "Hej!")
        with_phone = await factories_row(session, services, person, "Ring oss på 040-55 55 55.")
        tr = services.tr("sv")
        assert (await outbox.render_row(session, tr, plain)).endswith(
            "\n\n📞 Socialtjänst Norr 040-55 55 55 · Akut: 112 · Självmordslinjen 90101 · /help"
        )
        assert (await outbox.render_row(session, tr, with_phone)).endswith(
            "040-55 55 55.\n\nAkut: 112 · Självmordslinjen 90101 · /help"
        )


async def factories_row(
    session: AsyncSession, services: Services, person: Individual, message: str
) -> OutboxMessage:
    row = await contacts.notify_individual(
        session,
        services.clock,
        person,
        kind="test",
        message=message,
        dedupe_key=f"test:{message}",
    )
    assert row is not None
    return row


def test_features_queue_only_through_the_contacts_module() -> None:
    """notify_individual adds the way to a human; a feature that queued a row itself could
    leave it out. Only the contacts module and the staff reminders (rows to staff, each
    with its staff id) call the queue directly."""
    root = Path(__file__).resolve().parents[2] / "bot"
    callers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "outbox.enqueue(" in path.read_text(encoding="utf-8")
    )
    assert callers == ["nudges/reminders.py", "people/contacts.py"]
