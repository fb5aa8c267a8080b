"""Calendar files for staff. Calendars match an event by its UID and keep the copy with the
highest SEQUENCE, so the UID never changes and every change raises the sequence; a
cancellation is the same event with METHOD:CANCEL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

PRODUCT = "-//Samordna//Meetings//EN"


@dataclass(frozen=True)
class CalendarEntry:
    """What a calendar needs of a meeting, already in the reader's language."""

    uid: str
    sequence: int
    starts_at: datetime
    duration_minutes: int
    summary: str
    location: str
    description: str
    stamp: datetime
    cancelled: bool = False


def build(entry: CalendarEntry) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if entry.cancelled else "REQUEST")
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", entry.stamp)
    event.add("dtstart", entry.starts_at)
    event.add("dtend", entry.starts_at + timedelta(minutes=entry.duration_minutes))
    event.add("summary", entry.summary)
    event.add("location", entry.location)
    event.add("description", entry.description)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
