"""A terminal stand-in for the Telegram app: chat with the bot through the Bot API double.

Only the double is imported, so the console works with any bot pointed at it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.bot_api_double import BotApiDouble, SentMessage, UserHandle

DEFAULT_HEADER = "Type a message, or the number of a button. /quit to leave."
_QUIET = 0.15  # after the first reply, wait this long for follow-up messages


@dataclass(frozen=True)
class Words:
    """The console's own markers, in the language of the person at the keyboard."""

    edited: str = "(edited)"
    no_button: str = "(no button {number})"


ENGLISH = Words()


async def _read_stdin() -> str | None:
    try:
        return await asyncio.to_thread(input, "> ")
    except EOFError:
        return None


def render(message: SentMessage, *, edited: bool, words: Words = ENGLISH) -> list[str]:
    """The lines one bot message occupies on screen."""
    lines: list[str] = []
    if message.kind != "text":
        size = len(message.document or message.photo or b"")
        lines.append(f"📎 {message.filename or message.kind} ({size} bytes)")
    if message.text:
        lines.extend(message.text.splitlines() or [""])
    if edited and lines:
        lines[0] = f"{words.edited} {lines[0]}"
    number = 0
    for row in message.buttons:
        cells = []
        for button in row:
            number += 1
            suffix = " ↗" if button.url and not button.callback_data else ""
            cells.append(f"[{number}] {button.text}{suffix}")
        lines.append("  ".join(cells))
    if message.keyboard:
        lines.append("⌨ " + " | ".join(text for row in message.keyboard for text in row))
    return lines


class _Screen:
    """Remembers what was shown, so later events of a message print as edits."""

    def __init__(self, user: UserHandle, write: Callable[[str], None]) -> None:
        self.user = user
        self.write = write
        self.mark = 0
        self.seen: set[int] = set()

    def flush(self, words: Words = ENGLISH) -> None:
        events = self.user.inbox_since(self.mark)
        self.mark += len(events)
        for message in events:
            edited = message.message_id in self.seen
            self.seen.add(message.message_id)
            self.write("")
            for line in render(message, edited=edited, words=words):
                self.write(line)


def _newest_with_buttons(user: UserHandle) -> SentMessage | None:
    for message in reversed(user.messages):
        if message.buttons:
            return message
    return None


async def _settle(user: UserHandle, before: int, idle_wait: float) -> None:
    """Wait for the first reply (up to idle_wait), then briefly for any follow-ups."""
    if not await user.wait_for_activity(since=before, within=idle_wait):
        return
    while await user.wait_for_activity(since=user.mark(), within=_QUIET):
        pass


async def _answer(
    double: BotApiDouble, user: UserHandle, query_id: str, wait: float
) -> dict[str, object] | None:
    """The toast for a pressed button, if the bot answers within ``wait``."""
    with contextlib.suppress(AssertionError):
        await double.wait_until(
            lambda: user.callback_answer(query_id) is not None, timeout=wait, what="an answer"
        )
    return user.callback_answer(query_id)


async def run_console(
    double: BotApiDouble,
    user: UserHandle,
    *,
    read_line: Callable[[], Awaitable[str | None]] | None = None,
    write: Callable[[str], None] = print,
    idle_wait: float = 1.5,
    header: str = DEFAULT_HEADER,
    others: dict[str, UserHandle] | None = None,
    switched: Callable[[str], str] | None = None,
    words: Callable[[UserHandle], Awaitable[Words]] | None = None,
) -> None:
    """Chat as ``user`` until /quit or end of input.

    With ``others`` (name to user), ``/as NAME`` continues as that person: what they were
    sent meanwhile is shown first. ``switched(name)`` is the line printed on a switch.
    ``words(user)`` gives the console's own markers in that person's language.
    """

    async def words_for(person: UserHandle) -> Words:
        return await words(person) if words else ENGLISH

    read = read_line or _read_stdin
    people = others or {}
    screens = {user.user_id: _Screen(user, write)}
    screen = screens[user.user_id]
    write(header)
    while True:
        screen.flush(await words_for(user))
        line = await read()
        if line is None or line.strip() == "/quit":
            return
        text = line.strip()
        if not text:
            continue
        if text.split()[0] == "/as" and people:
            name = text.partition(" ")[2].strip().lower()
            if name not in people:
                write(f"(/as {' | '.join(people)})")
                continue
            user = people[name]
            screen = screens.setdefault(user.user_id, _Screen(user, write))
            write("")
            write(switched(name) if switched else f"({name})")
            continue
        before = user.mark()
        query_id = None
        if text.isdigit():
            target = _newest_with_buttons(user)
            buttons = [b for row in target.buttons for b in row] if target else []
            index = int(text) - 1
            if target is None or not 0 <= index < len(buttons):
                write((await words_for(user)).no_button.format(number=text))
                continue
            button = buttons[index]
            if button.callback_data is None:
                write(f"↗ {button.url}")
                continue
            query_id = user.press_data(button.callback_data, target.message_id)
        else:
            user.send(text)
        await _settle(user, before, idle_wait)
        if query_id is not None:
            answer = await _answer(double, user, query_id, idle_wait)
            screen.flush(await words_for(user))
            if answer and answer.get("text"):
                write(f"💬 {answer['text']}")
