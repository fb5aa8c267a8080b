"""Telegram's send budget shared by every process of one bot (PostgreSQL only)."""

from __future__ import annotations

from sqlalchemy import Double, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class SendTicket(Base):
    """One of the ``outbox_rate_limit`` messages Telegram allows in any second.

    A send holds a ticket from just before it starts until a whole second after its answer
    (``free_at``); see :mod:`bot.outbox.shared_budget`. Times are seconds since the epoch on
    the database's clock, so the processes' own clocks never have to agree.
    """

    __tablename__ = "send_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holder: Mapped[str | None] = mapped_column(String(60))
    held_until: Mapped[float | None] = mapped_column(Double)  # a lease: a crashed holder
    free_at: Mapped[float] = mapped_column(Double, default=0.0)
    taken_at: Mapped[float | None] = mapped_column(Double)  # nudges keep an even pace
    promised_to: Mapped[str | None] = mapped_column(String(60))  # a process with replies waiting
    promised_until: Mapped[float | None] = mapped_column(Double)
