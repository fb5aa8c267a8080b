"""When each answer of the bot reached the fake Telegram, taken from the double's call log as
it is written, so latencies do not depend on how busy the simulated users' event loop is."""

from __future__ import annotations

import asyncio
import bisect
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable

from bot.bot_api_double import ApiCall, BotApiDouble

ANSWERS = ("sendMessage", "editMessageText")


class AnswerRecorder:
    def __init__(self, double: BotApiDouble) -> None:
        self._lock = threading.Lock()
        self._query_answers: dict[str, float] = {}
        self._chat_answers: dict[int, list[float]] = defaultdict(list)
        self._chat_sends: dict[int, int] = defaultdict(int)
        self.sends: list[float] = []
        self.refused = 0
        self.refused_same_chat = 0
        self._last_send: dict[int, float] = {}
        self._waiters: dict[Hashable, Callable[[], None]] = {}
        state = double.state
        original = state.record

        def record(call: ApiCall) -> None:
            self._note(call)
            original(call)

        state.record = record  # type: ignore[method-assign]

    def _note(self, call: ApiCall) -> None:
        key: Hashable = None
        with self._lock:
            if call.status == 429:
                self.refused += 1
                last = self._last_send.get(call.chat_id or 0)
                if last is not None and call.time - last < 1.0:
                    self.refused_same_chat += 1
            if call.status != 200:
                return
            if call.method == "answerCallbackQuery":
                key = str(call.params.get("callback_query_id"))
                self._query_answers[key] = call.time
            elif call.method in ANSWERS and call.chat_id is not None:
                key = call.chat_id
                self._chat_answers[key].append(call.time)
                if call.method == "sendMessage":
                    self.sends.append(call.time)
                    self._chat_sends[key] += 1
                    self._last_send[key] = call.time
            waiter = self._waiters.get(key) if key is not None else None
        if waiter is not None:
            waiter()

    def watch(self, key: Hashable, wake: Callable[[], None]) -> None:
        """Call ``wake`` (from the double's thread) when an answer for ``key`` is recorded: a
        callback query id, or a chat id for messages."""
        with self._lock:
            self._waiters[key] = wake

    def unwatch(self, key: Hashable) -> None:
        with self._lock:
            self._waiters.pop(key, None)

    def query_answered(self, query_id: str) -> float | None:
        with self._lock:
            return self._query_answers.get(query_id)

    def chat_answered(self, chat_id: int, since: float) -> float | None:
        """The first answer in the chat at or after ``since``."""
        with self._lock:
            times = self._chat_answers.get(chat_id, [])
            index = bisect.bisect_left(times, since)
            return times[index] if index < len(times) else None

    def send_times(self) -> list[float]:
        with self._lock:
            return list(self.sends)

    async def first_send(self, *, within: float) -> float:
        """When the bot's first message reached the double; waits up to ``within`` seconds."""
        deadline = time.monotonic() + within
        while not self.send_times():
            if time.monotonic() > deadline:
                raise RuntimeError("the bot sent nothing")
            await asyncio.sleep(0.05)
        return self.send_times()[0]

    def sends_per_chat(self) -> dict[int, int]:
        with self._lock:
            return dict(self._chat_sends)
