"""Recurring work the scheduler wakes up; features register with a decorator.

A job only looks at the database for what is due, so running it late, twice or in two
processes at once must be harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time

from bot.chat.turn import Services

JobFunction = Callable[[Services], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    interval_seconds: float | None = None
    daily_at: time | None = None
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


_JOBS: dict[str, Job] = {}


def every(seconds: float, name: str) -> Callable[[JobFunction], JobFunction]:
    def decorate(function: JobFunction) -> JobFunction:
        _JOBS[name] = Job(name, function, interval_seconds=seconds)
        return function

    return decorate


def daily(
    at: time, name: str, days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
) -> Callable[[JobFunction], JobFunction]:
    """``at`` is local time in the configured time zone; ``days`` are 0=Monday…6=Sunday."""

    def decorate(function: JobFunction) -> JobFunction:
        _JOBS[name] = Job(name, function, daily_at=at, days=days)
        return function

    return decorate


def registered() -> list[Job]:
    return [_JOBS[name] for name in sorted(_JOBS)]
