"""Meetings of every type (GFI, SIP, follow-up, staff-only, closing) and how they are booked."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, EncryptedJSON, EncryptedText


class MeetingType(StrEnum):
    GFI = "gfi"
    SIP = "sip"
    SIP_FOLLOWUP = "sip_followup"
    STAFF_ONLY = "staff_only"
    CLOSING = "closing"


class MeetingStatus(StrEnum):
    REQUESTED = "requested"  # waiting for every target unit to assign someone
    SCHEDULING = "scheduling"  # everyone assigned; slots being proposed and accepted
    INVITED = "invited"  # staff agreed on a slot; the individual is asked
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    HELD = "held"
    NO_SHOW = "no_show"


class UnitRequestStatus(StrEnum):
    CONSENT_WAIT = "consent_wait"  # the individual is asked to add this unit to the consent
    WAITING = "waiting"
    ASSIGNED = "assigned"
    RETURNED = "returned"


class Meeting(Base):
    """One meeting from request to outcome. ``ics_uid`` stays; ``ics_sequence`` counts changes."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[MeetingType] = mapped_column(String(16))
    status: Mapped[MeetingStatus] = mapped_column(String(16), index=True)
    individual_id: Mapped[int | None] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    requester_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    requester_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    categories: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    time_windows: Mapped[list[str]] = mapped_column(JSON)
    starts_at: Mapped[datetime | None] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    place_kind: Mapped[str | None] = mapped_column(String(16))
    place_text: Mapped[str | None] = mapped_column(EncryptedText)
    ics_uid: Mapped[str] = mapped_column(String(80), unique=True)
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    individual_answer: Mapped[str | None] = mapped_column(String(16))
    confirmed_at: Mapped[datetime | None]
    outcome_next_steps: Mapped[list[str] | None] = mapped_column(JSON)
    outcome_recorded_at: Mapped[datetime | None]
    outcome_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    referred_to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    cancel_reason: Mapped[str | None] = mapped_column(EncryptedText)
    previous_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )
    # People outside the units the person asked for in their förmöte, added by staff: codes
    # such as "support_person", never names.
    guests: Mapped[list[str] | None] = mapped_column(JSON)
    # When a staff member said "The meeting is over" (before or after the booked end).
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    units: Mapped[list[MeetingUnit]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    slots: Mapped[list[MeetingSlot]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )


class MeetingUnit(Base):
    """A target unit of a request: its place in that unit's distribution queue."""

    __tablename__ = "meeting_units"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[UnitRequestStatus] = mapped_column(String(12), index=True)
    assigned_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    assigned_at: Mapped[datetime | None]
    returned_reason: Mapped[str | None] = mapped_column(EncryptedText)
    queued_at: Mapped[datetime]

    meeting: Mapped[Meeting] = relationship(back_populates="units")
    # More people of the same unit; loaded with the unit, so no query is ever lazy.
    also: Mapped[list[MeetingUnitStaff]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="MeetingUnitStaff.assigned_at"
    )

    def assigned_ids(self) -> list[int]:
        """Everyone this unit sends: the first assigned person, then the others."""
        if self.status != UnitRequestStatus.ASSIGNED or not self.assigned_staff_id:
            return []
        ids = [self.assigned_staff_id]
        return ids + [a.staff_id for a in self.also if a.staff_id not in ids]


class MeetingUnitStaff(Base):
    """A second (third…) person a distributor assigned for the same unit: a GFI should meet
    the people who would work with the individual, and that may be more than one."""

    __tablename__ = "meeting_unit_staff"
    __table_args__ = (
        ForeignKeyConstraint(
            ["meeting_id", "unit_id"],
            ["meeting_units.meeting_id", "meeting_units.unit_id"],
            ondelete="CASCADE",
        ),
    )

    meeting_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assigned_at: Mapped[datetime]


class MeetingSlot(Base):
    """A proposed time; ``responses`` maps staff id to "yes" or "no"."""

    __tablename__ = "meeting_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    place_kind: Mapped[str] = mapped_column(String(16))
    place_text: Mapped[str | None] = mapped_column(EncryptedText)
    proposed_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    responses: Mapped[dict[str, Any]] = mapped_column(JSON)
    withdrawn: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="slots")


class Preparation(Base):
    """The individual's förmöte answers for one meeting, as codes; free text stays encrypted.

    ``answers`` are the individual's own; staff only ever see ``shared_answers``, the version
    last sent under a sharing consent, and ``previous_answers``, the one it replaced, so that
    an update can show what changed. ``shared_revision`` counts the versions sent.
    """

    __tablename__ = "preparations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    individual_id: Mapped[int] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    flow_version: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    shared_answers: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    previous_answers: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    shared_revision: Mapped[int] = mapped_column(Integer, default=0)
    shared_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
