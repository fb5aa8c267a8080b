"""The bot's clock in the playground: the real time plus a lead that only grows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def _wall() -> datetime:
    return datetime.now(UTC)


class MovableClock:
    """Runs on with the real time; moving it forward adds to its lead, it never goes back."""

    def __init__(self, start: datetime, wall: Callable[[], datetime] = _wall) -> None:
        if start.tzinfo is None:
            raise ValueError("MovableClock needs an aware datetime")
        self._wall = wall
        self._lead = start.astimezone(UTC) - wall()

    def now(self) -> datetime:
        return self._wall() + self._lead

    def move_to(self, moment: datetime) -> None:
        """Jump ahead to ``moment``; a moment in the past changes nothing."""
        ahead = moment.astimezone(UTC) - self.now()
        if ahead > timedelta(0):
            self._lead += ahead

    def timestamp(self) -> float:
        return self.now().timestamp()
