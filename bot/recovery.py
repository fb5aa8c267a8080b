"""Finding where a person is, after a reply that never arrived.

A crash between a commit and its reply leaves the person looking at a screen whose buttons
were used up. Each kind of conversation says here whether the person is in one (and since
when) and how to show it, so that ``/resume`` shows the newest, and a used button of a
conversation can show the screen the person should be looking at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.models import FlowState
from bot.runtime import Turn
from flows import texts
from flows.engine import CANCELLED, DONE
from flows.screens import Outcome, Screen

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class Open:
    """A conversation the person is in: since when, and how to show where they are.

    ``ended`` marks one that is over: /resume shows it only when nothing is open, and only if
    it ended lately, so that a person whose last reply was lost learns how it ended.
    """

    since: datetime
    show: Callable[[], Awaitable[Outcome]]
    ended: bool = False


Finder = Callable[[Turn], Awaitable[Open | None]]
Recover = Callable[[Turn, dict[str, Any]], Awaitable[Outcome | None]]

_FINDERS: list[Finder] = []
_USED: dict[str, Recover] = {}


def conversation(finder: Finder) -> Finder:
    """Register how to find an open conversation of one kind."""
    if finder not in _FINDERS:
        _FINDERS.append(finder)
    return finder


def used_button(action: str) -> Callable[[Recover], Recover]:
    """Register what a used button of this action shows instead of "already used"."""

    def decorate(function: Recover) -> Recover:
        _USED[action] = function
        return function

    return decorate


async def resume(turn: Turn) -> Outcome | None:
    """The newest open conversation, shown where the person left it, else how the latest one
    ended if that was lately; None without either."""
    found = [await find(turn) for find in [_open_flow, *_FINDERS]]
    candidates = [f for f in found if f is not None and not f.ended]
    if not candidates:
        lately = turn.clock.now() - RECENT
        candidates = [f for f in found if f is not None and f.ended and f.since >= lately]
    if not candidates:
        return None
    newest = max(candidates, key=lambda f: f.since)
    return await newest.show()


async def after_used(turn: Turn, action: str, payload: dict[str, Any]) -> Outcome | None:
    """What a used button of ``action`` shows; None for the plain "already used"."""
    recover = _USED.get(action)
    return await recover(turn, payload) if recover is not None else None


async def _open_flow(turn: Turn) -> Open | None:
    engine = turn.services.engine
    states = await engine.open_states(turn.session, turn.telegram_id)
    if not states:
        return await _ended_flow(turn)

    async def show() -> Outcome:
        outcome = await engine.resume(turn.session, turn.telegram_id, turn.tr)
        assert outcome is not None  # the state was open a moment ago, in this transaction
        return outcome

    return Open(states[0].updated_at, show)


async def _ended_flow(turn: Turn) -> Open | None:
    """The newest finished or stopped flow, with what it said last."""
    state = await turn.session.scalar(
        select(FlowState)
        .where(
            FlowState.telegram_id == turn.telegram_id,
            FlowState.status.in_((DONE, CANCELLED)),
            FlowState.closing.is_not(None),
        )
        .order_by(FlowState.updated_at.desc(), FlowState.id.desc())
        .limit(1)
    )
    if state is None or state.closing is None:
        return None
    text = f"{turn.tr.gettext(texts.ENDED)}\n\n{state.closing}"

    async def show() -> Outcome:
        return Outcome([Screen(text)], replace=False)

    return Open(state.updated_at, show, ended=True)
