"""Domain events: one service says what happened, others react in the same transaction.

Booking says a meeting was confirmed; reminders, preparation and the survey each listen,
without booking knowing about them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.clock import Clock
from bot.platform.context import wiring_of
from bot.platform.wiring import mark

MEETING_REQUESTED = "meeting_requested"
MEETING_CONFIRMED = "meeting_confirmed"
MEETING_RESCHEDULED = "meeting_rescheduled"
MEETING_CANCELLED = "meeting_cancelled"
MEETING_OUTCOME = "meeting_outcome"
# A participant said "The meeting is over" (``meeting_id``), possibly before the booked end.
MEETING_ENDED = "meeting_ended"
INDIVIDUAL_CANNOT_COME = "individual_cannot_come"
CONSENT_GIVEN = "consent_given"
CONSENT_WITHDRAWN = "consent_withdrawn"
# One part of a consent was turned on or off (``individual_id``, ``part``, ``given``), also
# by a new consent that differs from the one in force before it (then ``renewed`` is True).
CONSENT_CHANGED = "consent_changed"
INDIVIDUAL_ERASED = "individual_erased"
CONSENT_EXPIRED = "consent_expired"
CASE_CLOSED = "case_closed"
# A staff member left a unit (``staff_id``, ``unit_id``) or everything (``unit_id`` None).
STAFF_REMOVED = "staff_removed"
# The dispatcher gave up on a row (``row``), or a person blocked the bot (``individual_id``).
DELIVERY_FAILED = "delivery_failed"
INDIVIDUAL_UNREACHABLE = "individual_unreachable"


@dataclass(frozen=True)
class Event:
    name: str
    session: AsyncSession
    clock: Clock
    data: dict[str, Any]


Listener = Callable[[Event], Awaitable[None]]
KIND = "listener"


def listen(name: str) -> Callable[[Listener], Listener]:
    """Mark a function that reacts to the event ``name``."""
    return mark(KIND, name)


async def emit(name: str, session: AsyncSession, clock: Clock, **data: Any) -> None:
    """Run every listener of ``name`` now, inside the caller's transaction."""
    event = Event(name, session, clock, data)
    for listener in wiring_of(session).all(KIND, name):
        await listener(event)
