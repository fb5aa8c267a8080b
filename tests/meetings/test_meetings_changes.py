"""The less happy paths: a distributor returns a request with a reason, no proposed time fits,
and an outcome that refers the person on (which others turn into a transition check)."""

from __future__ import annotations

from typing import Any

from bot.models.meetings import MeetingStatus
from tests.conftest import RunningBot
from tests.meetings.support import (
    DINA,
    LARS,
    SARA,
    booked,
    local,
    meeting_by_id,
    press,
    requested,
    seed,
    seen,
    text_seen,
)


async def test_a_returned_request_tells_the_requester_why(running_bot: RunningBot) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    meeting_id = await requested(bot.services, people, local(2026, 3, 3, 9))
    dina, sara = bot.double.user(DINA), bot.double.user(SARA)
    await dina.say("/meetings")
    listing = await text_seen(bot, dina, "Requests not yet booked:")
    await press(dina, listing, f"📋 GFI · {people.case_ref} · no time yet")
    card = await seen(bot, dina, lambda m: "Return…" in m.button_texts, "the card")
    await press(dina, card, "Return…")
    reasons = await text_seen(bot, dina, "Why are you returning the GFI request")
    await press(dina, reasons, "We already know the person: contact us directly")
    await text_seen(bot, dina, "Returned to Sara Sjuksköterska.")
    told = await text_seen(bot, sara, "Socialtjänst Innerstaden returned the GFI request")
    assert "Reason: We already know the person: contact us directly." in told.text
    assert "the request is closed" in told.text
    assert (await meeting_by_id(bot.services, meeting_id)).status == MeetingStatus.CANCELLED
    assert (await dina.say("/meetings")).text.startswith("You have no meetings right now.")


async def test_when_no_proposed_time_fits_the_proposer_is_asked_for_new_ones(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    meeting_id = await booked(
        bot.services, people, local(2026, 3, 10, 10), status=MeetingStatus.SCHEDULING
    )
    sara, lars = bot.double.user(SARA), bot.double.user(LARS)
    await sara.say("/meetings")
    listing = await text_seen(bot, sara, "Requests not yet booked:")
    await press(sara, listing, f"📋 GFI · {people.case_ref} · no time yet")
    card = await seen(bot, sara, lambda m: "Propose times" in m.button_texts, "the card")
    await press(sara, card, "Propose times")
    picker = await text_seen(bot, sara, "First time: pick a day")
    await press(sara, picker, "Wed 4 Mar")
    await press(sara, picker, "15:30")
    await press(sara, picker, "No, that is all")
    await press(sara, picker, "45 minutes")
    await press(sara, picker, "Somewhere else")
    place = await text_seen(bot, sara, "Write the place in a few words")
    assert "Do not write the person's home address" in place.text
    await sara.say("Rum 3, Storgatan 1")
    ask = await text_seen(bot, lars, "proposes times for the GFI")
    await press(lars, ask, "Answer the times")
    times = await text_seen(bot, lars, "Proposed times for the GFI")
    assert "1. Wednesday 4 March 15:30–16:15, Rum 3, Storgatan 1" in times.text
    await press(lars, times, "✗ 1")
    again = await text_seen(bot, sara, "None of the proposed times works for everyone")
    assert again.button_texts == ["Propose times"]
    meeting = await meeting_by_id(bot.services, meeting_id)
    assert meeting.status == MeetingStatus.SCHEDULING


async def test_a_referral_names_the_unit_in_the_outcome(
    running_bot: RunningBot, outcomes_heard: list[dict[str, Any]]
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 12))
    people = await seed(bot.services)
    meeting_id = await booked(bot.services, people, local(2026, 3, 3, 10))
    lars = bot.double.user(LARS)
    await lars.say("/meetings")
    listing = await text_seen(bot, lars, "Waiting for an outcome:")
    await press(lars, listing, f"📋 GFI · {people.case_ref} · Tue 3 Mar 10:00")
    card = await seen(bot, lars, lambda m: "Record outcome" in m.button_texts, "the card")
    await press(lars, card, "Record outcome")
    await press(lars, await text_seen(bot, lars, "How did the GFI"), "It was held")
    steps = await text_seen(bot, lars, "What are the next steps?")
    await press(lars, steps, "Done ✔")
    assert (await meeting_by_id(bot.services, meeting_id)).status == MeetingStatus.CONFIRMED
    await press(lars, steps, "Referred to another unit")
    await press(lars, steps, "Joint assessment planned")
    await press(lars, steps, "Done ✔")
    units = await text_seen(bot, lars, "Referred to which unit?")
    await press(lars, units, "Socialtjänst Väster")
    saved = await text_seen(bot, lars, "Saved: the GFI was held.")
    assert "Next steps: Referred to another unit, Joint assessment planned." in saved.text
    assert len(outcomes_heard) == 1
    heard = outcomes_heard[0]
    assert heard["outcome"] == "held"
    assert heard["next_steps"] == ["referred", "joint_assessment"]
    assert isinstance(heard["referred_to_unit_id"], int)
    assert heard["referred_to_unit_id"] not in (people.clinic_id, people.social_id)
