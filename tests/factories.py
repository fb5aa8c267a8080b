"""Rows for tests, made directly: staff, units, individuals with consent, meetings."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    ChatUser,
    Consent,
    Individual,
    Organisation,
    Role,
    Staff,
    StaffMembership,
    Unit,
)
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, MeetingUnit, UnitRequestStatus
from bot.people.individuals import new_case_ref
from bot.platform.clock import Clock


async def unit(
    session: AsyncSession,
    clock: Clock,
    name: str = "Socialtjänst Innerstaden, vuxen/missbruk",
    organisation: Organisation = Organisation.MUNICIPALITY,
    phone: str = "040-34 10 00",
) -> Unit:
    row = Unit(
        name=name,
        organisation=organisation,
        phone=phone,
        address="Storgatan 1",
        send_requests_at_once=True,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return row


async def staff(
    session: AsyncSession,
    clock: Clock,
    telegram_id: int,
    units: dict[Unit, Role],
    name: str = "Sara Socialsekreterare",
    language: str = "sv",
    phone: str = "040-11 22 33",
) -> Staff:
    row = Staff(telegram_id=telegram_id, name=name, phone=phone, created_at=clock.now())
    session.add(row)
    await session.flush()
    for member_of, role in units.items():
        session.add(StaffMembership(staff_id=row.id, unit_id=member_of.id, role=role))
    session.add(
        ChatUser(
            telegram_id=telegram_id,
            language=language,
            created_at=clock.now(),
            last_seen_at=clock.now(),
        )
    )
    await session.flush()
    return row


async def individual(
    session: AsyncSession,
    clock: Clock,
    telegram_id: int,
    units: list[Unit],
    responsible: Staff | None = None,
    *,
    reminders: bool = True,
    sharing: bool = True,
    survey: bool = True,
    months: int = 6,
    language: str = "sv",
) -> Individual:
    now = clock.now()
    row = Individual(
        telegram_id=telegram_id,
        case_ref=await new_case_ref(session),
        responsible_staff_id=responsible.id if responsible else None,
        created_at=now,
    )
    session.add(row)
    session.add(
        ChatUser(telegram_id=telegram_id, language=language, created_at=now, last_seen_at=now)
    )
    await session.flush()
    consent = Consent(
        individual_id=row.id,
        text_version=1,
        text_hash="0" * 64,
        reminders=reminders,
        sharing=sharing,
        survey=survey,
        given_at=now,
        valid_until=now + timedelta(days=30 * months),
    )
    consent.units = list(units)
    session.add(consent)
    await session.flush()
    return row


async def meeting(
    session: AsyncSession,
    clock: Clock,
    *,
    individual: Individual | None,
    requester: Staff,
    units: dict[Unit, Staff | None],
    starts_at: datetime | None = None,
    type: MeetingType = MeetingType.GFI,
    status: MeetingStatus = MeetingStatus.CONFIRMED,
) -> Meeting:
    now = clock.now()
    row = Meeting(
        type=type,
        status=status,
        individual_id=individual.id if individual else None,
        requester_staff_id=requester.id,
        categories=["housing"],
        time_windows=[],
        starts_at=starts_at or now + timedelta(days=7),
        duration_minutes=60,
        place_kind="unit",
        place_text="Storgatan 1",
        ics_uid=f"{secrets.token_hex(8)}@samordna",
        ics_sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    for target, assigned in units.items():
        session.add(
            MeetingUnit(
                meeting_id=row.id,
                unit_id=target.id,
                status=UnitRequestStatus.ASSIGNED if assigned else UnitRequestStatus.WAITING,
                assigned_staff_id=assigned.id if assigned else None,
                assigned_at=now if assigned else None,
                queued_at=now,
            )
        )
    await session.flush()
    return row


from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from bot.bot_api_double import BotApiDouble
    from bot.chat.turn import Services


async def rows_mentioning(services: Services, numbers: list[int]) -> list[str]:
    """Every row in every table whose text contains one of the numbers (a Telegram id)."""
    from sqlalchemy import inspect, text

    found: list[str] = []
    async with services.db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            if table == "alembic_version":
                continue
            for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all():
                joined = " ".join(str(v) for v in row)
                if any(str(n) in joined for n in numbers):
                    found.append(f"{table}: {joined}")
    return found


async def deliver_due(services: Services, double: BotApiDouble) -> int:
    """Send what the outbox holds due now, without waiting for the scheduler's tick."""
    from telegram import Bot

    from bot.outbox.dispatcher import Dispatcher

    async with Bot(double.token, base_url=double.base_url) as bot:
        return await Dispatcher(services, bot).tick()


async def individual_with_meeting(
    services: Services,
    telegram_id: int,
    *,
    language: str = "en",
    sharing: bool = True,
    clock: Clock | None = None,
) -> Meeting:
    """An individual with a consent and one confirmed SIP meeting a week ahead, coordinated by
    a staff member of the same unit: enough for /prepare. ``clock`` for a bot in another
    process, which runs on the real time."""
    clock = clock or services.clock
    async with services.db.transaction() as session:
        home = await unit(session, clock)
        coordinator = await staff(session, clock, telegram_id + 100_000, {home: Role.STAFF})
        person = await individual(
            session, clock, telegram_id, [home], coordinator, sharing=sharing, language=language
        )
        return await meeting(
            session,
            clock,
            individual=person,
            requester=coordinator,
            units={home: coordinator},
            type=MeetingType.SIP,
        )
