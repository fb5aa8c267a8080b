"""The transition check: after a referral, whether the individual's contact with the next unit
really started and works, asked of both sides. It closes the gap (glapp) that opens when
nobody checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class TransitionCheck(Base):
    """One referral to a receiving unit (``unit_id``).

    ``answer`` is the individual's: "works", "not_working" or "not_started" (None while they
    have not answered). ``unit_answer`` is the receiving unit's distributor's: "started" or
    "not_started", due by ``unit_due_at``. A transition is open until ``closed_at``.
    """

    __tablename__ = "transition_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    individual_id: Mapped[int] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    referring_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    referring_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    referred_at: Mapped[datetime]
    ask_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None]
    unit_due_at: Mapped[datetime | None]
    unit_answer: Mapped[str | None] = mapped_column(String(16))
    unit_answered_at: Mapped[datetime | None]
    unit_answered_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
