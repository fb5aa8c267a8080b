"""Erasing personal data: at the person's request, and by a daily job a set number of days
(``SAMORDNA_RETENTION_DAYS``) after consent was withdrawn or ran out, or the case was closed.

Erasure leaves no row that names the Telegram account. Listeners hear ``INDIVIDUAL_ERASED``
first, so other features can clean up; rows that point at the case go with it (foreign keys
cascade). The audit log keeps only that the case reference was erased, and why.
"""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import audit
from bot.chat.turn import Services
from bot.models import Base, Individual
from bot.outbox import queue as outbox
from bot.people import consent, staff
from bot.platform import events, jobs
from bot.platform.clock import Clock

ASKED = "asked"
RETENTION = "retention"
_ACCOUNT_COLUMNS = ("telegram_id", "chat_id")
# An account that is staff is never an individual; their rows are not the person's.
_KEEP = frozenset({"staff"})


async def erase(
    session: AsyncSession,
    clock: Clock,
    individual: Individual,
    *,
    reason: str,
    retention: timedelta,
) -> None:
    """Erase one case and everything kept for its Telegram account, in the caller's transaction.

    At the person's request their consent is withdrawn first, so the responsible staff member
    hears exactly what a withdrawal tells them.
    """
    ref = individual.case_ref
    telegram_id = individual.telegram_id
    if reason == ASKED:
        await consent.withdraw(session, clock, individual, retention=retention, actor=ref)
    await outbox.cancel(session, individual_id=individual.id)
    await events.emit(
        events.INDIVIDUAL_ERASED,
        session,
        clock,
        individual_id=individual.id,
        case_ref=ref,
        telegram_id=telegram_id,
    )
    await session.flush()
    await session.execute(delete(Individual).where(Individual.id == individual.id))
    if telegram_id is not None:
        await forget_account(session, telegram_id)
    actor = ref if reason == ASKED else "system"
    audit.record(session, clock, "data_erased", actor=actor, case_ref=ref, reason=reason)


async def forget_account(session: AsyncSession, telegram_id: int) -> None:
    """Every row keyed by the Telegram account itself (language, conversations, buttons,
    messages, wrong-code counts, and whatever a later table keys the same way)."""
    await session.flush()
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in _KEEP:
            continue
        for column in _ACCOUNT_COLUMNS:
            if column in table.c:
                await session.execute(table.delete().where(table.c[column] == telegram_id))


async def due(session: AsyncSession, clock: Clock, *, retention: timedelta) -> list[int]:
    """Cases whose erasure date has come; a case closed elsewhere gets its date here."""
    closed = await session.scalars(
        select(Individual).where(
            Individual.closed_at.is_not(None), Individual.erase_after.is_(None)
        )
    )
    for individual in closed:
        if individual.closed_at is not None:
            individual.erase_after = individual.closed_at + retention
    await session.flush()
    return list(
        await session.scalars(
            select(Individual.id)
            .where(Individual.erase_after <= clock.now())
            .order_by(Individual.id)
        )
    )


async def run(services: Services) -> int:
    """End consents that ran out, then erase what is due, one case per transaction."""
    clock = services.clock
    retention = timedelta(days=services.settings.retention_days)
    async with services.db.transaction() as session:
        await consent.expire_due(session, clock, retention=retention)
        await staff.forget_old_attempts(session, clock)
        ids = await due(session, clock, retention=retention)
    erased = 0
    for individual_id in ids:
        async with services.db.transaction() as session:
            individual = await session.get(Individual, individual_id)
            if individual is None or individual.erase_after is None:
                continue
            if individual.erase_after > clock.now():
                continue
            await erase(session, clock, individual, reason=RETENTION, retention=retention)
            erased += 1
    return erased


@jobs.daily(time(3, 0), "retention")
async def retention_job(services: Services) -> None:
    await run(services)
