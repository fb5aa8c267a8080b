"""Rows the benchmarks start from, written straight to the database before a bot starts.

Individuals get what the förmöte needs: two units, a responsible staff member, consent and a
confirmed meeting next week; the duty to offer them a SIP was already brought up. Nudges are
outbox rows, inserted in bulk.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bench import bots
from bot import migrate
from bot.models import (
    ChatUser,
    Individual,
    Organisation,
    OutboxMessage,
    OutboxStatus,
    Role,
    Staff,
    Unit,
)
from bot.models.process import SipDuty
from bot.outbox.queue import dt_param
from bot.platform.clock import Clock
from bot.platform.db import Database
from tests import factories

STAFF_TELEGRAM_ID = 9_000_001
NUDGE_MESSAGE = "Reminder: your meeting is {when}."
NUDGE_BUTTONS = [
    [
        {"label": "I'm coming", "action": "bench_answer", "payload": {"coming": True}},
        {"label": "I can't come", "action": "bench_answer", "payload": {"coming": False}},
    ]
]
CHUNK = 5_000


_MIGRATING = asyncio.Lock()


async def migrated(url: str) -> Database:
    """Alembic keeps global state, so two experiments running side by side take turns."""
    async with _MIGRATING:
        await asyncio.to_thread(migrate.upgrade, url)
    return bots.database(url)


async def individuals(db: Database, clock: Clock, telegram_ids: Sequence[int]) -> None:
    """Each id becomes an individual with consent and a confirmed meeting in a week."""
    async with db.transaction() as session:
        social = await factories.unit(session, clock)
        health = await factories.unit(
            session,
            clock,
            name="Beroendemottagning Rådmannen",
            organisation=Organisation.REGION,
            phone="040-33 10 00",
        )
        staff = await factories.staff(
            session, clock, STAFF_TELEGRAM_ID, {social: Role.STAFF, health: Role.STAFF}
        )
    for start in range(0, len(telegram_ids), 250):
        async with db.transaction() as session:
            for telegram_id in telegram_ids[start : start + 250]:
                person = await _individual(session, clock, telegram_id, [social, health], staff)
                # As in a system that has run for a while: the duty to offer a SIP was brought
                # up when the case opened, so the hourly catch-up finds nothing to queue.
                session.add(
                    SipDuty(
                        individual_id=person.id,
                        staff_nudged_at=clock.now(),
                        person_told_at=clock.now(),
                    )
                )
                await factories.meeting(
                    session,
                    clock,
                    individual=person,
                    requester=staff,
                    units={social: staff, health: None},
                    starts_at=clock.now() + timedelta(days=7),
                )


async def _individual(
    session: AsyncSession, clock: Clock, telegram_id: int, units: list[Unit], staff: Staff
) -> Individual:
    """The test factory's short case references repeat now and then among a thousand; a
    repeat is simply drawn again."""
    for _ in range(8):
        try:
            async with session.begin_nested():
                return await factories.individual(session, clock, telegram_id, units, staff)
        except IntegrityError:
            continue
    raise RuntimeError(f"no free case reference for {telegram_id}")


async def chat_users(db: Database, clock: Clock, chat_ids: Sequence[int]) -> None:
    now = clock.now()
    rows = [
        {"telegram_id": chat, "language": "sv", "created_at": now, "last_seen_at": now}
        for chat in chat_ids
    ]
    for start in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.execute(insert(ChatUser), rows[start : start + CHUNK])


def nudge_plan(
    count: int, chat_ids: Sequence[int], first_due: datetime, last_due: datetime, seed: int
) -> list[tuple[int, datetime]]:
    """(chat, due time) for ``count`` nudges, due times spread evenly at random; the same
    plan feeds both bots."""
    rng = random.Random(seed)
    span = (last_due - first_due).total_seconds()
    return [
        (chat_ids[i % len(chat_ids)], first_due + timedelta(seconds=rng.random() * span))
        for i in range(count)
    ]


async def nudges(
    db: Database, clock: Clock, plan: Sequence[tuple[int, datetime]], *, buttons: bool = True
) -> None:
    """Outbox rows as a booking would queue them: a message id, a date parameter, buttons."""
    now = clock.now()
    rows = [
        {
            "chat_id": chat,
            "kind": "bench_reminder",
            "message": NUDGE_MESSAGE,
            "params": {"when": dt_param(due + timedelta(days=1))},
            "buttons": NUDGE_BUTTONS if buttons else None,
            "due_at": due,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "dedupe_key": f"bench:{number}",
            "subject": f"bench:{chat}",
            "created_at": now,
        }
        for number, (chat, due) in enumerate(plan)
    ]
    for start in range(0, len(rows), CHUNK):
        async with db.transaction() as session:
            await session.execute(insert(OutboxMessage), rows[start : start + CHUNK])
