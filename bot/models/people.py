"""Units, staff and individuals: the smallest set of facts the cooperation needs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, EncryptedText


class Organisation(StrEnum):
    MUNICIPALITY = "municipality"
    REGION = "region"


class Role(StrEnum):
    STAFF = "staff"
    DISTRIBUTOR = "distributor"
    ADMIN = "admin"


class Unit(Base):
    """A verksamhet; its phone number is what an individual is always offered."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    organisation: Mapped[Organisation] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    send_requests_at_once: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    memberships: Mapped[list[StaffMembership]] = relationship(back_populates="unit")


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]

    memberships: Mapped[list[StaffMembership]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )


class StaffMembership(Base):
    """A staff member's role is per unit: a distributor in one unit may be staff in another."""

    __tablename__ = "staff_memberships"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(String(16))

    staff: Mapped[Staff] = relationship(back_populates="memberships")
    unit: Mapped[Unit] = relationship(back_populates="memberships")


class StaffInvite(Base):
    """Single-use, expiring join code; only its hash is stored."""

    __tablename__ = "staff_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )


class CodeAttempt(Base):
    """Wrong join codes per account, to refuse guessing; erased once they can no longer count."""

    __tablename__ = "code_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = mapped_column(index=True)


class Individual(Base):
    """Den enskilde: a Telegram id and a pseudonymous case reference are enough.

    The language lives in :class:`ChatUser`, like everyone else's.
    """

    __tablename__ = "individuals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    case_ref: Mapped[str] = mapped_column(String(16), unique=True)
    alias: Mapped[str | None] = mapped_column(EncryptedText)
    responsible_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    unreachable_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    erase_after: Mapped[datetime | None] = mapped_column(index=True)

    consents: Mapped[list[Consent]] = relationship(
        back_populates="individual", cascade="all, delete-orphan"
    )


class IndividualInvite(Base):
    """A deep link a staff member hands to an individual; only its hash is stored."""

    __tablename__ = "individual_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    unit_ids: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    individual_id: Mapped[int | None] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )


consent_units = Table(
    "consent_units",
    Base.metadata,
    Column("consent_id", ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class Consent(Base):
    """Samtycke: what (the three scopes), whom (units), until when; withdrawal is a timestamp."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    individual_id: Mapped[int] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    text_version: Mapped[int]
    text_hash: Mapped[str] = mapped_column(String(64))
    reminders: Mapped[bool]
    sharing: Mapped[bool]
    survey: Mapped[bool]
    given_at: Mapped[datetime]
    valid_until: Mapped[datetime] = mapped_column(index=True)
    withdrawn_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    # The period as chosen (3, 6 or 12 months) and the language the hashed text was shown in.
    period_months: Mapped[int | None]
    text_locale: Mapped[str | None] = mapped_column(String(8))

    individual: Mapped[Individual] = relationship(back_populates="consents")
    units: Mapped[list[Unit]] = relationship(secondary=consent_units)

    def active_at(self, moment: datetime) -> bool:
        return self.withdrawn_at is None and self.expired_at is None and moment < self.valid_until
