"""What the individual sees and can do: their own meetings in plain words, a question that
reaches the requester, asking for another time; and "I can't come" from a reminder."""

from __future__ import annotations

from typing import Any

import pytest

from bot.chat.turn import Services
from bot.models import Unit
from bot.models.meetings import MeetingStatus
from bot.platform import events
from tests import factories
from tests.conftest import RunningBot
from tests.meetings.support import (
    DINA,
    FOLKE,
    LARS,
    SARA,
    booked,
    local,
    meeting_by_id,
    press,
    seed,
    seen,
    text_seen,
)


@pytest.fixture
def heard(services: Services) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []

    async def listener(event: events.Event) -> None:
        found.append((event.name, dict(event.data)))

    names = (events.MEETING_CONFIRMED, events.MEETING_RESCHEDULED, events.MEETING_CANCELLED)
    for name in names:
        services.wiring.add(events.KIND, name, listener)
    return found


async def test_the_individual_sees_only_their_own_meetings_and_can_ask_or_move(
    running_bot: RunningBot, heard: list[tuple[str, dict[str, Any]]]
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    meeting_id = await booked(bot.services, people, local(2026, 3, 10, 10))
    async with bot.services.db.transaction() as session:
        clinic = await session.get(Unit, people.clinic_id)
        assert clinic is not None
        await factories.individual(session, bot.clock, 3002, [clinic], language="en")
    folke, other = bot.double.user(FOLKE, language_code="en"), bot.double.user(3002)
    sara, lars = bot.double.user(SARA), bot.double.user(LARS)

    assert (await other.say("/meetings")).text == "You have no meetings booked right now."
    mine = await folke.say("/meetings")
    assert mine.text == (
        "Your meetings:\n\n"
        "GFI – an open meeting with you and the units\n"
        "When: Tuesday 10 March 10:00\n"
        "Where: Beroendemottagningen Rådmannen, Storgatan 1\n"
        "Who will be there: Sara Sjuksköterska (Beroendemottagningen Rådmannen), "
        "Lars Larsson (Socialtjänst Innerstaden)\n"
        "You have said you will come.\n\n"
        "Questions? Call Beroendemottagningen Rådmannen on 040-33 00 00."
    )
    assert mine.button_texts == [
        "I need another time · Tue 10 Mar",
        "I have a question · Tue 10 Mar",
    ]

    await press(folke, mine, "I have a question · Tue 10 Mar")
    told = await text_seen(bot, folke, "I have told Sara Sjuksköterska.")
    assert "call Beroendemottagningen Rådmannen on 040-33 00 00" in told.text
    assert "Självmordslinjen" in told.text
    question = await text_seen(bot, sara, "has a question about the GFI on Tuesday 10 March")
    assert people.case_ref in question.text

    await press(folke, told, "I need another time")
    await text_seen(bot, folke, "OK. We will find another time and send it to you.")
    for person in (sara, lars):
        moved = await text_seen(bot, person, f"{people.case_ref} is moving the GFI")
        assert "Reason: The person asked for it." in moved.text
    meeting = await meeting_by_id(bot.services, meeting_id)
    assert meeting.status == MeetingStatus.SCHEDULING
    assert heard == [(events.MEETING_RESCHEDULED, {"meeting_id": meeting_id})]


async def test_i_cannot_come_offers_the_requester_a_new_time(running_bot: RunningBot) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    meeting_id = await booked(bot.services, people, local(2026, 3, 10, 10))
    sara = bot.double.user(SARA, language_code="en")
    async with bot.services.db.transaction() as session:
        await events.emit(events.INDIVIDUAL_CANNOT_COME, session, bot.clock, meeting_id=meeting_id)
    offer = await text_seen(bot, sara, f"{people.case_ref} cannot come to the GFI")
    assert (await meeting_by_id(bot.services, meeting_id)).status == MeetingStatus.CONFIRMED
    await press(sara, offer, "Find a new time")
    await text_seen(bot, sara, "First time: pick a day")
    assert (await meeting_by_id(bot.services, meeting_id)).status == MeetingStatus.SCHEDULING


async def test_a_staff_only_meeting_is_confirmed_when_the_staff_agree(
    running_bot: RunningBot, heard: list[tuple[str, dict[str, Any]]]
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    sara, dina = bot.double.user(SARA), bot.double.user(DINA)
    folke = bot.double.user(FOLKE)
    menu = await sara.say("/book")
    assert menu.button_texts == [
        "SIP meeting",
        "SIP follow-up",
        "Staff-only meeting",
        "Closing meeting",
    ]
    await press(sara, menu, "Staff-only meeting")
    picker = await text_seen(bot, sara, "Which person is the Staff-only meeting about?")
    await press(sara, picker, people.case_ref)
    form = await text_seen(bot, sara, "What is it about?")
    await press(sara, form, "Money")
    await press(sara, form, "Done ✔")
    await press(sara, await text_seen(bot, sara, "A short note"), "Skip")
    units = await text_seen(bot, sara, "Which units should take part?")
    await press(sara, units, "Socialtjänst Innerstaden")
    await press(sara, units, "Done ✔")
    windows = await text_seen(bot, sara, "Which times would suit?")
    await press(sara, windows, "Within two weeks")
    await press(sara, windows, "Done ✔")
    await press(sara, await text_seen(bot, sara, "Here is your request."), "Send request")

    notice = await text_seen(bot, dina, "New Staff-only meeting request")
    await press(dina, notice, "Open request")
    card = await seen(bot, dina, lambda m: "Assign to me" in m.button_texts, "the card")
    await press(dina, card, "Assign to me")
    ready = await text_seen(bot, sara, "Everyone is assigned")
    await press(sara, ready, "Propose times")
    picker = await text_seen(bot, sara, "First time: pick a day")
    await press(sara, picker, "Mon 9 Mar")
    await press(sara, picker, "14:00")
    await press(sara, picker, "Add another time")
    await press(sara, picker, "Tue 10 Mar")
    await press(sara, picker, "09:00")
    await press(sara, picker, "No, that is all")
    await press(sara, picker, "30 minutes")
    await press(sara, picker, "Phone")
    answer = await text_seen(bot, dina, "proposes times for the Staff-only meeting")
    await press(dina, answer, "Answer the times")
    times = await text_seen(bot, dina, "Proposed times for the Staff-only meeting")
    assert "2. Tuesday 10 March 09:00–09:30" in times.text
    await press(dina, times, "✗ 1")
    await press(dina, times, "✓ 2")
    confirmed = await text_seen(bot, sara, "Confirmed: the Staff-only meeting")
    assert "Tuesday 10 March 09:00" in confirmed.text
    assert not any("invited" in m.text for m in folke.messages)
    assert [name for name, _ in heard] == [events.MEETING_CONFIRMED]


async def test_help_lists_the_meeting_commands(running_bot: RunningBot) -> None:
    await seed(running_bot.services)
    staff_help = await running_bot.double.user(SARA).say("/help")
    assert "/gfi – request a GFI" in staff_help.text
    assert "/meetings – your meetings and requests" in staff_help.text
    individual_help = await running_bot.double.user(FOLKE).say("/help")
    assert "/meetings – your meetings" in individual_help.text
    assert "/gfi" not in individual_help.text
