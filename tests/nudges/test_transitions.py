"""Transitions checked from both sides: the receiving unit confirms, the person says whether it
works, and a silent or "no" answer comes back to the referrer and then to their unit's
distributors, until someone has followed it up. The person's question follows their consent to
reminders until it is asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.bot_api_double import BotApiDouble
from bot.chat import access
from bot.chat.turn import Services
from bot.models import Consent, Individual, Organisation, Role, Unit
from bot.models.meetings import Meeting, MeetingStatus
from bot.models.nudges import TransitionCheck
from bot.outbox import dispatcher as dispatcher_module
from bot.outbox.dispatcher import Dispatcher
from bot.people import consent
from bot.platform import events
from bot.platform.clock import ManualClock
from tests import factories
from tests.nudges.test_nudges import (
    ANNA,
    SARA,
    World,
    button,
    confirmed_meeting,
    deliver_at,
    local,
    press,
    received,
    world,
)

DORA, HUGO, OLLE = 2005, 2006, 2007  # distributors: the clinic, Sara's unit, Väster
ASKED = "How is it going"
STAFF_CHECK = "Time to check whether the contact"
SILENT = "has not answered whether their contact"
STUCK = "the person has not answered whether it works"


@pytest.fixture(autouse=True)
def _short_chat_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher_module, "PER_CHAT_GAP", 0.05)


@pytest.fixture
async def dispatcher(services: Services, double: BotApiDouble) -> AsyncIterator[Dispatcher]:
    request = HTTPXRequest(connection_pool_size=16)
    async with Bot(double.token, base_url=double.base_url, request=request) as telegram:
        yield Dispatcher(services, telegram)


async def distributors(services: Services, clock: ManualClock, w: World) -> int:
    """Dora distributes at the clinic, Hugo at Sara's unit, Olle at Väster (not in Anna's
    consent). Returns Väster's id."""
    async with services.db.transaction() as session:
        home = await session.get(Unit, w.home_id)
        clinic = await session.get(Unit, w.clinic_id)
        vaster = await factories.unit(
            session, clock, "Socialtjänst Väster", Organisation.MUNICIPALITY
        )
        assert home is not None and clinic is not None
        await factories.staff(session, clock, DORA, {clinic: Role.DISTRIBUTOR}, "Dora", "en")
        await factories.staff(session, clock, HUGO, {home: Role.DISTRIBUTOR}, "Hugo", "en")
        await factories.staff(session, clock, OLLE, {vaster: Role.DISTRIBUTOR}, "Olle", "en")
        return vaster.id


async def refer(services: Services, clock: ManualClock, w: World, unit_id: int) -> int:
    meeting_id = await confirmed_meeting(services, clock, w, local(2026, 3, 2, 9, 0))
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.status = MeetingStatus.HELD
        meeting.outcome_recorded_at = clock.now()
        meeting.outcome_by_staff_id = w.sara_id
        meeting.referred_to_unit_id = unit_id
        await events.emit(
            events.MEETING_OUTCOME,
            session,
            clock,
            meeting_id=meeting_id,
            outcome="held",
            next_steps=["referred"],
            referred_to_unit_id=unit_id,
        )
    return meeting_id


async def referred_to_clinic(services: Services, clock: ManualClock) -> World:
    """Anna's meeting ended with a referral to the clinic; the units have their distributors
    (see :func:`distributors`)."""
    w = await world(services, clock)
    await distributors(services, clock, w)
    await refer(services, clock, w, w.clinic_id)
    return w


async def check(services: Services) -> TransitionCheck:
    async with services.db.transaction() as session:
        found: TransitionCheck | None = await session.scalar(select(TransitionCheck))
    assert found is not None
    return found


async def test_a_no_from_the_unit_reaches_the_referrer_and_then_their_distributor(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await referred_to_clinic(services, clock)
    await dispatcher.drain()
    [ask] = received(double, DORA, "was referred to Beroendemottagningen")
    assert ask.text == (
        f"{w.case_ref} was referred to Beroendemottagningen by Sara Socialsekreterare "
        "(Socialtjänst Innerstaden, vuxen/missbruk) at the meeting on 2 March 2026. Please "
        "confirm here when contact has started, at the latest by 9 March 2026."
    )
    reply = await press(services, DORA, button(ask, "Not started yet"))
    assert reply.screens[0].text.startswith(f"Noted: contact with {w.case_ref} has not started")
    await dispatcher.drain()
    [told] = received(double, SARA, "says contact with")
    assert told.text.startswith(f"Beroendemottagningen says contact with {w.case_ref} has not")
    assert told.button_texts == ["I have followed it up"]

    # Three working days later it still stands: Hugo, who distributes at Sara's unit, hears.
    await deliver_at(dispatcher, clock, local(2026, 3, 4, 9, 0))
    assert received(double, HUGO, "is stuck") == []
    await deliver_at(dispatcher, clock, local(2026, 3, 5, 9, 0))
    [stuck] = received(double, HUGO, "is stuck")
    assert stuck.text == (
        "A referral from Socialtjänst Innerstaden, vuxen/missbruk is stuck: "
        f"{w.case_ref} was referred to Beroendemottagningen by Sara Socialsekreterare on 2 "
        "March 2026, and Beroendemottagningen says contact has not started. Please make sure "
        "someone follows it up."
    )

    # Then contact starts: Dora says so with the button under her reply.
    [started] = [b for row in reply.screens[0].buttons for b in row]
    assert started.text == "Contact has started"
    await press(services, DORA, started.data)
    await dispatcher.drain()
    assert received(double, SARA, f"Beroendemottagningen confirms that contact with {w.case_ref}")
    done = await check(services)
    assert done.unit_answer == "started" and done.closed_at is None  # Anna is still to say


async def test_followed_up_stops_every_nudge_about_the_referral(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await referred_to_clinic(services, clock)
    await deliver_at(dispatcher, clock, local(2026, 3, 9, 9, 0))
    [silent] = received(double, SARA, "Beroendemottagningen has not confirmed")
    assert silent.text.endswith("Please check with Beroendemottagningen.")
    outcome = await press(services, SARA, button(silent, "I have followed it up"))
    assert outcome.screens[0].text == (
        f"Thank you. The referral of {w.case_ref} to Beroendemottagningen is closed; nobody is "
        "nudged about it."
    )
    await deliver_at(dispatcher, clock, local(2026, 3, 12, 9, 0))
    await deliver_at(dispatcher, clock, local(2026, 3, 20, 10, 0))
    assert received(double, HUGO, "is stuck") == []
    assert received(double, ANNA, "How is it going") == []
    assert (await check(services)).closed_reason == "followed_up"
    [ask] = received(double, DORA, "was referred to")
    late = await press(services, DORA, button(ask, "Contact has started"))
    assert late.screens[0].text == "That referral is already confirmed or closed."


async def test_the_person_says_it_does_not_work_and_the_referrer_hears_at_once(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    await refer(services, clock, w, w.clinic_id)
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    [ask] = received(double, ANNA, "How is it going")
    reply = await press(services, ANNA, button(ask, "It has started, but it does not work well"))
    assert "so they can help you find what works" in reply.screens[0].text
    await dispatcher.drain()
    [told] = received(double, SARA, "does not work well")
    assert told.text == (
        f"{w.case_ref} says their contact with Beroendemottagningen has started but does not "
        "work well for them. Please follow up."
    )
    assert (await check(services)).answer == "not_working"


async def test_a_unit_outside_the_consent_is_not_told_about_the_person(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    vaster = await distributors(services, clock, w)
    async with services.db.transaction() as session:
        covered = await access.case_unit_ids(session, w.anna_id, clock.now())
    assert vaster not in covered
    await refer(services, clock, w, vaster)
    await deliver_at(dispatcher, clock, local(2026, 3, 20, 10, 0))
    assert double.messages_in(OLLE) == []
    found = await check(services)
    assert found.unit_due_at is None and found.unit_id == vaster
    assert received(double, ANNA, "How is it going with Socialtjänst Väster?")


async def test_reminders_turned_off_before_the_question_hand_it_to_the_referrer(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await referred_to_clinic(services, clock)
    async with services.db.transaction() as session:
        anna = await session.get(Individual, w.anna_id)
        assert anna is not None
        await consent.change_part(session, clock, anna, "reminders", False)
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    assert received(double, ANNA, "How is it going") == []
    assert [m.text for m in received(double, SARA, "Time to check")] == [
        f"Time to check whether the contact of {w.case_ref} with Beroendemottagningen has "
        "started. They were referred at the meeting on 2 March 2026. I cannot ask them here, "
        "so please check with them."
    ]
    # Nobody is told that Anna left a question unanswered: she was never asked.
    await deliver_at(dispatcher, clock, local(2026, 3, 26, 10, 0))
    assert received(double, SARA, "has not answered whether") == []
    assert received(double, HUGO, "the person has not answered") == []
    assert received(double, ANNA, "How is it going") == []


async def test_a_question_no_longer_covered_by_consent_is_not_sent(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    """The last check before sending reads the consent, whatever changed it."""
    w = await world(services, clock)
    await refer(services, clock, w, w.clinic_id)
    async with services.db.transaction() as session:
        record = await session.scalar(select(Consent).where(Consent.individual_id == w.anna_id))
        assert record is not None
        record.reminders = False
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    assert received(double, ANNA, "How is it going") == []
    # The referrer still hears that there is no answer, and checks with Anna.
    await deliver_at(dispatcher, clock, local(2026, 3, 19, 10, 0))
    assert len(received(double, SARA, "has not answered whether their contact")) == 1


# The question follows the consent to reminders until it is asked: turned off, or left out of
# a new consent, the referrer checks instead and never hears "has not answered"; turned on again
# before the referrer's check, the person is asked after all.


async def _reminders(services: Services, clock: ManualClock, anna_id: int, given: bool) -> None:
    """Anna turns the reminders part of her consent on or off with /consent."""
    async with services.db.transaction() as session:
        anna = await session.get(Individual, anna_id)
        assert anna is not None
        await consent.change_part(session, clock, anna, "reminders", given)


async def test_reminders_on_again_before_the_check_ask_the_person_after_all(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await referred_to_clinic(services, clock)
    clock.set(local(2026, 3, 3, 12, 0))
    await _reminders(services, clock, w.anna_id, False)
    clock.set(local(2026, 3, 5, 12, 0))
    await _reminders(services, clock, w.anna_id, True)

    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    [ask] = received(double, ANNA, ASKED)
    assert ask.text.startswith(
        "Hi! At the meeting on 2 March 2026 you were referred to Beroendemottagningen."
    )
    assert received(double, SARA, STAFF_CHECK) == []
    # Her answer reaches Sara as anyone's would.
    await press(services, ANNA, button(ask, "It has started and works"))
    await dispatcher.drain()
    assert received(double, SARA, "says their contact with Beroendemottagningen has started")
    await deliver_at(dispatcher, clock, local(2026, 3, 26, 10, 0))
    assert received(double, SARA, STAFF_CHECK) == []
    assert received(double, SARA, SILENT) == []
    assert len(received(double, ANNA, ASKED)) == 1


async def test_asked_after_all_and_silent_the_referrer_and_then_the_unit_hear(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await referred_to_clinic(services, clock)
    await _reminders(services, clock, w.anna_id, False)
    await _reminders(services, clock, w.anna_id, True)
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    assert len(received(double, ANNA, ASKED)) == 1
    await deliver_at(dispatcher, clock, local(2026, 3, 19, 10, 0))
    assert len(received(double, SARA, SILENT)) == 1
    await deliver_at(dispatcher, clock, local(2026, 3, 26, 10, 0))
    assert len(received(double, HUGO, STUCK)) == 1
    assert received(double, SARA, STAFF_CHECK) == []


async def test_off_on_and_off_again_the_referrer_checks_once(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await referred_to_clinic(services, clock)
    for given in (False, True, False):
        await _reminders(services, clock, w.anna_id, given)
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    assert received(double, ANNA, ASKED) == []
    assert len(received(double, SARA, STAFF_CHECK)) == 1
    await deliver_at(dispatcher, clock, local(2026, 3, 26, 10, 0))
    assert received(double, SARA, SILENT) == []
    assert received(double, HUGO, STUCK) == []


async def test_reminders_on_after_the_referrer_checked_ask_nobody(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    w = await world(services, clock)
    await refer(services, clock, w, w.clinic_id)
    await _reminders(services, clock, w.anna_id, False)
    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    assert len(received(double, SARA, STAFF_CHECK)) == 1
    clock.set(local(2026, 3, 17, 12, 0))
    await _reminders(services, clock, w.anna_id, True)
    await deliver_at(dispatcher, clock, local(2026, 3, 26, 10, 0))
    assert received(double, ANNA, ASKED) == []
    assert received(double, SARA, SILENT) == []


async def test_a_consent_renewed_without_reminders_hands_the_question_to_the_referrer(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    """Anna's consent runs out on 10 March; on 5 March she renews it, saying no to reminders."""
    w = await referred_to_clinic(services, clock)
    async with services.db.transaction() as session:
        old = await session.scalar(select(Consent).where(Consent.individual_id == w.anna_id))
        assert old is not None
        old.valid_until = local(2026, 3, 10)
    clock.set(local(2026, 3, 5, 12, 0))
    async with services.db.transaction() as session:
        anna = await session.get(Individual, w.anna_id)
        units = list(
            await session.scalars(select(Unit).where(Unit.id.in_([w.home_id, w.clinic_id])))
        )
        assert anna is not None
        await consent.give(
            session,
            clock,
            anna,
            unit_list=units,
            reminders=False,
            sharing=True,
            survey=True,
            months=6,
            valid_until=clock.now() + timedelta(days=180),
            text_hash="1" * 64,
            text_locale="en",
        )
    clock.set(local(2026, 3, 10, 0, 15))
    async with services.db.transaction() as session:
        await consent.expire_due(session, clock, retention=timedelta(days=30))

    await deliver_at(dispatcher, clock, local(2026, 3, 16, 10, 0))
    assert received(double, ANNA, ASKED) == []
    assert [m.text for m in received(double, SARA, STAFF_CHECK)] == [
        f"Time to check whether the contact of {w.case_ref} with Beroendemottagningen has "
        "started. They were referred at the meeting on 2 March 2026. I cannot ask them here, "
        "so please check with them."
    ]
    await deliver_at(dispatcher, clock, local(2026, 3, 26, 10, 0))
    assert received(double, SARA, SILENT) == []
    assert received(double, HUGO, STUCK) == []
