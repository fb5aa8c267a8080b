"""A simulated individual going through the förmöte on a phone: /prepare, then a button or a
short typed answer on each screen, until the screen has no buttons left.

The choice is made from the screen itself (what the buttons do, not their labels), so the same
individual works with our flow engine and with the plain python-telegram-bot flow, in any
language: continue, pick the second option of a several-choice step and confirm, pick the
first option of a one-choice step, type a short answer where text is asked, and save.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from bench.recorder import AnswerRecorder
from bot.bot_api_double import SentMessage, UserHandle

NOTE = "Gärna på förmiddagen, och jag vill ha en paus."
MAX_ACTIONS = 30
NAVIGATION = {"b", "p", "x", "xn", "xy"}


@dataclass
class Journey:
    """One individual's way through the flow: each answered update's answer time (on the
    monotonic clock) and latency."""

    updates: int = 0
    latencies: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    saved: bool = False
    answers: int = 0
    review_answers: int = 0
    problem: str | None = None
    last_answer: float = 0.0


def answered_within(
    journeys: Sequence[Journey], began: float, window: float, cut_short: bool
) -> tuple[list[float], float]:
    """The latencies of the answers to count and the seconds they span: the whole run, or,
    when the window cut it short, the answers within it."""
    cutoff = began + window if cut_short else float("inf")
    answered = [
        (at, latency)
        for j in journeys
        for at, latency in zip(j.answered_at, j.latencies, strict=True)
        if at <= cutoff
    ]
    ended = max((at for at, _ in answered), default=began)
    return [latency for _, latency in answered], max(window if cut_short else ended - began, 1e-9)


@dataclass(frozen=True)
class Move:
    """Either press ``data`` on ``message_id`` or type ``text``."""

    data: str | None = None
    message_id: int | None = None
    text: str | None = None

    @property
    def saves(self) -> bool:
        return self.data is not None and self.data.endswith(":fin")

    @property
    def answers(self) -> bool:
        """True for a move that gives a step its answer (shown in the review)."""
        if self.text is not None:
            return True
        action = (self.data or "").rsplit(":", 1)[-1]
        return action in ("ok", "s") or (action[:1] == "o" and action[1:].isdigit())


def choose(message: SentMessage | None) -> Move | None:
    """The next move on this screen; None when there is nothing left to do."""
    if message is None:
        return None
    buttons = [b for row in message.buttons for b in row if b.callback_data]
    if not buttons:
        return None
    by_action = {str(b.callback_data).rsplit(":", 1)[-1]: b for b in buttons}
    toggles = [a for a in by_action if a.startswith("t") and a[1:].isdigit()]

    def press(action: str) -> Move:
        return Move(data=by_action[action].callback_data, message_id=message.message_id)

    if "fin" in by_action:
        return press("fin")
    if "c" in by_action:
        return press("c")
    if "ok" in by_action and toggles:
        if any(by_action[a].text.startswith("✓") for a in toggles):
            return press("ok")
        return press("t1" if "t1" in by_action else toggles[0])
    if "o0" in by_action:
        return press("o0")
    if set(by_action) <= NAVIGATION | {"s"}:
        return Move(text=NOTE)
    return Move(data=buttons[0].callback_data, message_id=message.message_id)


class Individual:
    def __init__(self, handle: UserHandle, recorder: AnswerRecorder) -> None:
        self.handle = handle
        self.recorder = recorder
        self.journey = Journey()

    async def prepare(self, *, within: float, start: str = "/prepare") -> Journey:
        """Kept in ``self.journey`` as it goes, so a run cut short still has what was done."""
        journey = self.journey
        if not await self.type(start, journey, within):
            return journey
        await self.go_on(journey, within=within)
        return journey

    async def go_on(
        self,
        journey: Journey,
        *,
        within: float,
        actions: int = MAX_ACTIONS,
    ) -> Journey:
        """Answer screens until the flow is done, ``actions`` moves were made, or no answer."""
        for _ in range(actions):
            screen = self.handle.last
            move = choose(screen)
            if move is None:
                if not journey.saved and screen is not None:
                    journey.problem = f"stopped at a screen without buttons: {screen.text[:80]!r}"
                break
            if move.text is not None:
                ok = await self.type(move.text, journey, within)
            else:
                assert move.data is not None and move.message_id is not None
                ok = await self.press(move.data, move.message_id, journey, within)
            if not ok:
                break
            journey.answers += move.answers
            if move.saves and screen is not None:
                journey.saved = True
                journey.review_answers = screen.text.count("\n• ")
        return journey

    async def type(self, text: str, journey: Journey, within: float) -> bool:
        chat = self.handle.chat_id
        began = time.monotonic()
        self.handle.send(text)
        return await self._answered(
            chat, lambda: self.recorder.chat_answered(chat, began), began, journey, within
        )

    async def press(
        self,
        data: str,
        message_id: int,
        journey: Journey,
        within: float,
    ) -> bool:
        began = time.monotonic()
        query = self.handle.press_data(data, message_id)
        return await self._answered(
            query, lambda: self.recorder.query_answered(query), began, journey, within
        )

    async def _answered(
        self,
        key: Hashable,
        answered: Callable[[], float | None],
        began: float,
        journey: Journey,
        within: float,
    ) -> bool:
        at = await wait_for(self.recorder, key, answered, within)
        if at is None:
            journey.problem = f"no answer within {within:.0f} s"
            return False
        journey.updates += 1
        journey.latencies.append(at - began)
        journey.answered_at.append(at)
        journey.last_answer = at
        return True


async def wait_for(
    recorder: AnswerRecorder,
    key: Hashable,
    answered: Callable[[], float | None],
    within: float,
) -> float | None:
    """The time of the answer, woken by the recorder rather than by polling."""
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def wake() -> None:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(changed.set)

    recorder.watch(key, wake)
    try:
        deadline = loop.time() + within
        while True:
            changed.clear()
            at = answered()
            if at is not None:
                return at
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
    finally:
        recorder.unwatch(key)


async def crowd(
    handles: Sequence[UserHandle],
    recorder: AnswerRecorder,
    *,
    within: float,
    window: float,
    at_end: Callable[[], None] = lambda: None,
) -> tuple[list[Journey], bool]:
    """Everyone starts at once; whoever is not done after ``window`` seconds stops there.
    ``at_end`` runs the moment everyone is done or the window is over, before the stragglers
    are stopped. Returns the journeys and whether the window cut any short."""
    people = [Individual(h, recorder) for h in handles]
    tasks = [asyncio.create_task(p.prepare(within=within)) for p in people]
    _done, pending = await asyncio.wait(tasks, timeout=window)
    at_end()
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return [p.journey for p in people], bool(pending)
