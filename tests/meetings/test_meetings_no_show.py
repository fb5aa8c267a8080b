"""After a missed meeting: a kind word to the individual, a new time with the same people in
one tap, and a new invitation that says "that happens" (the Folke case)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.models.meetings import Meeting, MeetingStatus, UnitRequestStatus
from tests.conftest import RunningBot
from tests.meetings.support import (
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


async def test_a_no_show_gets_a_new_confirmed_time_in_one_tap(running_bot: RunningBot) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 9))
    people = await seed(bot.services, individual_language="sv")
    old_id = await booked(bot.services, people, local(2026, 3, 3, 10))
    sara, lars = bot.double.user(SARA), bot.double.user(LARS)
    folke = bot.double.user(FOLKE, language_code="sv")

    # Too early: the outcome waits for the end of the meeting.
    await sara.say("/meetings")
    listing = await text_seen(bot, sara, "Coming up:")
    await press(sara, listing, f"📋 GFI · {people.case_ref} · Tue 3 Mar 10:00")
    card = await seen(bot, sara, lambda m: "Reschedule…" in m.button_texts, "the card")
    assert "Record outcome" not in card.button_texts

    bot.clock.set(local(2026, 3, 3, 11, 15))
    await sara.say("/meetings")
    listing = await text_seen(bot, sara, "Waiting for an outcome:")
    await press(sara, listing, f"📋 GFI · {people.case_ref} · Tue 3 Mar 10:00")
    card = await seen(bot, sara, lambda m: "Record outcome" in m.button_texts, "the card")
    await press(sara, card, "Record outcome")
    question = await text_seen(bot, sara, "How did the GFI")
    await press(sara, question, "The person did not come")
    saved = await text_seen(bot, sara, f"Saved: {people.case_ref} did not come.")
    assert saved.button_texts == ["Same time next week: Tue 10 Mar 10:00", "Propose other times"]

    kind = await text_seen(bot, folke, "Vi saknade dig på mötet tisdag 3 mars 10:00.")
    assert "Sådant händer." in kind.text
    assert "ringa Beroendemottagningen Rådmannen på 040-33 00 00" in kind.text
    assert (await meeting_by_id(bot.services, old_id)).status == MeetingStatus.NO_SHOW

    # One tap: the same people, a week later.
    await press(sara, saved, "Same time next week: Tue 10 Mar 10:00")
    await text_seen(bot, sara, "A new time is proposed: Tuesday 10 March 10:00.")
    ask = await text_seen(bot, lars, "Sara Sjuksköterska proposes times for the GFI")
    await press(lars, ask, "Answer the times")
    times = await text_seen(bot, lars, "Proposed times for the GFI")
    await press(lars, times, "✓ 1")

    invitation = await text_seen(bot, folke, "Hej! Vi saknade dig på förra mötet.")
    assert "Sådant händer, så här kommer en ny tid." in invitation.text
    assert "Det är ingen utredning, och ingen behöver bestämma något." in invitation.text
    assert "När: tisdag 10 mars 10:00, 60 minuter" in invitation.text
    assert invitation.button_texts == ["Jag kommer", "Jag behöver en annan tid", "Jag har en fråga"]
    await press(folke, invitation, "Jag kommer")
    await text_seen(bot, folke, "Tack! Mötet är bokat")
    await text_seen(bot, lars, "Confirmed: the GFI")

    async with bot.services.db.transaction() as session:
        new = await session.scalar(
            select(Meeting)
            .where(Meeting.previous_meeting_id == old_id)
            .options(selectinload(Meeting.units))
        )
        assert new is not None
        assigned = [(u.unit_id, u.status) for u in new.units]
    assert new.status == MeetingStatus.CONFIRMED
    assert new.starts_at == local(2026, 3, 10, 10)
    assert new.requester_staff_id == (await meeting_by_id(bot.services, old_id)).requester_staff_id
    assert assigned == [(people.social_id, UnitRequestStatus.ASSIGNED)]
    assert new.ics_uid != (await meeting_by_id(bot.services, old_id)).ics_uid
