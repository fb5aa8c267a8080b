"""/ask: each of the person's four choices reaches their responsible staff member with a
one-tap answer, the person is told who answers by when, a request nobody answers goes to the
unit's distributors after one working day, and a text the bot cannot read gets the choices,
the unit's phone number and the crisis line, and is stored nowhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select, text

from bot.chat.turn import Services
from bot.models import Role, Staff, Unit
from bot.models.asks import PersonRequest
from bot.models.meetings import MeetingStatus, MeetingType
from bot.nudges import asks
from bot.platform.config import Settings
from tests import factories
from tests.conftest import RunningBot
from tests.meetings import support
from tests.meetings.support import FOLKE, SARA

DORA = 2010
STRANGER = 4242
CLINIC = "Beroendemottagningen Rådmannen"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
CRISIS = "Emergency: 112 · Självmordslinjen 90101 · /help"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Outbox rows wait for the test to send them."""
    return settings.model_copy(update={"dispatch_interval": 60.0})


async def world(services: Services) -> support.People:
    """Folke's responsible staff member is Sara at the clinic; Dora distributes there."""
    people = await support.seed(services)
    async with services.db.transaction() as session:
        clinic = await session.get(Unit, people.clinic_id)
        assert clinic is not None
        await factories.staff(
            session, services.clock, DORA, {clinic: Role.DISTRIBUTOR}, name="Dora", language="en"
        )
    return people


async def requests(services: Services) -> list[PersonRequest]:
    async with services.db.transaction() as session:
        return list(await session.scalars(select(PersonRequest).order_by(PersonRequest.id)))


def test_one_working_day_skips_weekends_and_holidays() -> None:
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=STOCKHOLM)
    assert asks.answer_by(friday, STOCKHOLM) == datetime(2026, 3, 9, 15, 0, tzinfo=STOCKHOLM)
    saturday = datetime(2026, 3, 7, 11, 0, tzinfo=STOCKHOLM)
    assert asks.answer_by(saturday, STOCKHOLM) == datetime(2026, 3, 10, 8, 0, tzinfo=STOCKHOLM)
    maundy_thursday = datetime(2026, 4, 2, 9, 30, tzinfo=STOCKHOLM)  # Good Friday, Easter Monday
    assert asks.answer_by(maundy_thursday, STOCKHOLM) == datetime(
        2026, 4, 7, 9, 30, tzinfo=STOCKHOLM
    )


async def test_each_choice_reaches_staff_and_escalates_after_one_working_day(
    running_bot: RunningBot,
) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    people = await world(services)
    await support.booked(services, people, clock.now() + timedelta(days=7), type=MeetingType.SIP)
    folke = double.user(FOLKE, language_code="en")
    sara = double.user(SARA, language_code="en")
    dora = double.user(DORA, language_code="en")

    menu = await folke.say("/ask")
    assert menu.text.startswith(
        f"What do you need? Tap one. A person at {CLINIC} gets it and gets back to you within "
        "one working day."
    )
    assert "A SIP is a plan you make together with the units" in menu.text
    assert "This chat is not watched all the time." in menu.text
    assert menu.text.endswith(f"📞 {CLINIC} 040-33 00 00 · {CRISIS}")
    assert menu.button_texts == [
        "📞 Call me",
        "I want a SIP",
        "I want contact with another unit",
        "I want a new time",
    ]
    told = await folke.click("📞 Call me")
    assert told is not None
    assert told.text.startswith(
        f"Thank you. Sara Sjuksköterska at {CLINIC} gets your request and will get back to you "
        "by Tuesday 3 March 10:00."
    )
    assert told.text.endswith(f"📞 {CLINIC} 040-33 00 00 · {CRISIS}")

    await folke.say("/ask")
    await folke.click("I want a SIP")
    await folke.say("/ask")
    which = await folke.click("I want contact with another unit")
    assert which is not None and which.text == (
        f"Which kind of unit do you want contact with?\n\n📞 {CLINIC} 040-33 00 00 · {CRISIS}"
    )
    await folke.click("Social services")
    await folke.say("/ask")
    await folke.click("I want a new time")
    again = await folke.say("/ask")
    repeated = await support.press(folke, again, "I want a SIP")
    assert repeated is not None and repeated.text.startswith(
        "You already asked for this on 2 March 2026. "
        "Someone will get back to you by Tuesday 3 March"
    )
    assert len(await requests(services)) == 4

    mark = sara.mark()
    await factories.deliver_due(services, double)
    notices = sara.inbox_since(mark)
    case = people.case_ref
    assert [m.text for m in notices] == [
        f"{case} asks for to be called (their number is in your records, not here). Please "
        f"answer by Tuesday 3 March 10:00. If nobody has acted by then, the distributors of "
        f"{CLINIC} get it.",
        f"{case} asks for a SIP, a joint plan with the units. Please answer by Tuesday 3 March "
        f"10:00. If nobody has acted by then, the distributors of {CLINIC} get it.",
        f"{case} asks for contact with social services (the municipality). Please answer by "
        f"Tuesday 3 March 10:00. If nobody has acted by then, the distributors of {CLINIC} "
        "get it.",
        f"{case} asks for a new time for the SIP meeting on Monday 9 March 10:00. Please answer "
        f"by Tuesday 3 March 10:00. If nobody has acted by then, the distributors of {CLINIC} "
        "get it.",
    ]
    done = "✓ Done: I have been in touch"
    assert [m.button_texts for m in notices] == [
        ["Book a meeting…", done],
        ["Start a SIP request", done],
        ["Start a GFI request", done],
        ["Find a new time", done],
    ]

    answered = await support.press(sara, notices[0], done)
    assert answered is not None and answered.text == "Thank you. The request is marked as answered."
    flow = await support.press(sara, notices[1], "Start a SIP request")
    assert flow is not None
    assert flow.text.startswith(
        f"{case} asked for this on 2 March 2026. (a SIP, a joint plan with the units)\n\n"
        f"SIP meeting for {case}."
    )

    clock.advance(timedelta(hours=23, minutes=59))
    await asks.escalation_job(services)
    assert [r.escalated_at for r in await requests(services)] == [None] * 4
    clock.advance(timedelta(minutes=1))
    await asks.escalation_job(services)
    states = [
        (str(r.kind), r.outcome, r.escalated_at is not None) for r in await requests(services)
    ]
    assert states == [
        ("call_me", "contacted", False),
        ("want_sip", "request_sip", False),
        ("other_unit", None, True),
        ("new_time", None, True),
    ]
    dora_mark, folke_mark = dora.mark(), folke.mark()
    await factories.deliver_due(services, double)
    assert [m.text for m in dora.inbox_since(dora_mark)] == [
        f"On Monday 2 March 10:00, {case} asked for contact with social services (the "
        f"municipality), and nobody has answered yet. Can someone at {CLINIC} take it? Please "
        "answer by Wednesday 4 March 10:00.",
        f"On Monday 2 March 10:00, {case} asked for a new time for a meeting, and nobody has "
        f"answered yet. Can someone at {CLINIC} take it? Please answer by Wednesday 4 March "
        "10:00.",
    ]
    person_told = [m.text for m in folke.inbox_since(folke_mark)]
    assert (
        "Nobody has answered your request from Monday 2 March 10:00 yet. I am sorry. It has now "
        f"gone to more people at {CLINIC}, and someone will get back to you by Wednesday 4 March "
        f"10:00.\n\n📞 {CLINIC} 040-33 00 00 · {CRISIS}"
    ) in person_told

    gfi = dora.inbox_since(dora_mark)[0]
    opened = await support.press(dora, gfi, "Start a GFI request")
    assert opened is not None and "GFI for" in opened.text
    late = next(b for row in notices[2].buttons for b in row if b.text == "Start a GFI request")
    assert late.callback_data is not None
    toast = await sara.click_data(late.callback_data, notices[2].message_id)
    assert toast == "Dora has already answered this request."
    dora_mark = dora.mark()
    await asks.escalation_job(services)
    await factories.deliver_due(services, double)
    assert dora.inbox_since(dora_mark) == []
    mine = await folke.say("/mydata")
    assert "• Things you asked for with /ask (only what kind, never your words): 4" in mine.text


async def test_a_new_time_asked_for_is_found_in_one_tap(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    people = await world(services)
    meeting_id = await support.booked(services, people, clock.now() + timedelta(days=7))
    folke = double.user(FOLKE, language_code="en")
    sara = double.user(SARA, language_code="en")
    await folke.say("/ask")
    await folke.click("I want a new time")
    mark = sara.mark()
    await factories.deliver_due(services, double)
    [notice] = sara.inbox_since(mark)
    await support.press(sara, notice, "Find a new time")
    meeting = await support.meeting_by_id(services, meeting_id)
    assert meeting.status == MeetingStatus.SCHEDULING
    [request] = await requests(services)
    assert request.outcome == "new_time"
    async with services.db.transaction() as session:
        handled_by = await session.get(Staff, request.handled_by_staff_id)
    assert handled_by is not None and handled_by.telegram_id == SARA


async def _stored_anywhere(services: Services, needle: str) -> list[str]:
    found: list[str] = []
    async with services.db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all():
                if needle in " ".join(str(v) for v in row):
                    found.append(table)
    return found


async def test_a_text_the_bot_cannot_read_gets_choices_phone_and_crisis_line(
    running_bot: RunningBot,
) -> None:
    services, double = running_bot.services, running_bot.double
    await world(services)
    folke = double.user(FOLKE, language_code="en")
    written = "Hej, jag vet inte vad jag ska göra, kan någon ringa mig?"
    answer = await folke.say(written)
    assert answer.text.startswith(
        "I cannot read messages written here, and nobody watches this chat all the time. "
        "Tap what you need, or call."
    )
    assert "I did not understand" not in answer.text
    assert answer.text.endswith(f"📞 {CLINIC} 040-33 00 00 · {CRISIS}")
    assert answer.button_texts == [
        "📞 Call me",
        "I want a SIP",
        "I want contact with another unit",
        "I want a new time",
    ]
    assert await _stored_anywhere(services, "vet inte vad jag ska") == []
    assert await requests(services) == []

    stranger = double.user(STRANGER, language_code="en")
    await stranger.say("/start")
    await stranger.click("English")
    reply = await stranger.say("hello?")
    assert reply.text.startswith("I cannot read messages written here.")
    assert reply.text.endswith(CRISIS)

    helped = await folke.say("/help")
    assert "/ask – ask for a call, a SIP, contact with another unit or a new time" in helped.text
    assert helped.button_texts[0] == "📞 Call me"


async def test_in_swedish_the_person_gets_the_choices_in_plain_words(
    running_bot: RunningBot,
) -> None:
    services, double = running_bot.services, running_bot.double
    await support.seed(services, individual_language="sv")
    folke = double.user(FOLKE, language_code="sv")
    answer = await folke.say("Hej, jag vet inte vad jag ska göra, kan någon ringa mig?")
    assert answer.text.startswith(
        "Jag kan inte läsa meddelanden som skrivs här, och ingen bevakar chatten hela tiden. "
        "Tryck på det du behöver, eller ring."
    )
    assert answer.text.endswith(
        f"📞 {CLINIC} 040-33 00 00 · Akut: 112 · Självmordslinjen 90101 · /help"
    )
    assert answer.button_texts == [
        "📞 Ring mig",
        "Jag vill ha en SIP",
        "Jag vill ha kontakt med en annan verksamhet",
        "Jag vill ha en ny tid",
    ]
    told = await folke.click("📞 Ring mig")
    assert told is not None and told.text.startswith(
        f"Tack. Sara Sjuksköterska på {CLINIC} får det du bad om och hör av sig till dig "
        "senast tisdag 3 mars 10:00."
    )
