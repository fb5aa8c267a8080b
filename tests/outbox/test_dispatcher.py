"""The outbox dispatcher against the Bot API test double: each row once, in the recipient's
language, at the time the rules allow, and never after consent is withdrawn."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.models import ChatUser, Consent, OutboxMessage, OutboxStatus, Role
from bot.outbox import dispatcher as dispatcher_module
from bot.outbox import queue as outbox
from bot.outbox.dispatcher import Dispatcher
from bot.platform import events
from bot.platform.clock import ManualClock
from tests import factories

ANNA = 1001
SARA = 2001


@pytest.fixture
async def bot(double: BotApiDouble) -> AsyncIterator[Bot]:
    request = HTTPXRequest(connection_pool_size=16)
    async with Bot(double.token, base_url=double.base_url, request=request) as telegram:
        yield telegram


@pytest.fixture
def dispatcher(services: Services, bot: Bot) -> Dispatcher:
    return Dispatcher(services, bot)


@dataclass
class Case:
    person_id: int
    staff_id: int
    case_ref: str


async def make_case(services: Services, clock: ManualClock, **consent: bool) -> Case:
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock)
        staff = await factories.staff(session, clock, SARA, {unit: Role.STAFF}, language="en")
        person = await factories.individual(
            session, clock, ANNA, [unit], staff, language="en", **consent
        )
        return Case(person.id, staff.id, person.case_ref)


async def queue(
    services: Services,
    clock: ManualClock,
    case: Case,
    text: str,
    *,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
    to_staff: bool = False,
) -> OutboxMessage | None:
    async with services.db.transaction() as session:
        return await outbox.enqueue(
            session,
            clock,
            chat_id=SARA if to_staff else ANNA,
            individual_id=case.person_id,
            staff_id=case.staff_id if to_staff else None,
            kind="test",
            message=text,
            dedupe_key=text,
            due_at=due_at,
            expires_at=expires_at,
        )


async def insert_due(
    services: Services, clock: ManualClock, case: Case, text: str, due_at: datetime
) -> int:
    """A row put in directly, as if queued long ago, so that only the claim can hold it back."""
    async with services.db.transaction() as session:
        row = OutboxMessage(
            chat_id=ANNA,
            individual_id=case.person_id,
            kind="test",
            message=text,
            params={},
            due_at=due_at,
            status=OutboxStatus.PENDING,
            attempts=0,
            dedupe_key=text,
            created_at=clock.now() - timedelta(days=1),
        )
        session.add(row)
        await session.flush()
        return row.id


async def status_of(services: Services, text: str) -> OutboxMessage:
    async with services.db.transaction() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == text))
    assert row is not None
    return row


def texts(double: BotApiDouble, chat_id: int) -> list[str]:
    return [m.text for m in double.messages_in(chat_id)]


def stockholm(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Stockholm"))


async def test_a_due_row_is_sent_once_in_the_recipients_language(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    case = await make_case(services, clock)
    async with services.db.transaction() as session:
        await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=case.person_id,
            kind="test",
            message="Skip",
            dedupe_key="one",
            buttons=[[{"label": "Continue ▶", "action": "nothing", "payload": {}}]],
        )
        again = await outbox.enqueue(
            session, clock, chat_id=ANNA, kind="test", message="Skip", dedupe_key="one"
        )
    assert again is None
    assert await dispatcher.tick() == 1
    assert await dispatcher.tick() == 0
    sent = double.messages_in(ANNA)
    assert [m.text for m in sent] == ["Skip"]
    assert sent[0].button_texts == ["Continue ▶"]
    assert sent[0].buttons[0][0].callback_data is not None
    assert sent[0].buttons[0][0].callback_data.startswith("b:")
    async with services.db.transaction() as session:
        chat = await session.get(ChatUser, ANNA)
        assert chat is not None
        chat.language = "sv"
        await outbox.enqueue(
            session,
            clock,
            chat_id=ANNA,
            individual_id=case.person_id,
            kind="test",
            message="Skip",
            dedupe_key="two",
        )
    assert await dispatcher.tick() == 1
    assert texts(double, ANNA) == ["Skip", "Hoppa över"]


async def test_an_evening_nudge_waits_until_nine(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    case = await make_case(services, clock)
    clock.set(stockholm(2026, 3, 2, 21, 0))
    row = await queue(services, clock, case, "Queued in the evening")
    assert row is not None
    assert row.due_at == stockholm(2026, 3, 3, 9, 0)
    await insert_due(services, clock, case, "Due long ago", clock.now() - timedelta(hours=3))
    assert await dispatcher.tick() == 0
    assert (await status_of(services, "Due long ago")).due_at == stockholm(2026, 3, 3, 9, 0)
    clock.set(stockholm(2026, 3, 3, 8, 59))
    assert await dispatcher.tick() == 0
    clock.set(stockholm(2026, 3, 3, 9, 0))
    assert await dispatcher.tick() == 2
    assert sorted(texts(double, ANNA)) == ["Due long ago", "Queued in the evening"]


async def test_staff_nudges_wait_for_the_next_working_day(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    case = await make_case(services, clock)
    clock.set(stockholm(2026, 4, 3, 10, 0))  # Good Friday
    row = await queue(services, clock, case, "For staff", to_staff=True)
    assert row is not None
    assert row.due_at == stockholm(2026, 4, 7, 8, 0)  # Tuesday after Easter Monday
    clock.set(stockholm(2026, 4, 6, 12, 0))
    assert await dispatcher.tick() == 0
    clock.set(stockholm(2026, 4, 7, 8, 0))
    assert await dispatcher.tick() == 1
    assert texts(double, SARA) == ["For staff"]


async def test_at_most_three_a_day_reach_an_individual(
    services: Services,
    clock: ManualClock,
    double: BotApiDouble,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatcher_module, "PER_CHAT_GAP", 0.01)
    case = await make_case(services, clock)
    for number in range(5):
        await queue(services, clock, case, f"Nudge {number}")
    assert await dispatcher.tick() == 3
    assert await dispatcher.tick() == 0
    assert texts(double, ANNA) == ["Nudge 0", "Nudge 1", "Nudge 2"]
    waiting = await status_of(services, "Nudge 3")
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.due_at == stockholm(2026, 3, 3, 9, 0)
    soon = clock.now() + timedelta(hours=2)
    await queue(services, clock, case, "Reminder for a meeting today", expires_at=soon)
    assert await dispatcher.tick() == 1  # tomorrow would be too late for it
    clock.set(stockholm(2026, 3, 3, 9, 0))
    assert await dispatcher.tick() == 2
    assert texts(double, ANNA)[-2:] == ["Nudge 3", "Nudge 4"]


async def test_a_row_past_its_moment_is_cancelled_not_sent(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    case = await make_case(services, clock)
    await queue(services, clock, case, "Too late", expires_at=clock.now() + timedelta(minutes=5))
    clock.advance(timedelta(minutes=10))  # the bot was down
    assert await dispatcher.tick() == 0
    assert (await status_of(services, "Too late")).status == OutboxStatus.CANCELLED
    assert texts(double, ANNA) == []


async def test_withdrawing_consent_cancels_a_row_that_is_already_due(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    case = await make_case(services, clock)
    await queue(services, clock, case, "Due now")
    await queue(services, clock, case, "Staff note about the case", to_staff=True)
    async with services.db.transaction() as session:
        consent = await session.scalar(select(Consent))
        assert consent is not None
        consent.withdrawn_at = clock.now()
        await events.emit(events.CONSENT_WITHDRAWN, session, clock, individual_id=case.person_id)
    assert await dispatcher.tick() == 1
    assert (await status_of(services, "Due now")).status == OutboxStatus.CANCELLED
    assert texts(double, ANNA) == []
    assert texts(double, SARA) == ["Staff note about the case"]


async def test_a_withdrawal_between_claim_and_send_stops_the_row(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    case = await make_case(services, clock)
    await queue(services, clock, case, "Claimed already")
    claimed = await dispatcher.claim()
    assert len(claimed) == 1
    async with services.db.transaction() as session:
        consent = await session.scalar(select(Consent))
        assert consent is not None
        consent.withdrawn_at = clock.now()
        await events.emit(events.CONSENT_WITHDRAWN, session, clock, individual_id=case.person_id)
    assert await dispatcher.send_claimed(claimed) == 0
    assert texts(double, ANNA) == []


async def test_no_active_consent_means_no_message_even_without_the_event(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    case = await make_case(services, clock)
    await queue(services, clock, case, "After expiry", due_at=clock.now() + timedelta(days=200))
    clock.advance(timedelta(days=200))  # the six-month consent ran out
    assert await dispatcher.tick() == 0
    row = await status_of(services, "After expiry")
    assert (row.status, row.last_error) == (OutboxStatus.CANCELLED, "no active consent")


async def test_a_claim_lost_with_its_process_is_sent_after_the_lease(
    services: Services, clock: ManualClock, double: BotApiDouble, bot: Bot
) -> None:
    case = await make_case(services, clock)
    await queue(services, clock, case, "Claimed by a process that died")
    crashed = Dispatcher(services, bot)
    lost = await crashed.claim()
    assert len(lost) == 1
    survivor = Dispatcher(services, bot)
    assert await survivor.tick() == 0
    clock.advance(timedelta(seconds=services.settings.outbox_lease_seconds + 1))
    assert await survivor.tick() == 1
    assert await crashed.send_claimed(lost) == 0  # its lease was taken over
    assert texts(double, ANNA) == ["Claimed by a process that died"]


async def test_one_message_a_second_per_chat_keeps_telegram_happy(
    services: Services, clock: ManualClock, double: BotApiDouble, dispatcher: Dispatcher
) -> None:
    double.enforce_limits = True
    case = await make_case(services, clock)
    for number in range(3):
        await queue(services, clock, case, f"Message {number}")
    assert await dispatcher.tick() == 3
    calls = double.calls_of("sendMessage")
    assert [c.status for c in calls] == [200, 200, 200]
    gaps = [later.time - earlier.time for earlier, later in itertools.pairwise(calls)]
    assert all(gap >= 0.99 for gap in gaps), gaps
    assert texts(double, ANNA) == ["Message 0", "Message 1", "Message 2"]


async def test_two_dispatchers_at_once_send_every_row_once(
    services: Services, clock: ManualClock, double: BotApiDouble, bot: Bot
) -> None:
    async with services.db.transaction() as session:
        for number in range(300):
            await outbox.enqueue(
                session,
                clock,
                chat_id=50_000 + number % 150,
                kind="test",
                message=f"Row {number}",
                dedupe_key=f"row:{number}",
                due_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
            )
    first, second = (
        Dispatcher(services, bot, batch_size=40),
        Dispatcher(services, bot, batch_size=40),
    )

    async def until_empty(worker: Dispatcher) -> None:
        for _ in range(100):
            await worker.drain()
            if await _open_rows(services) == 0:
                return

    await asyncio.gather(until_empty(first), until_empty(second))
    counted = Counter(c.params["text"] for c in double.calls_of("sendMessage") if c.status == 200)
    assert len(counted) == 300
    assert set(counted.values()) == {1}


async def _open_rows(services: Services) -> int:
    async with services.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status.in_(outbox.OPEN))
        )
        return len(list(rows))


async def test_the_same_nudge_queued_by_two_transactions_at_once_is_stored_once(
    services: Services, clock: ManualClock
) -> None:
    inserted = asyncio.Event()

    async def first() -> OutboxMessage | None:
        async with services.db.transaction() as session:
            row = await outbox.enqueue(
                session, clock, chat_id=ANNA, kind="test", message="Once", dedupe_key="once"
            )
            inserted.set()
            await asyncio.sleep(0.3)
            return row

    async def second() -> tuple[OutboxMessage | None, OutboxMessage | None]:
        await inserted.wait()
        async with services.db.transaction() as session:
            again = await outbox.enqueue(
                session, clock, chat_id=ANNA, kind="test", message="Once", dedupe_key="once"
            )
            other = await outbox.enqueue(
                session, clock, chat_id=ANNA, kind="test", message="Other", dedupe_key="other"
            )
            return again, other

    stored, (again, other) = await asyncio.gather(first(), second())
    assert stored is not None
    assert again is None
    assert other is not None
    async with services.db.transaction() as session:
        keys = list(await session.scalars(select(OutboxMessage.dedupe_key)))
    assert sorted(keys) == ["once", "other"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_chat_half_taken_by_another_process_at_that_moment_is_left_to_it(
    services: Services, clock: ManualClock, double: BotApiDouble, bot: Bot
) -> None:
    """Two claims at once lock rows one by one: one may get a chat's first row and the other
    its second. Neither then sends to that chat, so it never gets two messages in a second."""
    async with services.db.transaction() as session:
        for chat, number in ((ANNA, 0), (ANNA, 1), (SARA, 0)):
            await outbox.enqueue(
                session,
                clock,
                chat_id=chat,
                kind="test",
                message=f"{chat}:{number}",
                dedupe_key=f"{chat}:{number}",
                due_at=clock.now() - timedelta(minutes=1),
            )
    other_process = await services.db.engine.connect()
    transaction = await other_process.begin()
    await other_process.execute(  # the other claim, in the middle of locking
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == f"{ANNA}:1").with_for_update()
    )
    try:
        claimed = await Dispatcher(services, bot).claim()
        assert [(row.chat_id) for row in claimed] == [SARA]
    finally:
        await transaction.rollback()
        await other_process.close()
    again = Dispatcher(services, bot)
    assert await again.tick() == 2  # nobody holds it now: both rows, a second apart
    assert texts(double, ANNA) == [f"{ANNA}:0", f"{ANNA}:1"]


async def six_due_rows(services: Services, clock: ManualClock) -> None:
    """Six rows due a minute ago, each in a chat of its own, for batches of two."""
    async with services.db.transaction() as session:
        for number in range(6):
            await outbox.enqueue(
                session,
                clock,
                chat_id=60_000 + number,
                kind="test",
                message=f"Row {number}",
                dedupe_key=f"row:{number}",
                due_at=clock.now() - timedelta(minutes=1),
            )


async def test_the_next_batch_is_claimed_while_the_last_rows_of_one_go_out(
    services: Services,
    clock: ManualClock,
    double: BotApiDouble,
    bot: Bot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Claimed only after the batch before it was sent, each batch began with a pause in the
    pace; claimed as soon as one starts, a process that dies would hold two batches until
    their lease runs out."""
    await six_due_rows(services, clock)
    monkeypatch.setattr(dispatcher_module, "CLAIM_AHEAD", 1)
    worker = Dispatcher(services, bot, batch_size=2)
    gate = asyncio.Semaphore(0)
    deliver = worker._deliver

    async def held(row: dispatcher_module.Claimed) -> bool:
        await gate.acquire()
        return await deliver(row)

    monkeypatch.setattr(worker, "_deliver", held)

    async def claimed() -> int:
        async with services.db.transaction() as session:
            rows = await session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.CLAIMED)
            )
            return len(list(rows))

    async def until_claimed(count: int) -> None:
        for _ in range(500):
            if await claimed() == count:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # one more claim, if there were one, would be in by now
        assert await claimed() == count

    draining = asyncio.create_task(worker.drain())
    await until_claimed(2)  # both rows of the first batch still to go: nothing claimed ahead
    gate.release()
    await until_claimed(3)  # one left to go: the next two are claimed beside it
    assert [c.status for c in double.calls_of("sendMessage")] == [200]
    for _ in range(5):
        gate.release()
    assert await asyncio.wait_for(draining, 10) == 6
    sent = sorted(texts(double, 60_000 + n)[0] for n in range(6))
    assert sent == [f"Row {n}" for n in range(6)]


async def test_nothing_more_is_claimed_after_a_batch_fails(
    services: Services,
    clock: ManualClock,
    bot: Bot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rows of a batch that failed wait for their lease; the next batch, claimed ahead,
    would wait with them, though the next tick could send it."""
    await six_due_rows(services, clock)
    monkeypatch.setattr(dispatcher_module, "CLAIM_AHEAD", 1)
    worker = Dispatcher(services, bot, batch_size=2)

    async def broken(row: dispatcher_module.Claimed) -> bool:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(worker, "_deliver", broken)
    with pytest.raises(RuntimeError):
        await worker.drain()
    async with services.db.transaction() as session:
        statuses = Counter((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == {OutboxStatus.CLAIMED: 2, OutboxStatus.PENDING: 4}
