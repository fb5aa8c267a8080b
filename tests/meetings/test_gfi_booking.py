"""A whole GFI over the Bot API test double, with four people: Sara requests it, Dina (the
distributor) assigns Lars, Lars and Sara agree on a time, Folke says he will come, and Sara
records the outcome. The Thursday digest is part of it."""

from __future__ import annotations

from typing import Any

import icalendar
from sqlalchemy import select

from bot.meetings import distribution
from bot.models import AuditEntry
from bot.models.meetings import MeetingStatus
from tests.conftest import RunningBot
from tests.meetings.support import (
    DINA,
    FOLKE,
    LARS,
    SARA,
    local,
    newest_meeting,
    press,
    seed,
    seen,
    text_seen,
)


async def test_a_gfi_from_request_to_recorded_outcome(
    running_bot: RunningBot, outcomes_heard: list[dict[str, Any]]
) -> None:
    bot, clock, double = running_bot, running_bot.clock, running_bot.double
    clock.set(local(2026, 3, 3, 10))  # Tuesday: not a distribution day
    people = await seed(bot.services)
    sara, dina, lars, folke = (
        double.user(i, language_code="en") for i in (SARA, DINA, LARS, FOLKE)
    )

    # Sara fills in the request.
    picker = await sara.say("/gfi")
    assert picker.text == "Which person is the GFI about?"
    assert picker.button_texts == [people.case_ref]
    await press(sara, picker, people.case_ref)
    form = await text_seen(bot, sara, "What is it about?")
    assert "You are asking as Sara Sjuksköterska, Beroendemottagningen Rådmannen" in form.text
    await press(sara, form, "Alcohol")
    await press(sara, form, "Housing")
    await press(sara, form, "Done ✔")
    await sara.say("Has been drinking more since the winter.")
    units = await text_seen(bot, sara, "Which units should take part?")
    assert "Beroendemottagningen Rådmannen (your unit)" in units.button_texts
    await press(sara, units, "Socialtjänst Innerstaden")
    await press(sara, units, "Done ✔")
    windows = await text_seen(bot, sara, "Which times would suit?")
    await press(sara, windows, "Mornings")
    await press(sara, windows, "Done ✔")
    review = await text_seen(bot, sara, "Here is your request.")
    await press(sara, review, "Send request")
    sent = await text_seen(bot, sara, "Sent. The GFI request")
    assert "Socialtjänst Innerstaden" in sent.text

    meeting = await newest_meeting(bot.services)
    assert meeting.status == MeetingStatus.REQUESTED
    assert meeting.categories == ["alcohol", "housing"]
    assert meeting.note == "Has been drinking more since the winter."

    # Dina hears at once, and again in Thursday's digest at 08:00.
    notice = await text_seen(bot, dina, "New GFI request for Socialtjänst Innerstaden")
    assert people.case_ref in notice.text
    clock.set(local(2026, 3, 5, 7, 59))
    await distribution.digest_job(bot.services)
    clock.set(local(2026, 3, 5, 8, 0))
    await distribution.digest_job(bot.services)
    digest = await text_seen(bot, dina, "Requests waiting for Socialtjänst Innerstaden: 1")
    assert people.case_ref in digest.text
    assert "waiting since 3 March 2026" in digest.text
    assert len([m for m in dina.messages if "Requests waiting" in m.text]) == 1

    # Later that morning Dina opens the queue and assigns Lars.
    clock.set(local(2026, 3, 5, 10, 0))
    await press(dina, digest, "Open the queue")
    queue = await text_seen(bot, dina, "Requests waiting for Socialtjänst Innerstaden:\n")
    await press(dina, queue, f"📋 {people.case_ref}")
    card = await seen(bot, dina, lambda m: "Assign to me" in m.button_texts, "the card")
    assert "About: Alcohol, Housing" in card.text
    assert "Note: Has been drinking more since the winter." in card.text
    assert "Requested by Sara Sjuksköterska (Beroendemottagningen Rådmannen, 040-11 22 33)" in (
        card.text
    )
    await press(dina, card, "Someone else…")
    staff_list = await seen(bot, dina, lambda m: "Lars Larsson" in m.button_texts, "the list")
    await press(dina, staff_list, "Lars Larsson")
    await text_seen(bot, dina, "Assigned to Lars Larsson.")

    assigned = await text_seen(bot, lars, "Dina Chef assigned you to the GFI")
    ready = await text_seen(bot, sara, "Everyone is assigned for the GFI")
    assert "Lars Larsson (Socialtjänst Innerstaden)" in ready.text
    assert assigned.button_texts == ["Open request"]

    # Sara proposes Tuesday 10 March at 10:00 at the clinic; Lars says yes.
    await press(sara, ready, "Propose times")
    picker = await text_seen(bot, sara, "First time: pick a day")
    await press(sara, picker, "Tue 10 Mar")
    await press(sara, picker, "10:00")
    await press(sara, picker, "No, that is all")
    await press(sara, picker, "1 hour")
    await press(sara, picker, "Beroendemottagningen Rådmannen, Storgatan 1")
    await text_seen(bot, sara, "Sent. Lars Larsson will answer")

    ask = await text_seen(bot, lars, "Sara Sjuksköterska proposes times for the GFI")
    await press(lars, ask, "Answer the times")
    times = await text_seen(bot, lars, "Proposed times for the GFI")
    assert "1. Tuesday 10 March 10:00–11:00, Beroendemottagningen Rådmannen, Storgatan 1" in (
        times.text
    )
    await press(lars, times, "✓ 1")

    # Folke is invited in plain words and says he will come.
    invitation = await text_seen(bot, folke, "You are invited to a meeting")
    assert "It is not an investigation, and nobody has to decide anything." in invitation.text
    assert "When: Tuesday 10 March 10:00, 60 minutes" in invitation.text
    assert "Where: Beroendemottagningen Rådmannen, Storgatan 1" in invitation.text
    assert (
        "Who will be there: Sara Sjuksköterska (Beroendemottagningen Rådmannen), "
        "Lars Larsson (Socialtjänst Innerstaden)"
    ) in invitation.text
    assert "call Beroendemottagningen Rådmannen on 040-33 00 00" in invitation.text
    assert invitation.button_texts == ["I'll come", "I need another time", "I have a question"]
    await press(folke, invitation, "I'll come")
    await text_seen(bot, folke, "Thank you! The meeting is booked")

    confirmed = await text_seen(bot, sara, "Confirmed: the GFI for")
    await text_seen(bot, lars, "Confirmed: the GFI for")
    await press(sara, confirmed, "📅 Calendar file")
    calendar_message = await seen(bot, sara, lambda m: m.kind == "document", "a calendar file")
    assert calendar_message.document is not None
    calendar = icalendar.Calendar.from_ical(calendar_message.document)
    event = next(iter(calendar.walk("VEVENT")))
    meeting = await newest_meeting(bot.services)
    assert str(event["UID"]) == meeting.ics_uid
    assert int(str(event["SEQUENCE"])) == meeting.ics_sequence
    assert str(calendar["METHOD"]) == "REQUEST"
    assert meeting.status == MeetingStatus.CONFIRMED

    # After the meeting Sara records it: held, and a SIP was established there.
    clock.set(local(2026, 3, 10, 11, 30))
    await sara.say("/meetings")
    overview = await text_seen(bot, sara, "Waiting for an outcome:")
    await press(sara, overview, f"📋 GFI · {people.case_ref} · Tue 10 Mar 10:00")
    card = await seen(bot, sara, lambda m: "Record outcome" in m.button_texts, "the card")
    await press(sara, card, "Record outcome")
    question = await text_seen(bot, sara, "How did the GFI for")
    await press(sara, question, "It was held")
    steps = await text_seen(bot, sara, "What are the next steps?")
    await press(sara, steps, "SIP established at the meeting")
    await press(sara, steps, "Done ✔")
    saved = await text_seen(bot, sara, "Saved: the GFI was held.")
    assert "Next steps: SIP established at the meeting." in saved.text
    # The SIP's own questions follow (tests/meetings/test_care_process.py answers them).
    assert "Were the units whose efforts are to be coordinated at the meeting" in saved.text

    meeting = await newest_meeting(bot.services)
    assert meeting.status == MeetingStatus.HELD
    assert meeting.outcome_next_steps == ["sip_established"]
    assert outcomes_heard == [
        {
            "meeting_id": meeting.id,
            "outcome": "held",
            "next_steps": ["sip_established"],
            "referred_to_unit_id": None,
        }
    ]
    async with bot.services.db.transaction() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "meeting_requested" in actions
    assert "meeting_outcome" in actions
