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

from bot.chat.turn import Turn
from bot.models import FlowState
from bot.platform.i18n import N_
from bot.platform.wiring import mark
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

USED = N_("That button has already been used.")
CONVERSATION = "recovery_conversation"
USED_BUTTON = "recovery_used_button"


def conversation(finder: Finder) -> Finder:
    """Mark how to find an open conversation of one kind."""
    return mark(CONVERSATION, "")(finder)


def used_button(action: str) -> Callable[[Recover], Recover]:
    """Mark what a used button of this action shows instead of "already used"."""
    return mark(USED_BUTTON, action)


async def resume(turn: Turn) -> Outcome | None:
    """The newest open conversation, shown where the person left it, else how the latest one
    ended if that was lately; None without either."""
    finders: list[Finder] = [_open_flow, *turn.services.wiring.all(CONVERSATION, "")]
    found = [await find(turn) for find in finders]
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
    recover: Recover | None = turn.services.wiring.one(USED_BUTTON, action)
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


async def where_the_person_is(turn: Turn, payload: dict[str, Any]) -> Outcome | None:
    """For a button that opened a conversation, pressed again (the reply to the first press
    may have been lost in a crash): where the person is, instead of only "already used"."""
    shown = await resume(turn)
    if shown is not None:
        shown.toast = turn.tr.gettext(USED)
    return shown
