"""The process between meetings: SIPs as they were established, the duties a case with both
organisations brings, and how a case was closed. Only codes, dates and ids; the one free text
(a short note on the plan for interruptions) is encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, EncryptedText


class SipPlan(Base):
    """A SIP (samordnad individuell plan) established at a meeting, from the staff's answers.

    ``mandate`` says whether the units whose efforts must be coordinated were present with a
    mandate to decide; if not, ``missing_unit_ids`` (and ``missing_other`` for a unit that is
    not in Samordna) say which. ``unit_ids`` are the units taking part when it was established.
    """

    __tablename__ = "sip_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    individual_id: Mapped[int] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), unique=True
    )
    unit_ids: Mapped[list[int]] = mapped_column(JSON)
    established_at: Mapped[datetime]
    established_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    mandate: Mapped[bool]
    missing_unit_ids: Mapped[list[int]] = mapped_column(JSON)
    missing_other: Mapped[bool] = mapped_column(default=False)
    main_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    followup_at: Mapped[datetime]
    followup_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )
    interruption_plan: Mapped[list[str]] = mapped_column(JSON)
    interruption_note: Mapped[str | None] = mapped_column(EncryptedText)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class SipDuty(Base):
    """When the duty to offer a SIP was brought up for a case, so that it is brought up once."""

    __tablename__ = "sip_duties"

    individual_id: Mapped[int] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), primary_key=True
    )
    staff_nudged_at: Mapped[datetime | None]
    person_told_at: Mapped[datetime | None]


class CaseClosure(Base):
    """How a case was closed: after a closing meeting (slutsamtal), or without one and why."""

    __tablename__ = "case_closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    individual_id: Mapped[int] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    closed_at: Mapped[datetime]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    closing_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(String(24))
