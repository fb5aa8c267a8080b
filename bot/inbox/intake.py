"""Turning what Telegram sent into inbox rows: the chat an update belongs to decides its order.

The chat is stored as a keyed hash, not as its Telegram id: equal for one chat, so its updates
wait for each other, and no Telegram id stands in the clear in the inbox.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from telegram import Bot, Update

from bot.chat import inbox_store as store

PURPOSE = b"samordna/inbox-chat/v1"


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
        digest = hmac.new(self._secret, str(chat).encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def from_json(self, payload: dict[str, Any], bot: Bot) -> store.Received:
        """Raises ValueError for a body that is not an update."""
        update_id = payload.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise ValueError("an update needs an integer update_id")
        try:
            update = Update.de_json(payload, bot)
        except Exception as exc:  # python-telegram-bot raises assorted errors for odd shapes
            raise ValueError(f"not an update: {type(exc).__name__}") from None
        return store.Received(update_id, self.of(update), payload)

    def from_update(self, update: Update) -> store.Received:
        return store.Received(update.update_id, self.of(update), update.to_dict())
