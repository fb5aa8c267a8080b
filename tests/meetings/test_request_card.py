"""The request card for distributors: whom to assign for a GFI, lines other features add (such
as whom the person asked for), and more than one person from the same unit."""

from __future__ import annotations

import pytest

from bot.chat import buttons
from bot.chat.turn import Services, Turn
from bot.meetings import lifecycle as meetings
from bot.meetings import views
from bot.models.meetings import Meeting
from tests.conftest import RunningBot
from tests.meetings.support import DINA, LARS, SARA, press, requested, seed, seen, text_seen


@pytest.fixture
def asked_for(services: Services) -> None:
    """What the preparation would add: a line only when the person asked for someone."""

    async def lines(turn: Turn, meeting: Meeting) -> list[str]:
        return ["The person asked for: Lars from social services"]

    services.wiring.add(views.REQUEST_CARD_LINES, "", lines)


async def test_the_card_tells_the_distributor_whom_to_assign_and_shows_added_lines(
    running_bot: RunningBot, asked_for: None
) -> None:
    bot = running_bot
    people = await seed(bot.services)
    meeting_id = await requested(bot.services, people, bot.clock.now())
    dina = bot.double.user(DINA, language_code="en")
    listing = await dina.say("/meetings")
    await press(dina, listing, next(t for t in listing.button_texts if people.case_ref in t))
    card = await seen(bot, dina, lambda m: "Assign to me" in m.button_texts, "the card")
    assert "The person asked for: Lars from social services" in card.text
    assert card.text.endswith(
        f"💡 Assign the people who would work with {people.case_ref} if they become a client "
        "of your unit, so that the person meets the right people at once and need not tell "
        "their story again. You can assign more than one person."
    )

    # Sara requested it; she distributes nowhere, so the hint is not for her.
    sara = bot.double.user(SARA, language_code="en")
    anchor = await sara.say("/help")
    async with bot.services.db.transaction() as session:
        data = await buttons.issue(
            session, bot.clock, SARA, meetings.OPEN_CARD, {"meeting_id": meeting_id}
        )
    await sara.click_data(data, anchor.message_id)
    assert sara.last is not None
    assert "The person asked for: Lars from social services" in sara.last.text
    assert "💡" not in sara.last.text

    # Two people from social services: both take part and both are asked about times.
    await press(dina, card, "Assign to me")
    assigned = await text_seen(bot, dina, "Assigned to Dina Chef.")
    await press(dina, assigned, "Add another person…")
    who = await text_seen(bot, dina, "Who else at Socialtjänst Innerstaden should come")
    assert "Dina Chef" not in who.button_texts
    await press(dina, who, "Lars Larsson")
    await text_seen(bot, dina, "Lars Larsson comes as well.")
    async with bot.services.db.transaction() as session:
        meeting = await meetings.load(session, meeting_id)
        assert meeting is not None
        participants = [p.name for p in await meetings.participants(session, meeting)]
    assert participants == ["Sara Sjuksköterska", "Dina Chef", "Lars Larsson"]
    lars = bot.double.user(LARS, language_code="en")
    await text_seen(bot, lars, "Dina Chef assigned you to the GFI")
