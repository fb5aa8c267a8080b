"""Domain events: one service says what happened, others react in the same transaction.

Booking says a meeting was confirmed; reminders, preparation and the survey each listen,
without booking knowing about them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.clock import Clock

MEETING_CONFIRMED = "meeting_confirmed"
MEETING_RESCHEDULED = "meeting_rescheduled"
MEETING_CANCELLED = "meeting_cancelled"
MEETING_OUTCOME = "meeting_outcome"
INDIVIDUAL_CANNOT_COME = "individual_cannot_come"
CONSENT_GIVEN = "consent_given"
CONSENT_WITHDRAWN = "consent_withdrawn"
INDIVIDUAL_ERASED = "individual_erased"
CONSENT_EXPIRED = "consent_expired"
CASE_CLOSED = "case_closed"


@dataclass(frozen=True)
class Event:
    name: str
    session: AsyncSession
    clock: Clock
    data: dict[str, Any]


Listener = Callable[[Event], Awaitable[None]]
_LISTENERS: dict[str, list[Listener]] = defaultdict(list)


def listen(name: str) -> Callable[[Listener], Listener]:
    def decorate(listener: Listener) -> Listener:
        if listener not in _LISTENERS[name]:
            _LISTENERS[name].append(listener)
        return listener

    return decorate


async def emit(name: str, session: AsyncSession, clock: Clock, **data: Any) -> None:
    """Run every listener of ``name`` now, inside the caller's transaction."""
    event = Event(name, session, clock, data)
    for listener in list(_LISTENERS[name]):
        await listener(event)
