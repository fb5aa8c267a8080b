"""Calendar files: they parse with icalendar, keep their UID, raise SEQUENCE on every change,
and say METHOD:CANCEL when the meeting is cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from bot.bot_api_double.users import UserHandle
from bot.meetings import ics
from bot.models.meetings import MeetingStatus
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


def test_a_calendar_entry_parses_and_a_cancellation_says_cancel() -> None:
    entry = ics.CalendarEntry(
        uid="abc@samordna",
        sequence=3,
        starts_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        duration_minutes=90,
        summary="GFI · K-7F3Q",
        location="Storgatan 1",
        description="With: Sara, Lars",
        stamp=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )
    calendar = icalendar.Calendar.from_ical(ics.build(entry))
    event = next(iter(calendar.walk("VEVENT")))
    assert str(calendar["METHOD"]) == "REQUEST"
    assert (str(event["UID"]), int(str(event["SEQUENCE"]))) == ("abc@samordna", 3)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
    cancelled = icalendar.Calendar.from_ical(
        ics.build(ics.CalendarEntry(**{**entry.__dict__, "cancelled": True, "sequence": 4}))
    )
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(next(iter(cancelled.walk("VEVENT")))["STATUS"]) == "CANCELLED"


async def _calendar(bot: RunningBot, sara: UserHandle, meeting_id: int) -> icalendar.Calendar:
    before = len([m for m in sara.messages if m.kind == "document"])
    await sara.say("/meetings")
    overview = await text_seen(bot, sara, "Your meetings")
    label = next(t for t in overview.button_texts if t.startswith("📋"))
    await press(sara, overview, label)
    card = await seen(bot, sara, lambda m: "📅 Calendar file" in m.button_texts, "the card")
    await press(sara, card, "📅 Calendar file")
    await bot.double.wait_until(
        lambda: len([m for m in sara.messages if m.kind == "document"]) > before,
        timeout=10,
        what="a calendar file",
    )
    document = [m for m in sara.messages if m.kind == "document"][-1]
    assert document.document is not None
    assert document.filename == f"samordna-{meeting_id}.ics"
    return icalendar.Calendar.from_ical(document.document)


def _event(calendar: icalendar.Calendar) -> icalendar.Component:
    return next(iter(calendar.walk("VEVENT")))


async def test_after_a_reschedule_the_calendar_keeps_its_uid_with_a_higher_sequence(
    running_bot: RunningBot,
) -> None:
    bot = running_bot
    bot.clock.set(local(2026, 3, 3, 10))
    people = await seed(bot.services)
    meeting_id = await booked(bot.services, people, local(2026, 3, 10, 10))
    sara, lars, folke = (bot.double.user(i, language_code="en") for i in (SARA, LARS, FOLKE))

    first = _event(await _calendar(bot, sara, meeting_id))
    uid, sequence = str(first["UID"]), int(str(first["SEQUENCE"]))
    assert first.decoded("DTSTART") == local(2026, 3, 10, 10)

    # Sara moves it: Lars is ill. Everyone is told; she proposes Thursday 12 March 13:00.
    card = await seen(bot, sara, lambda m: "Reschedule…" in m.button_texts, "the card")
    await press(sara, card, "Reschedule…")
    reasons = await text_seen(bot, sara, "Why does the GFI")
    await press(sara, reasons, "Someone is ill")
    picker = await text_seen(bot, sara, "First time: pick a day")
    assert "The time is dropped and everyone has been told." in picker.text
    moved = await text_seen(bot, lars, "Sara Sjuksköterska is moving the GFI")
    assert "Reason: Someone is ill." in moved.text
    await text_seen(bot, folke, "The meeting on Tuesday 10 March 10:00 cannot happen")
    await press(sara, picker, "Thu 12 Mar")
    await press(sara, picker, "13:00")
    await press(sara, picker, "No, that is all")
    await press(sara, picker, "1 hour")
    await press(sara, picker, "Video")
    answer = await text_seen(bot, lars, "proposes times for the GFI")
    await press(lars, answer, "Answer the times")
    times = await text_seen(bot, lars, "Proposed times for the GFI")
    await press(lars, times, "✓ 1")
    invitation = await text_seen(bot, folke, "You are invited to a meeting")
    assert "Where: Video meeting (you get a link before the meeting)" in invitation.text
    await press(folke, invitation, "I'll come")
    await text_seen(bot, sara, "Confirmed: the GFI")

    second = _event(await _calendar(bot, sara, meeting_id))
    assert str(second["UID"]) == uid
    assert int(str(second["SEQUENCE"])) > sequence
    assert second.decoded("DTSTART") == local(2026, 3, 12, 13)

    # Then it is cancelled: the calendar file is a cancellation of the same event.
    card = await seen(bot, sara, lambda m: "Cancel meeting…" in m.button_texts, "the card")
    await press(sara, card, "Cancel meeting…")
    reasons = await text_seen(bot, sara, "Why is the GFI")
    await press(sara, reasons, "The meeting is no longer needed")
    await text_seen(bot, sara, "Cancelled. Everyone has been told.")
    cancelled_notice = await text_seen(bot, lars, "Sara Sjuksköterska cancelled the GFI")
    await text_seen(bot, folke, "is cancelled")
    await press(lars, cancelled_notice, "📅 Calendar file")
    document = await seen(bot, lars, lambda m: m.kind == "document", "a cancellation")
    assert document.document is not None
    cancellation = icalendar.Calendar.from_ical(document.document)
    assert str(cancellation["METHOD"]) == "CANCEL"
    third = _event(cancellation)
    assert str(third["UID"]) == uid
    assert int(str(third["SEQUENCE"])) > int(str(second["SEQUENCE"]))
    assert (await meeting_by_id(bot.services, meeting_id)).status == MeetingStatus.CANCELLED
