"""Förmöte without Telegram: the offer on confirmation, reminders while unfinished, what the
finished flow stores and shares, and how the staff summary reads in each language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import actions, buttons
from bot.chat.turn import Services, Turn
from bot.models import Consent, Individual, Organisation, OutboxMessage, OutboxStatus, Role
from bot.models.meetings import Meeting, MeetingType, Preparation
from bot.platform import events
from bot.platform.clock import ManualClock
from bot.preparation import chat as preparation_chat
from bot.preparation import reminders as preparation_reminders
from bot.preparation import service as preparation
from bot.preparation import summary as preparation_summary
from flows.engine import REVIEW
from flows.screens import Outcome
from tests import factories
from tests.flows.test_engine import press

ANNA = 1001
SARA = 2001
CLINIC = "Beroendemottagning Rådmannen"


@dataclass
class Case:
    meeting_id: int
    individual_id: int


async def make_case(
    services: Services,
    *,
    reminders: bool = True,
    sharing: bool = True,
    meeting_type: MeetingType = MeetingType.SIP,
    days_ahead: int = 7,
) -> Case:
    clock = services.clock
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock)
        clinic = await factories.unit(session, clock, CLINIC, Organisation.REGION)
        sara = await factories.staff(session, clock, SARA, {social: Role.STAFF})
        anna = await factories.individual(
            session,
            clock,
            ANNA,
            [social, clinic],
            sara,
            reminders=reminders,
            sharing=sharing,
            language="en",
        )
        meeting = await factories.meeting(
            session,
            clock,
            individual=anna,
            requester=sara,
            units={social: sara, clinic: None},
            starts_at=clock.now() + timedelta(days=days_ahead),
            type=meeting_type,
        )
        return Case(meeting.id, anna.id)


async def confirm(services: Services, case: Case) -> None:
    async with services.db.transaction() as session:
        await events.emit(
            events.MEETING_CONFIRMED, session, services.clock, meeting_id=case.meeting_id
        )


async def rows(services: Services, kind: str | None = None) -> list[OutboxMessage]:
    """The outbox rows of this feature (other features react to the same events)."""
    async with services.db.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        else:
            query = query.where(OutboxMessage.kind.startswith("preparation_"))
        return list(await session.scalars(query))


async def remind(services: Services) -> int:
    async with services.db.transaction() as session:
        return await preparation_reminders.queue_due_reminders(
            session, services.clock, services.settings
        )


class Person:
    """The individual, driving /prepare and the flow one transaction per update."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.tr = services.tr("en")
        self.last: Outcome | None = None

    def _turn(self, session: AsyncSession) -> Turn:
        return Turn(session, self.services, self.tr, ANNA)

    async def prepare(self) -> Outcome:
        async with self.services.db.transaction() as session:
            self.last = await preparation_chat.prepare(self._turn(session))
        return self.last

    async def click(self, *labels: str) -> Outcome:
        for label in labels:
            assert self.last is not None
            data = press(self.last, label)
            async with self.services.db.transaction() as session:
                outcome = await self.services.engine.on_button(session, ANNA, data, self.tr)
            if outcome.screens:
                self.last = outcome
        assert self.last is not None
        return self.last

    @property
    def text(self) -> str:
        assert self.last is not None
        return self.last.screens[-1].text


async def finish_quickly(person: Person) -> Outcome:
    await person.prepare()
    await person.click("Continue ▶", "Housing", "Done ✔", "I'm not sure yet")
    await person.click("A support person", "Done ✔", "Nothing special", "Done ✔")
    await person.click("Here in the chat", "Skip")
    return await person.click("Send to Sara Socialsekreterare")


async def test_a_confirmed_meeting_offers_the_preparation_once(services: Services) -> None:
    case = await make_case(services)
    await confirm(services, case)
    await confirm(services, case)
    offers = await rows(services, preparation.OFFER_KIND)
    assert len(offers) == 1
    assert offers[0].chat_id == ANNA and offers[0].individual_id == case.individual_id
    assert offers[0].buttons == [
        [
            {
                "label": "Get ready now",
                "action": preparation.START_ACTION,
                "payload": {"meeting_id": case.meeting_id},
            },
            {
                "label": "Later",
                "action": preparation.LATER_ACTION,
                "payload": {"meeting_id": case.meeting_id},
            },
        ]
    ]


async def test_no_offer_without_consent_or_for_a_staff_only_meeting(services: Services) -> None:
    case = await make_case(services)
    async with services.db.transaction() as session:
        consents = await session.scalars(
            select(Consent).where(Consent.individual_id == case.individual_id)
        )
        for consent in consents:
            consent.withdrawn_at = services.clock.now()
    await confirm(services, case)
    assert await rows(services) == []

    async with services.db.transaction() as session:
        social = await factories.unit(session, services.clock, "Socialtjänst Väster")
        lars = await factories.staff(session, services.clock, 2002, {social: Role.STAFF})
        staff_only = await factories.meeting(
            session,
            services.clock,
            individual=None,
            requester=lars,
            units={social: lars},
            type=MeetingType.STAFF_ONLY,
        )
        await events.emit(
            events.MEETING_CONFIRMED, session, services.clock, meeting_id=staff_only.id
        )
    assert await rows(services) == []


async def test_reminders_from_three_days_before_at_most_two(
    services: Services, clock: ManualClock
) -> None:
    case = await make_case(services)  # the meeting is on Monday 9 March, 10:00
    await confirm(services, case)
    assert await remind(services) == 0
    clock.set(datetime(2026, 3, 6, 9, 5, tzinfo=UTC))  # Friday 10:05 in Stockholm
    assert await remind(services) == 1
    assert await remind(services) == 0
    clock.set(datetime(2026, 3, 7, 9, 5, tzinfo=UTC))  # Saturday 10:05
    assert await remind(services) == 1
    clock.set(datetime(2026, 3, 8, 9, 5, tzinfo=UTC))  # Sunday 10:05
    assert await remind(services) == 0
    reminders = await rows(services, preparation.REMINDER_KIND)
    assert len(reminders) == 2
    assert all(r.expires_at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC) for r in reminders)


async def test_a_late_run_sends_one_reminder_and_never_right_after_the_offer(
    services: Services, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))  # Saturday 13:00, meeting Monday 10:00
    case = await make_case(services, days_ahead=2)
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, case.meeting_id)
        assert meeting is not None
        meeting.starts_at = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    await confirm(services, case)
    assert await remind(services) == 0  # the offer went out a moment ago
    clock.set(datetime(2026, 3, 8, 8, 30, tzinfo=UTC))  # Sunday 09:30: too early in the day
    assert await remind(services) == 0
    clock.set(datetime(2026, 3, 8, 9, 0, tzinfo=UTC))  # Sunday 10:00
    assert await remind(services) == 1
    assert len(await rows(services, preparation.REMINDER_KIND)) == 1


async def test_no_reminders_without_the_reminder_consent(
    services: Services, clock: ManualClock
) -> None:
    case = await make_case(services, reminders=False)
    await confirm(services, case)
    clock.set(datetime(2026, 3, 6, 9, 5, tzinfo=UTC))
    assert await remind(services) == 0


async def test_finishing_stops_the_reminders_and_shares_the_codes(
    services: Services, clock: ManualClock
) -> None:
    case = await make_case(services)
    await confirm(services, case)
    clock.set(datetime(2026, 3, 6, 9, 5, tzinfo=UTC))
    assert await remind(services) == 1
    person = Person(services)
    done = await finish_quickly(person)
    assert done.finished
    assert done.screens[0].text.startswith("Thank you. I have sent your answers to Sara")
    reminder = (await rows(services, preparation.REMINDER_KIND))[0]
    assert reminder.status == OutboxStatus.CANCELLED
    clock.set(datetime(2026, 3, 7, 9, 5, tzinfo=UTC))
    assert await remind(services) == 0

    async with services.db.transaction() as session:
        saved = await session.scalar(select(Preparation))
    assert saved is not None
    assert saved.shared_answers == saved.answers
    assert saved.answers["topics"] == ["housing"] and saved.answers["contact"] == "telegram"
    notices = await rows(services, preparation.SHARED_KIND)
    assert [(n.chat_id, n.staff_id is not None) for n in notices] == [(SARA, True)]
    assert "housing" not in str(notices[0].params)  # the answers never wait in the outbox

    async with services.db.engine.connect() as conn:
        raw = (await conn.exec_driver_sql("SELECT answers FROM preparations")).scalar_one()
    assert "housing" not in raw


async def test_a_cancelled_meeting_stops_its_messages(services: Services) -> None:
    case = await make_case(services)
    await confirm(services, case)
    async with services.db.transaction() as session:
        await events.emit(
            events.MEETING_CANCELLED, session, services.clock, meeting_id=case.meeting_id
        )
    assert [r.status for r in await rows(services)] == [OutboxStatus.CANCELLED]


async def test_the_review_names_the_coordinator_only_when_sharing_is_covered(
    services: Services,
) -> None:
    await make_case(services, sharing=False)
    person = Person(services)
    first = await person.prepare()
    assert "your answers stay here with you" in first.screens[0].text
    await person.click("Continue ▶", "Housing", "Done ✔", "I'm not sure yet")
    await person.click("A support person", "Done ✔", "Nothing special", "Done ✔")
    review = await person.click("Here in the chat", "Skip")
    assert "Save my answers" in review.screens[-1].button_texts()
    done = await person.click("Save my answers")
    assert "I have not sent them to anyone" in done.screens[0].text
    assert await rows(services, preparation.SHARED_KIND) == []


async def test_adding_an_interpreter_at_the_review_asks_the_language(services: Services) -> None:
    await make_case(services)
    person = Person(services)
    await person.prepare()
    await person.click("Continue ▶", "Housing", "Done ✔", "I'm not sure yet")
    await person.click("A support person", "Done ✔", "Nothing special", "Done ✔")
    await person.click("Here in the chat", "Skip")
    await person.click("Change: What I need to take part", "Nothing special", "An interpreter")
    asked = await person.click("Done ✔")
    assert "Which language should the interpreter speak?" in asked.screens[-1].text
    back = await person.click("Somali")
    assert "• Interpreter language: Somali" in back.screens[-1].text
    assert "Send to Sara Socialsekreterare" in back.screens[-1].button_texts()


async def test_prepare_again_opens_the_review_with_the_saved_answers(services: Services) -> None:
    await make_case(services)
    person = Person(services)
    await finish_quickly(person)
    again = await person.prepare()
    text = again.screens[0].text
    assert text.startswith("Here are the answers you gave before.")
    assert "• Important to talk about: Housing" in text
    async with services.db.transaction() as session:
        states = await services.engine.open_states(session, ANNA)
    assert [s.step for s in states] == [REVIEW]


async def test_summary_is_rendered_in_the_readers_language(services: Services) -> None:
    case = await make_case(services)
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, case.meeting_id)
        individual = await session.get(Individual, case.individual_id)
        clinic_id = 42
        assert meeting is not None and individual is not None
        prepared = Preparation(
            meeting_id=meeting.id,
            individual_id=individual.id,
            flow_version=2,
            answers={},
            shared_answers={
                "topics": ["housing", "substances"],
                "people": [f"u{clinic_id}", "close_person"],
                "needs": ["interpreter"],
                "language": "other",
                "language_other": "tigrinja",
                "note": "Jag vill helst ses på förmiddagen",
            },
            previous_answers={"topics": ["housing"], "people": ["close_person"]},
            shared_revision=2,
            shared_at=services.clock.now(),
            updated_at=services.clock.now(),
        )
        names = {clinic_id: CLINIC}
        swedish = preparation_summary.render(
            services.tr("sv"), meeting, individual, prepared, names
        )
        english = preparation_summary.render(
            services.tr("en"), meeting, individual, prepared, names
        )
    assert "✎ Viktigt att prata om: Boende, Alkohol eller droger (tidigare: Boende)" in swedish
    assert f"✎ Vill ha med på mötet: {CLINIC}, Någon som står mig nära" in swedish
    assert "✎ Språk för tolk: Ett annat språk (tidigare: –)" in swedish
    assert "✎ Med egna ord: Jag vill helst ses på förmiddagen (tidigare: –)" in swedish
    assert "✎ Important to talk about: Housing, Alcohol or drugs (before: Housing)" in english
    assert english.startswith("Preparation for the SIP meeting on Monday 9 March 10:00")


async def test_consent_withdrawn_before_finishing_keeps_nothing(services: Services) -> None:
    case = await make_case(services)
    person = Person(services)
    await person.prepare()
    await person.click("Continue ▶", "Housing", "Done ✔", "I'm not sure yet")
    await person.click("A support person", "Done ✔", "Nothing special", "Done ✔")
    await person.click("Here in the chat", "Skip")
    async with services.db.transaction() as session:
        for consent in await session.scalars(
            select(Consent).where(Consent.individual_id == case.individual_id)
        ):
            consent.withdrawn_at = services.clock.now()
    done = await person.click("Send to Sara Socialsekreterare")
    assert done.screens[0].text.startswith("You have no consent with the units right now")
    async with services.db.transaction() as session:
        assert await session.scalar(select(Preparation)) is None
    assert await rows(services, preparation.SHARED_KIND) == []


async def test_a_start_button_for_someone_elses_meeting_starts_nothing(
    services: Services,
) -> None:
    await make_case(services)
    async with services.db.transaction() as session:
        social = await factories.unit(session, services.clock, "Socialtjänst Väster")
        lars = await factories.staff(session, services.clock, 2002, {social: Role.STAFF})
        other = await factories.individual(session, services.clock, 3001, [social], lars)
        theirs = await factories.meeting(
            session, services.clock, individual=other, requester=lars, units={social: lars}
        )
        data = await buttons.issue(
            session, services.clock, ANNA, preparation.START_ACTION, {"meeting_id": theirs.id}
        )
    async with services.db.transaction() as session:
        outcome = await actions.dispatch(Turn(session, services, services.tr("en"), ANNA), data)
        assert await services.engine.open_states(session, ANNA) == []
    assert outcome.screens[0].text.startswith("That meeting is no longer coming up.")
