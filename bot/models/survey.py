"""SIP-kollen: invitations tied to meetings, and answers tied to nothing.

Why no column links a stored answer to a person or a meeting:

- ``survey_responses`` holds only what the results need: the survey version, the meeting
  type, the units involved, the month of the meeting, the answers as codes and the optional
  free text (encrypted). There is no Telegram id, no individual, no meeting, no invitation and
  no foreign key of any kind, so nothing joins it to another table.
- It has no timestamp finer than the month, and its key is random rather than a counter; on
  SQLite the table has no hidden rowid either. So neither a key, a time nor the storage order
  tells when an answer arrived, which could otherwise be matched against invitation times.
- ``survey_receipts`` stops a second answer to the same meeting. A receipt is only
  HMAC-SHA256(server secret, meeting id and individual id). Without the secret it names
  nobody; with it, one learns *that* a meeting was answered, but still not *which* response
  is its answer, because a receipt is neither stored with its response nor points at it.
- ``survey_invitations`` is what the offered and response rates are counted from. It is tied
  to the meeting and the individual (both set to NULL when the individual is erased, so the
  counts survive as plain numbers), and records whether the survey was offered or closed,
  never what was answered. Answering does not change it: an answered and an unanswered
  invitation end the same way, ``expired``.

What remains, and how it is handled: a response shares its meeting type, units and month with
the invitations of that month, so in a group of one meeting those would point at it. That is
why results are shown only for groups of at least the minimum size. Whether someone answered
is known to the bot while it must stop their reminder (the reminder is cancelled), but never
what they answered. The database server's own bookkeeping (PostgreSQL's physical row order and
transaction ids) is beyond what a schema can hide: the database and its backups are protected
as personal data.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, EncryptedText


class InvitationStatus(StrEnum):
    NEW = "new"  # the meeting was held; the invitation is not planned yet
    QUEUED = "queued"  # invitation and reminder are in the outbox; answers are taken
    DECLINED = "declined"  # the consent does not cover the survey (or was withdrawn)
    UNREACHABLE = "unreachable"  # no valid consent or no Telegram account to ask
    CLOSED = "closed"  # the individual said no, thanks, or withdrew consent after the offer
    EXPIRED = "expired"  # the time to answer ran out, answered or not
    ELSEWHERE = "elsewhere"  # offered on paper or by phone; the chat does not ask as well
    CANCELLED = "cancelled"  # the outcome was changed: the meeting was not held after all


class SurveyInvitation(Base):
    """One held meeting the individual took part in; counted for the offered rate."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), unique=True
    )
    individual_id: Mapped[int | None] = mapped_column(
        ForeignKey("individuals.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[InvitationStatus] = mapped_column(String(12), index=True)
    meeting_type: Mapped[str] = mapped_column(String(16))
    unit_ids: Mapped[list[int]] = mapped_column(JSON)
    meeting_at: Mapped[datetime]
    month: Mapped[str | None] = mapped_column(String(7), index=True)
    survey_version: Mapped[int | None]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    offered_at: Mapped[datetime | None]
    # "chat", or "paper" / "phone" when staff handed it over or read it out (counts as offered).
    offered_via: Mapped[str | None] = mapped_column(String(8))
    recorded_at: Mapped[datetime]  # when the meeting ended (or was held); timing starts here
    updated_at: Mapped[datetime]


class SurveyResponse(Base):
    """One anonymous answer; see the module docstring for what it deliberately lacks."""

    __tablename__ = "survey_responses"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_version: Mapped[int]
    meeting_type: Mapped[str] = mapped_column(String(16))
    unit_ids: Mapped[list[int]] = mapped_column(JSON)
    month: Mapped[str] = mapped_column(String(7), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    answered_by: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(EncryptedText)


class SurveyReceipt(Base):
    """Proof that one meeting was answered, readable only with the server secret."""

    __tablename__ = "survey_receipts"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
