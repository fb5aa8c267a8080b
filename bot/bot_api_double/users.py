"""Acting as a Telegram user: typing, pressing buttons, and waiting for the bot's reply.

Waiting is event-driven (the state calls back on every change in the chat) so a thousand
simulated users waiting at once cost nothing while idle.
"""

# The public waits take ``timeout=`` by design: tests read better with the bound inline.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from bot.bot_api_double import attachments
from bot.bot_api_double.markup import utf16_len
from bot.bot_api_double.records import JSON, SentMessage, UserLine
from bot.bot_api_double.state import BotApiState


class UserHandle:
    """One Telegram user; their private chat has the same id as the user."""

    def __init__(
        self,
        state: BotApiState,
        user_id: int,
        *,
        first_name: str,
        language_code: str | None,
    ) -> None:
        self._state = state
        self.user_id = user_id
        self.chat_id = user_id
        self.first_name = first_name
        self.language_code = language_code

    def __repr__(self) -> str:
        return f"UserHandle({self.user_id}, {self.first_name!r}, {self.language_code!r})"

    # ----------------------------------------------------------------- acting

    def send(self, text: str, *, reply_to: int | None = None) -> int:
        """Type a message in the private chat; returns the update_id."""
        return self._state.user_message(
            self.user_id, self.chat_id, text, self._command_entities(text), reply_to
        )

    def send_attachment(self, kind: str) -> int:
        """Send a photo, sticker, voice message, document, location or contact; no text."""
        body = attachments.sample(kind, self.user_id, self.first_name)
        return self._state.user_attachment(self.user_id, self.chat_id, kind, body)

    def edit(self, text: str, *, message_id: int | None = None) -> int:
        """Edit one of this user's messages (default: the newest); returns the update_id."""
        return self._state.user_edit(self.user_id, self.chat_id, message_id, text)

    def send_in_group(self, text: str, *, group_id: int, group_title: str = "Group") -> int:
        self._state.ensure_group(group_id, group_title)
        return self._state.user_message(self.user_id, group_id, text, self._command_entities(text))

    @staticmethod
    def _command_entities(text: str) -> list[JSON]:
        """Telegram marks a leading /command (with optional @botname) so CommandHandler fires."""
        if not text.startswith("/"):
            return []
        word = text.split(maxsplit=1)[0]
        if len(word) < 2:
            return []
        return [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]

    def press(self, button_text: str, *, message_id: int | None = None) -> str:
        """Press a callback button by its label; returns the callback query id."""
        found_id, data = self._state.find_button(self.chat_id, button_text, message_id)
        return self._state.callback_query(self.user_id, self.chat_id, found_id, data)

    def press_data(self, data: str, message_id: int) -> str:
        """Press with arbitrary callback data, e.g. to forge or replay an old button."""
        return self._state.callback_query(self.user_id, self.chat_id, message_id, data)

    def block(self) -> None:
        self._state.set_blocked(self.chat_id, True)

    def unblock(self) -> None:
        self._state.set_blocked(self.chat_id, False)

    # ----------------------------------------------------------------- looking

    @property
    def messages(self) -> list[SentMessage]:
        return self._state.chat_messages(self.chat_id)

    @property
    def conversation(self) -> list[SentMessage | UserLine]:
        """Both sides of the chat, oldest first: what the user typed and what the bot sent."""
        return self._state.conversation(self.chat_id)

    @property
    def last(self) -> SentMessage | None:
        return self._state.last_message(self.chat_id)

    @property
    def keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown under the input field, if any."""
        return self._state.reply_keyboard(self.chat_id)

    @property
    def deleted(self) -> set[int]:
        return self._state.deleted_ids(self.chat_id)

    def mark(self) -> int:
        return self._state.event_count(self.chat_id)

    def inbox_since(self, mark: int) -> list[SentMessage]:
        return self._state.events_since(self.chat_id, mark)

    def callback_answer(self, callback_query_id: str) -> JSON | None:
        return self._state.callback_answer(callback_query_id)

    def transcript(self) -> str:
        return self._state.transcript(self.chat_id)

    # ----------------------------------------------------------------- conversations

    async def say(self, text: str, *, expect: int = 1, timeout: float = 10.0) -> SentMessage:
        """Send, then return the newest of at least ``expect`` new messages or edits."""
        mark = self.mark()
        self.send(text)
        await self._wait(
            lambda: self.mark() >= mark + expect,
            timeout,
            f"{expect} bot message(s) after {self.first_name} said {text!r}",
        )
        return self.inbox_since(mark)[-1]

    async def wait_for_messages(
        self, count: int = 1, *, since: int | None = None, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Wait for messages the bot sends on its own (reminders, nudges)."""
        mark = self.mark() if since is None else since
        await self._wait(lambda: self.mark() >= mark + count, timeout, f"{count} bot message(s)")
        return self.inbox_since(mark)

    async def click(
        self, button_text: str, *, timeout: float = 10.0, message_id: int | None = None
    ) -> SentMessage | None:
        """Press, then wait for the callback answer; the bot renders before answering."""
        query_id = self.press(button_text, message_id=message_id)
        await self._wait_answer(query_id, timeout, f"an answer to pressing [{button_text}]")
        return self.last

    async def click_data(self, data: str, message_id: int, timeout: float = 10.0) -> str | None:
        """Press raw data and return the toast text the bot answered with."""
        query_id = self.press_data(data, message_id)
        await self._wait_answer(query_id, timeout, f"an answer to callback data {data!r}")
        answer = self.callback_answer(query_id)
        text = answer.get("text") if answer else None
        return str(text) if text is not None else None

    async def _wait_answer(self, query_id: str, timeout: float, what: str) -> None:
        await self._wait(lambda: self.callback_answer(query_id) is not None, timeout, what)

    async def answer_within(self, query_id: str, within: float) -> JSON | None:
        """The bot's answer to a press (its toast), or None if none came within ``within`` s."""
        await self._until(lambda: self.callback_answer(query_id) is not None, within)
        return self.callback_answer(query_id)

    async def wait_for_activity(self, *, since: int, within: float) -> bool:
        """True as soon as the chat has events after ``since``; False after ``within`` s."""
        return await self._until(lambda: self.mark() > since, within)

    async def _wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        if not await self._until(predicate, timeout):
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what} in chat {self.chat_id}; "
                f"transcript:\n{self.transcript()}"
            )

    async def _until(self, predicate: Callable[[], bool], within: float) -> bool:
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the waiting loop is gone
                loop.call_soon_threadsafe(changed.set)

        token = self._state.subscribe_chat(self.chat_id, wake)
        try:
            deadline = loop.time() + within
            while True:
                changed.clear()
                if predicate():
                    return True
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
        finally:
            self._state.unsubscribe_chat(self.chat_id, token)
