"""Updates as Telegram sent them, stored before Telegram is told they arrived."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, EncryptedJSON


class InboxUpdate(Base):
    """One received update, handled in order with the others of its chat.

    The payload may hold free text, so it is encrypted, and the row is deleted a short while
    after it was handled. ``claimed_until`` is a lease: a process that dies while handling
    the row leaves it to be taken again once the lease runs out.
    """

    __tablename__ = "inbox_updates"
    __table_args__ = (Index("ix_inbox_updates_chat", "chat_key", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    received_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
