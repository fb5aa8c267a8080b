"""What the bot keeps about a Telegram account before and apart from any role."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, EncryptedJSON, EncryptedText


class ChatUser(Base):
    """Only the chosen language: needed to speak to the person at all."""

    __tablename__ = "chat_users"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ProcessedUpdate(Base):
    """Telegram redelivers updates after a crash; a stored id makes the second delivery a no-op."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(index=True)


class FlowState(Base):
    """Where one person is in one scripted conversation; any process can pick it up.

    ``closing`` is the last thing a finished or stopped conversation said, shown again when a
    button of it is pressed later (its first showing may have been lost in a crash).
    """

    __tablename__ = "flow_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    flow: Mapped[str] = mapped_column(String(40))
    flow_version: Mapped[int]
    step: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    history: Mapped[list[str]] = mapped_column(JSON)
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    nonce: Mapped[str] = mapped_column(String(12))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    closing: Mapped[str | None] = mapped_column(EncryptedText)
    individual_id: Mapped[int | None] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ButtonToken(Base):
    """A button's callback data is only a reference to this row, checked on every press."""

    __tablename__ = "button_tokens"

    token: Mapped[str] = mapped_column(String(16), primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    group: Mapped[str | None] = mapped_column(String(40), index=True)
    single_use: Mapped[bool]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
