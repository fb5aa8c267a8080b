"""Recurring work the scheduler wakes up; features mark their job functions.

A job only looks at the database for what is due, so running it late, twice or in two
processes at once must be harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.platform.wiring import Wiring, mark

# A job receives the process's ``Services`` (defined above this layer, in ``bot.chat.turn``).
JobFunction = Callable[[Any], Awaitable[None]]
KIND = "job"


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    interval_seconds: float | None = None
    daily_at: time | None = None
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


def every(seconds: float, name: str) -> Callable[[JobFunction], JobFunction]:
    return mark(KIND, name, interval_seconds=seconds)


def daily(
    at: time, name: str, days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
) -> Callable[[JobFunction], JobFunction]:
    """``at`` is local time in the configured time zone; ``days`` are 0=Monday…6=Sunday."""
    return mark(KIND, name, daily_at=at, days=days)


def registered(wiring: Wiring) -> list[Job]:
    """The wired jobs, by name."""
    return [
        Job(
            entry.key,
            function,
            interval_seconds=entry.option("interval_seconds"),
            daily_at=entry.option("daily_at"),
            days=entry.option("days", (0, 1, 2, 3, 4, 5, 6)),
        )
        for entry, function in wiring.entries(KIND)
    ]
