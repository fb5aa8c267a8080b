"""The transition check: after a referral, whether the individual's contact with the next unit
really started. It closes the gap (glapp) that opens when nobody checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class TransitionCheck(Base):
    """``answer`` is "started" or "not_started"; None while the individual has not answered."""

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
    referred_at: Mapped[datetime]
    ask_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
