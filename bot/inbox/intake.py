"""Turning what Telegram sent into inbox rows: the chat an update belongs to decides its order.

The chat is stored as a keyed hash, not as its Telegram id: equal for one chat, so its updates
wait for each other, and no Telegram id stands in the clear in the inbox.

Updates are stored as Telegram sent them. For a message or a button press (nearly every update)
the chat is read from the JSON itself; making python-telegram-bot objects of an update only to
find its chat cost more than the rest of storing it, and the worker makes them again anyway.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from telegram import Bot, Update

from bot.chat import inbox_store as store

PURPOSE = b"samordna/inbox-chat/v1"

# Stores received updates, raising when they could not be stored, and hands them on.
Deliver = Callable[[Sequence[store.Received]], Awaitable[None]]


class ChatKeys:
    """A secret derived from the newest key in the key file, used for this hash only."""

    def __init__(self, key_file: Path) -> None:
        lines = [line.strip() for line in key_file.read_bytes().splitlines() if line.strip()]
        if not lines:
            raise ValueError(f"{key_file} holds no key")
        self._secret = hmac.new(lines[0], PURPOSE, hashlib.sha256).digest()

    def of(self, update: Update) -> int:
        """0 gathers the updates without a chat or a user."""
        if update.effective_chat is not None:
            chat = update.effective_chat.id
        elif update.effective_user is not None:
            chat = update.effective_user.id
        else:
            return 0
        return self._key(chat)

    def _key(self, chat: int) -> int:
        digest = hmac.new(self._secret, str(chat).encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def from_json(self, payload: dict[str, Any], bot: Bot) -> store.Received:
        """Raises ValueError for a body that is not an update."""
        update_id = payload.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise ValueError("an update needs an integer update_id")
        chat = chat_in(payload)
        if chat is not None:
            return store.Received(update_id, self._key(chat), payload)
        try:
            update = Update.de_json(payload, bot)
        except Exception as exc:  # python-telegram-bot raises assorted errors for odd shapes
            raise ValueError(f"not an update: {type(exc).__name__}") from None
        return store.Received(update_id, self.of(update), payload)


def chat_in(payload: dict[str, Any]) -> int | None:
    """The chat :meth:`ChatKeys.of` would find, read from a message's or a button press's JSON;
    None for any other kind of update, or a shape this does not know, which then goes the long
    way through python-telegram-bot's objects."""
    if len(payload) != 2:
        return None
    if "message" in payload:
        return _id(payload["message"], "chat")
    if "callback_query" in payload:
        query = payload["callback_query"]
        if not isinstance(query, dict):
            return None
        if "message" in query:
            # A pressed message too old to be sent along still names its chat.
            return _id(query["message"], "chat")
        return _id(query, "from")  # no message (an inline one): the person who pressed
    return None


def _id(parent: Any, key: str) -> int | None:
    owner = parent.get(key) if isinstance(parent, dict) else None
    value = owner.get("id") if isinstance(owner, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
