"""Meeting reminders, staff nudges, the transition check and consent notices: planned from
the domain events, delivered by the dispatcher at the right local time, with a phone number
in every question to the individual."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.bot_api_double import BotApiDouble, SentMessage
from bot.chat import actions, profiles
from bot.chat.turn import Services, Turn
from bot.models import (
    Consent,
    Individual,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Role,
    Staff,
    Unit,
)
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.models.nudges import TransitionCheck
from bot.nudges import follow_ups as nudges
from bot.nudges import reminders, transitions
from bot.outbox import dispatcher as dispatcher_module
from bot.outbox.dispatcher import Dispatcher
from bot.platform import events
from bot.platform.clock import ManualClock
from flows.screens import Outcome
from tests import factories

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ANNA = 1001
SARA = 2001
KARL = 2002
HOME_PHONE = "040-34 10 00"
CRISIS = "\n\nEmergency: 112 · Självmordslinjen 90101 · /help"
CLINIC_PHONE = "010-111 22 33"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.fixture(autouse=True)
def _short_chat_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher_module, "PER_CHAT_GAP", 0.05)


@pytest.fixture
async def dispatcher(services: Services, double: BotApiDouble) -> AsyncIterator[Dispatcher]:
    request = HTTPXRequest(connection_pool_size=16)
    async with Bot(double.token, base_url=double.base_url, request=request) as telegram:
        yield Dispatcher(services, telegram)


@dataclass
class World:
    home_id: int
    clinic_id: int
    sara_id: int
    karl_id: int
    anna_id: int
    case_ref: str


async def world(services: Services, clock: ManualClock, **consent: Any) -> World:
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock)
        clinic = await factories.unit(
            session,
            clock,
            "Beroendemottagningen",
            organisation=Organisation.REGION,
            phone=CLINIC_PHONE,
        )
        sara = await factories.staff(session, clock, SARA, {home: Role.STAFF}, language="en")
        karl = await factories.staff(
            session, clock, KARL, {clinic: Role.STAFF}, name="Karl Kurator", language="en"
        )
        anna = await factories.individual(
            session, clock, ANNA, [home, clinic], sara, language="en", **consent
        )
        return World(home.id, clinic.id, sara.id, karl.id, anna.id, anna.case_ref)


async def confirmed_meeting(
    services: Services,
    clock: ManualClock,
    w: World,
    starts_at: datetime,
    type: MeetingType = MeetingType.GFI,
) -> int:
    """A meeting as booking leaves it, and the event booking emits."""
    async with services.db.transaction() as session:
        sara = await session.get(Staff, w.sara_id)
        karl = await session.get(Staff, w.karl_id)
        anna = await session.get(Individual, w.anna_id)
        clinic = await session.get(Unit, w.clinic_id)
        assert sara and karl and anna and clinic
        meeting = await factories.meeting(
            session,
            clock,
            individual=anna,
            requester=sara,
            units={clinic: karl},
            starts_at=starts_at,
            type=type,
        )
        meeting.requester_unit_id = w.home_id
        await events.emit(events.MEETING_CONFIRMED, session, clock, meeting_id=meeting.id)
        return meeting.id


async def my_rows(services: Services, *kinds: str) -> list[OutboxMessage]:
    async with services.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind.in_(kinds or _all_kinds()))
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
        )
        return list(rows)


def _all_kinds() -> list[str]:
    return [
        *reminders.MEETING_KINDS,
        reminders.KIND_CANNOT_COME,
        *nudges.STAFF_KINDS_ABOUT_A_CASE,
        transitions.KIND_TRANSITION,
        nudges.KIND_CONSENT_ENDING,
    ]


def pending(rows: list[OutboxMessage]) -> list[tuple[str, int, datetime]]:
    return [(r.kind, r.chat_id, r.due_at) for r in rows if r.status == OutboxStatus.PENDING]


async def deliver_at(dispatcher: Dispatcher, clock: ManualClock, moment: datetime) -> int:
    clock.set(moment)
    return await dispatcher.drain()


def received(double: BotApiDouble, chat_id: int, containing: str) -> list[SentMessage]:
    return [m for m in double.messages_in(chat_id) if containing in m.text]


async def press(services: Services, telegram_id: int, data: str) -> Outcome:
    async with services.db.transaction() as session:
        language = await profiles.language_of(session, telegram_id) or "en"
        turn = Turn(session, services, services.tr(language), telegram_id)
        return await actions.dispatch(turn, data)


def button(message: SentMessage, label: str) -> str:
    for row in message.buttons:
        for candidate in row:
            if candidate.text == label and candidate.callback_data:
                return candidate.callback_data
    raise AssertionError(f"no button {label!r} in {message.describe()}")


HEARD: list[int] = []


async def _heard(event: events.Event) -> None:
    HEARD.append(event.data["meeting_id"])


# ----------------------------------------------------------------- meeting reminders


async def test_a_confirmed_meeting_plans_reminders_and_staff_nudges(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    await confirmed_meeting(services, clock, w, local(2026, 3, 5, 10, 0))  # Thursday
    assert pending(await my_rows(services)) == [
        (reminders.KIND_STAFF_BEFORE, SARA, local(2026, 3, 4, 9, 0)),
        (reminders.KIND_STAFF_BEFORE, KARL, local(2026, 3, 4, 9, 0)),
        (reminders.KIND_REMINDER, ANNA, local(2026, 3, 4, 10, 0)),
        (reminders.KIND_REMINDER, ANNA, local(2026, 3, 5, 9, 0)),  # 08:00 is in quiet hours
        (reminders.KIND_OUTCOME_DUE, SARA, local(2026, 3, 6, 9, 0)),
    ]
    await deliver_at(dispatcher, clock, local(2026, 3, 4, 9, 0))
    before = received(double, KARL, "Coming up")
    assert [m.text for m in before] == [
        f"Coming up: GFI meeting for {w.case_ref}, Thursday 5 March 10:00.\nPlace: Storgatan 1"
    ]
    assert before[0].button_texts == ["Read the preparation"]
    await deliver_at(dispatcher, clock, local(2026, 3, 4, 10, 0))
    reminder = received(double, ANNA, "Reminder")
    assert [m.text for m in reminder] == [
        "Reminder: your meeting with the units (GFI, a first meeting to share information) "
        "is on Thursday 5 March 10:00.\nPlace: Storgatan 1\n\n"
        "Are you coming? Answer with a button.\n"
        f"Questions? Call Socialtjänst Innerstaden, vuxen/missbruk on {HOME_PHONE}.{CRISIS}"
    ]
    assert reminder[0].button_texts == ["I'm coming", "I can't come"]


async def test_no_reminders_without_consent_to_them(services: Services, clock: ManualClock) -> None:
    w = await world(services, clock, reminders=False)
    await confirmed_meeting(services, clock, w, local(2026, 3, 5, 10, 0))
    kinds = {row.kind for row in await my_rows(services)}
    assert reminders.KIND_REMINDER not in kinds
    assert reminders.KIND_STAFF_BEFORE in kinds


async def test_an_early_meeting_is_reminded_the_evening_before(
    services: Services, clock: ManualClock
) -> None:
    w = await world(services, clock)
    await confirmed_meeting(services, clock, w, local(2026, 3, 5, 8, 0))
    due = [r.due_at for r in await my_rows(services, reminders.KIND_REMINDER)]
    assert due == [local(2026, 3, 4, 9, 0), local(2026, 3, 4, 19, 0)]


async def test_a_moved_meeting_moves_its_reminders(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    meeting_id = await confirmed_meeting(services, clock, w, local(2026, 3, 5, 10, 0))
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.starts_at = local(2026, 3, 10, 14, 0)
        meeting.ics_sequence += 1
        await events.emit(events.MEETING_RESCHEDULED, session, clock, meeting_id=meeting_id)
    rows = await my_rows(services, reminders.KIND_REMINDER)
    assert [r.status for r in rows] == [OutboxStatus.CANCELLED] * 2 + [OutboxStatus.PENDING] * 2
    assert [r.due_at for r in rows[2:]] == [local(2026, 3, 9, 14, 0), local(2026, 3, 10, 12, 0)]
    await deliver_at(dispatcher, clock, local(2026, 3, 9, 14, 0))
    assert len(received(double, ANNA, "Tuesday 10 March 14:00")) == 1
    assert received(double, ANNA, "Thursday 5 March") == []


async def test_a_meeting_moved_without_the_event_sends_no_stale_reminder(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    meeting_id = await confirmed_meeting(services, clock, w, local(2026, 3, 5, 10, 0))
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.starts_at = local(2026, 3, 5, 11, 0)
    await deliver_at(dispatcher, clock, local(2026, 3, 4, 10, 0))
    assert received(double, ANNA, "Reminder") == []


async def test_a_cancelled_meeting_cancels_every_nudge(
    services: Services, clock: ManualClock
) -> None:
    w = await world(services, clock)
    meeting_id = await confirmed_meeting(services, clock, w, local(2026, 3, 5, 10, 0))
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.status = MeetingStatus.CANCELLED
        await events.emit(events.MEETING_CANCELLED, session, clock, meeting_id=meeting_id)
    assert pending(await my_rows(services)) == []


async def test_a_reminder_across_the_last_sunday_of_october(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    clock.set(local(2026, 10, 22, 12, 0))  # Thursday, summer time
    w = await world(services, clock)
    await confirmed_meeting(services, clock, w, local(2026, 10, 26, 10, 0))  # Monday, winter time
    assert pending(await my_rows(services)) == [
        (reminders.KIND_STAFF_BEFORE, SARA, datetime(2026, 10, 23, 7, 0, tzinfo=UTC)),
        (reminders.KIND_STAFF_BEFORE, KARL, datetime(2026, 10, 23, 7, 0, tzinfo=UTC)),
        (reminders.KIND_REMINDER, ANNA, datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),
        (reminders.KIND_REMINDER, ANNA, datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
        (reminders.KIND_OUTCOME_DUE, SARA, datetime(2026, 10, 27, 8, 0, tzinfo=UTC)),
    ]
    await deliver_at(dispatcher, clock, datetime(2026, 10, 25, 8, 59, tzinfo=UTC))
    assert received(double, ANNA, "Reminder") == []
    await deliver_at(dispatcher, clock, datetime(2026, 10, 25, 9, 0, tzinfo=UTC))
    assert len(received(double, ANNA, "Reminder: your meeting with the units")) == 1
    assert len(received(double, ANNA, "is on Monday 26 October 10:00.")) == 1
    await deliver_at(dispatcher, clock, datetime(2026, 10, 26, 7, 59, tzinfo=UTC))
    assert len(received(double, ANNA, "Reminder")) == 1
    await deliver_at(dispatcher, clock, datetime(2026, 10, 26, 8, 0, tzinfo=UTC))
    assert len(received(double, ANNA, "Reminder")) == 2


async def test_a_sip_follow_up_is_announced_to_staff_and_the_individual(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    starts = local(2026, 3, 17, 13, 0)  # Tuesday in two weeks
    await confirmed_meeting(services, clock, w, starts, MeetingType.SIP_FOLLOWUP)
    rows = await my_rows(services, reminders.KIND_SIP_STAFF, reminders.KIND_SIP_INDIVIDUAL)
    assert pending(rows) == [
        (reminders.KIND_SIP_STAFF, SARA, local(2026, 3, 10, 9, 0)),
        (reminders.KIND_SIP_STAFF, KARL, local(2026, 3, 10, 9, 0)),
        (reminders.KIND_SIP_INDIVIDUAL, ANNA, local(2026, 3, 14, 13, 0)),
    ]
    await deliver_at(dispatcher, clock, local(2026, 3, 10, 9, 0))
    assert [m.text for m in received(double, SARA, "In 7 days")] == [
        f"In 7 days: SIP follow-up for {w.case_ref}, Tuesday 17 March 13:00.\n"
        "Place: Storgatan 1\nIs the plan up to date, and does everyone know what to bring?"
    ]
    await deliver_at(dispatcher, clock, local(2026, 3, 14, 13, 0))
    [notice] = received(double, ANNA, "Your plan (SIP)")
    assert "Is there anything you want to raise?" in notice.text
    assert HOME_PHONE in notice.text
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 9, 0))
    assert len(received(double, SARA, "Coming up: SIP follow-up")) == 1


async def test_an_unrecorded_outcome_nudges_the_organiser_the_next_working_day(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    first = await confirmed_meeting(services, clock, w, local(2026, 3, 6, 10, 0))  # Friday
    second = await confirmed_meeting(services, clock, w, local(2026, 3, 5, 13, 0))
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, second)
        assert meeting is not None
        meeting.status = MeetingStatus.HELD
        meeting.outcome_recorded_at = clock.now()
        await events.emit(
            events.MEETING_OUTCOME,
            session,
            clock,
            meeting_id=second,
            outcome="held",
            next_steps=["none"],
            referred_to_unit_id=None,
        )
    nudge = [
        r for r in await my_rows(services, reminders.KIND_OUTCOME_DUE) if r.status == "pending"
    ]
    assert [(r.params["meeting_id"], r.due_at) for r in nudge] == [
        (first, local(2026, 3, 9, 9, 0))  # Monday
    ]
    await deliver_at(dispatcher, clock, local(2026, 3, 9, 9, 0))
    [nudge_message] = received(double, SARA, "no outcome yet")
    assert nudge_message.button_texts == ["Record outcome"]
    assert [m.text for m in received(double, SARA, "no outcome yet")] == [
        f"The GFI meeting for {w.case_ref} on Friday 6 March 10:00 has no outcome yet. Please "
        "record how it went: held, no-show or cancelled, and the next step."
    ]


# ----------------------------------------------------------------- answering a reminder


async def test_i_cant_come_stops_reminders_and_tells_the_organiser(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    HEARD.clear()
    services.wiring.add(events.KIND, events.INDIVIDUAL_CANNOT_COME, _heard)
    w = await world(services, clock)
    meeting_id = await confirmed_meeting(services, clock, w, local(2026, 3, 5, 10, 0))
    await deliver_at(dispatcher, clock, local(2026, 3, 4, 10, 0))
    [reminder] = received(double, ANNA, "Reminder")
    outcome = await press(services, ANNA, button(reminder, "I can't come"))
    assert outcome.screens[0].text == (
        "Thank you for telling us. It happens. Someone will get back to you about a new time."
        f"\n\nQuestions? Call Socialtjänst Innerstaden, vuxen/missbruk on {HOME_PHONE}."
    )
    assert meeting_id in HEARD
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        assert meeting.individual_answer == "cannot_come"
    assert [r.status for r in await my_rows(services, reminders.KIND_REMINDER)] == [
        OutboxStatus.SENT,
        OutboxStatus.CANCELLED,
    ]
    await dispatcher.drain()
    told = received(double, SARA, "cannot come")
    assert len(told) == 1
    assert told[0].text.startswith(f"{w.case_ref} cannot come to the")
    again = await press(services, ANNA, button(reminder, "I'm coming"))
    assert again.toast == "That button has already been used."


async def test_im_coming_is_saved_and_a_moved_meeting_explains_old_buttons(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    meeting_id = await confirmed_meeting(services, clock, w, local(2026, 3, 5, 10, 0))
    await deliver_at(dispatcher, clock, local(2026, 3, 4, 10, 0))
    [reminder] = received(double, ANNA, "Reminder")
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.starts_at = local(2026, 3, 6, 10, 0)
        meeting.ics_sequence += 1
        await events.emit(events.MEETING_RESCHEDULED, session, clock, meeting_id=meeting_id)
    moved = await press(services, ANNA, button(reminder, "I'm coming"))
    assert moved.screens[0].text.startswith("This reminder was for a time that has changed.")
    await deliver_at(dispatcher, clock, local(2026, 3, 5, 10, 0))
    [fresh] = received(double, ANNA, "Friday 6 March 10:00")
    outcome = await press(services, ANNA, button(fresh, "I'm coming"))
    assert outcome.screens[0].text.startswith("Thank you! See you on Friday 6 March 10:00.")
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        assert meeting.individual_answer == "coming"


# ----------------------------------------------------------------- transition check


async def referred(services: Services, clock: ManualClock, w: World) -> int:
    meeting_id = await confirmed_meeting(services, clock, w, local(2026, 3, 2, 9, 0))
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.status = MeetingStatus.HELD
        meeting.outcome_recorded_at = clock.now()
        meeting.outcome_by_staff_id = w.sara_id
        meeting.referred_to_unit_id = w.clinic_id
        await events.emit(
            events.MEETING_OUTCOME,
            session,
            clock,
            meeting_id=meeting_id,
            outcome="held",
            next_steps=["referred"],
            referred_to_unit_id=w.clinic_id,
        )
    return meeting_id


async def test_a_referral_gets_a_transition_check_after_fourteen_days(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    await referred(services, clock, w)
    rows = await my_rows(services, transitions.KIND_TRANSITION, transitions.KIND_TRANSITION_SILENT)
    assert pending(rows) == [
        (transitions.KIND_TRANSITION, ANNA, local(2026, 3, 16, 10, 0)),
        (transitions.KIND_TRANSITION_SILENT, SARA, local(2026, 3, 19, 10, 0)),
    ]
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    [ask] = received(double, ANNA, "Has your contact")
    assert ask.text == (
        "Hi! At the meeting on 2 March 2026 you were referred to Beroendemottagningen. "
        "How is it going with Beroendemottagningen? Has your contact started, and does it "
        "work for you?\n\n"
        f"Questions? Call Socialtjänst Innerstaden, vuxen/missbruk on {HOME_PHONE}.{CRISIS}"
    )
    assert ask.button_texts == [
        "It has started and works",
        "It has started, but it does not work well",
        "It has not started yet",
    ]
    outcome = await press(services, ANNA, button(ask, "It has not started yet"))
    assert CLINIC_PHONE in outcome.screens[0].text
    assert "It happens." in outcome.screens[0].text
    await dispatcher.drain()
    assert [m.text for m in received(double, SARA, "has not started yet")] == [
        f"{w.case_ref} says their contact with Beroendemottagningen has not started yet. They "
        "were referred at the meeting on 2 March 2026. Please follow up."
    ]
    await deliver_at(dispatcher, clock, local(2026, 3, 19, 10, 0))
    assert received(double, SARA, "has not answered") == []
    async with services.db.transaction() as session:
        check = await session.scalar(select(TransitionCheck))
        assert check is not None
        assert check.answer == "not_started"


async def test_no_answer_to_the_transition_check_tells_the_referrer(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    await referred(services, clock, w)
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    await deliver_at(dispatcher, clock, local(2026, 3, 19, 10, 0))
    assert len(received(double, SARA, "has not answered whether their contact")) == 1


async def test_yes_closes_the_transition_check(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    await referred(services, clock, w)
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    [ask] = received(double, ANNA, "Has your contact")
    outcome = await press(services, ANNA, button(ask, "It has started and works"))
    assert outcome.screens[0].text == (
        f"Good to hear, thank you! If something stops, call Beroendemottagningen on {CLINIC_PHONE}."
    )
    await deliver_at(dispatcher, clock, local(2026, 3, 19, 10, 0))
    assert [m.text for m in received(double, SARA, "Beroendemottagningen")] == [
        f"{w.case_ref} says their contact with Beroendemottagningen has started and works."
    ]
    async with services.db.transaction() as session:
        check = await session.scalar(select(TransitionCheck))
        assert check is not None and check.closed_at is not None  # nobody else is asked here


async def test_without_consent_to_reminders_the_referrer_is_asked_to_check(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock, reminders=False)
    await referred(services, clock, w)
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    assert received(double, ANNA, "Has your contact") == []
    assert [m.text for m in received(double, SARA, "Time to check")] == [
        f"Time to check whether the contact of {w.case_ref} with Beroendemottagningen has "
        "started. They were referred at the meeting on 2 March 2026. I cannot ask them here, "
        "so please check with them."
    ]


# ----------------------------------------------------------------- consent


async def test_consent_ending_is_announced_once_with_a_way_to_renew(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    async with services.db.transaction() as session:
        consent = await session.scalar(select(Consent))
        assert consent is not None
        consent.valid_until = local(2026, 3, 13, 0, 0)
        assert await nudges.notify_consent_ending(session, clock) == 2
        assert await nudges.notify_consent_ending(session, clock) == 0
    await dispatcher.drain()
    [notice] = received(double, ANNA, "Your consent ends")
    assert notice.text.startswith("Your consent ends on 12 March 2026.")
    assert HOME_PHONE in notice.text
    assert notice.button_texts == ["Renew my consent"]
    assert [m.text for m in received(double, SARA, "consent")] == [
        f"The consent for {w.case_ref} ends on 12 March 2026. If the cooperation should "
        "go on, ask them to renew it."
    ]


async def test_withdrawn_consent_cancels_the_persons_nudges_and_the_staff_ones_about_them(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    await confirmed_meeting(services, clock, w, local(2026, 3, 5, 10, 0))
    async with services.db.transaction() as session:
        consent = await session.scalar(select(Consent))
        assert consent is not None
        consent.withdrawn_at = clock.now()
        await events.emit(events.CONSENT_WITHDRAWN, session, clock, individual_id=w.anna_id)
    assert pending(await my_rows(services)) == []
    await deliver_at(dispatcher, clock, local(2026, 3, 6, 9, 0))
    assert received(double, ANNA, "Reminder") == []
