"""What a person asks for in the chat (/ask): a call, a SIP, contact with another unit, a new
time. Only the kind of request is kept, never what they wrote."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class AskKind(StrEnum):
    CALL_ME = "call_me"
    WANT_SIP = "want_sip"
    OTHER_UNIT = "other_unit"
    NEW_TIME = "new_time"


class PersonRequest(Base):
    """One request: who should answer (``staff_id``, else the distributors of ``unit_id``),
    by when, whether it went on to the distributors, and who answered it how."""

    __tablename__ = "person_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    individual_id: Mapped[int] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AskKind] = mapped_column(String(16))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    organisation: Mapped[str | None] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    answer_by: Mapped[datetime] = mapped_column(index=True)
    escalated_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    handled_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    outcome: Mapped[str | None] = mapped_column(String(16))
