"""Every message the bot sends on its own initiative is first a row here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class OutboxStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    """Content is a message id and parameters, rendered in the recipient's language at send time.

    ``dedupe_key`` is unique, so the same nudge cannot be queued twice. A row with
    ``staff_id`` goes to that staff member (``individual_id`` then names the case it is
    about); a row with only ``individual_id`` goes to the individual. ``expires_at`` is the
    moment after which the row is no use (a reminder after its meeting started): it is
    cancelled instead of sent late.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    individual_id: Mapped[int | None] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    due_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    status: Mapped[OutboxStatus] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    subject: Mapped[str | None] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime]
