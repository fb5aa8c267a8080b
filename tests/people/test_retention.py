"""The daily retention job erases personal data the configured number of days after consent
was withdrawn or ran out, or the case was closed; time is moved, not waited for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.chat import buttons
from bot.chat.turn import Services
from bot.models import AuditEntry, CodeAttempt, Individual, IndividualInvite, Role
from bot.outbox import queue as outbox
from bot.people import consent, individuals, retention, staff
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from flows import preparation
from tests import factories

ANNA = 3_141_592
DAYS = 10


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"retention_days": DAYS})


async def anna_with_traces(services: Services, clock: ManualClock) -> Individual:
    """Anna with consent, a conversation, a waiting message, a button and a wrong code."""
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock)
        sara = await factories.staff(session, clock, 2001, {unit: Role.STAFF})
        anna = await factories.individual(session, clock, ANNA, [unit], sara)
        await services.engine.start(session, ANNA, preparation.NAME, services.tr("sv"))
        await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=anna.id,
            kind="meeting_reminder",
            message="Reminder",
            dedupe_key="anna-reminder",
            due_at=clock.now() + timedelta(days=2),
        )
        await buttons.issue(session, clock, ANNA, "consent_withdraw", {"individual_id": anna.id})
        await staff.record_wrong(session, clock, ANNA)
    return anna


async def test_withdrawn_consent_is_erased_after_the_configured_days(
    services: Services, clock: ManualClock
) -> None:
    anna = await anna_with_traces(services, clock)
    async with services.db.transaction() as session:
        case = await session.get(Individual, anna.id)
        assert case is not None
        retain = timedelta(days=services.settings.retention_days)
        assert await consent.withdraw(session, clock, case, retention=retain, actor=case.case_ref)
    clock.advance(timedelta(days=DAYS - 1))
    assert await retention.run(services) == 0
    assert await factories.rows_mentioning(services, [ANNA]) != []
    clock.advance(timedelta(days=1, minutes=1))
    assert await retention.run(services) == 1
    assert await factories.rows_mentioning(services, [ANNA]) == []
    async with services.db.transaction() as session:
        assert await session.get(Individual, anna.id) is None
        actions = [
            e.action
            for e in await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.case_ref == anna.case_ref)
                .order_by(AuditEntry.id)
            )
        ]
    assert actions == ["consent_withdrawn", "data_erased"]
    assert await retention.run(services) == 0


async def test_expired_consent_and_closed_cases_are_erased_too(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock)
        sara = await factories.staff(session, clock, 2001, {unit: Role.STAFF})
        short = await factories.individual(session, clock, 3001, [unit], sara, months=1)
        closed = await factories.individual(session, clock, 3002, [unit], sara, months=12)
        staying = await factories.individual(session, clock, 3003, [unit], sara, months=12)
        closed.closed_at = clock.now()  # closed elsewhere, without an erasure date
    clock.advance(timedelta(days=DAYS + 1))
    assert await retention.run(services) == 1
    async with services.db.transaction() as session:
        assert await session.get(Individual, closed.id) is None
    clock.advance(timedelta(days=20))
    assert await retention.run(services) == 0  # the one-month consent has just run out
    clock.advance(timedelta(days=DAYS))
    assert await retention.run(services) == 1
    async with services.db.transaction() as session:
        remaining = set(await session.scalars(select(Individual.id)))
    assert remaining == {staying.id}
    assert short.id not in remaining


async def test_a_link_nobody_opened_goes_with_its_empty_case(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock)
        sara = await factories.staff(session, clock, 2001, {unit: Role.STAFF})
        await individuals.create_invite(session, clock, sara, [unit], valid_for=timedelta(days=14))
    clock.advance(timedelta(days=14, minutes=1))
    assert await retention.run(services) == 1
    async with services.db.transaction() as session:
        assert await session.scalar(select(Individual)) is None
        assert await session.scalar(select(IndividualInvite)) is None


async def test_old_wrong_code_counts_are_forgotten(services: Services, clock: ManualClock) -> None:
    async with services.db.transaction() as session:
        await staff.record_wrong(session, clock, 4004)
    clock.advance(timedelta(hours=3))
    await retention.run(services)
    async with services.db.transaction() as session:
        assert await session.scalar(select(CodeAttempt)) is None
