"""/metrics after real traffic: updates by kind, handling time, sends by result, the queue
depths, consent events counted once committed; and no Telegram id or name in any of it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert
from telegram.error import NetworkError, TelegramError, TimedOut

from bot.chat.turn import Services
from bot.models import OutboxMessage, OutboxStatus
from bot.ops import consent_counts
from bot.outbox.dispatcher import send_failure
from bot.platform import events, metrics
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from tests.ops.support import serving, with_ops

PERSON = 987_654_321
BLOCKED = 876_543_219
NAME = "Ingegerd"
SURNAME = "Wallenbrink"
FIXED = {
    "kind": set(metrics.UPDATE_KINDS),
    "result": set(metrics.SEND_RESULTS),
    "event": set(metrics.CONSENT_EVENTS),
    "le": None,  # histogram bucket bounds
}


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(ops: httpx.AsyncClient) -> tuple[str, Samples]:
    answer = await ops.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    return answer.text, samples(answer.text)


async def _due_rows(services: Services, clock: ManualClock, chats: list[int]) -> None:
    async with services.db.transaction() as session:
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "chat_id": chat,
                    "kind": "test",
                    "message": "A reminder",
                    "params": {},
                    "due_at": clock.now() - timedelta(seconds=5),
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "dedupe_key": f"metrics:{chat}",
                    "created_at": clock.now(),
                }
                for chat in chats
            ],
        )


def delta(after: Samples, before: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return float(after.get(key, 0.0) - before.get(key, 0.0))


async def test_metrics_after_traffic_count_what_happened_and_name_no_one(
    settings: Settings, services: Services, double, clock: ManualClock
) -> None:
    person = double.user(PERSON, NAME, last_name=SURNAME, username="ingegerd_w", language_code="sv")
    blocked = double.user(BLOCKED, "Blocked", language_code="sv")
    blocked.block()
    config = with_ops(settings.model_copy(update={"dispatch_interval": 0.1}))
    async with serving(config, services) as ops:
        _, before = await scrape(ops)
        await person.say("/start")
        await person.click("English")
        await _due_rows(services, clock, [PERSON, BLOCKED])
        await double.wait_until(
            lambda: (
                any(c.params.get("chat_id") == BLOCKED for c in double.calls_of("sendMessage"))
                and any(
                    c.params.get("text") == "A reminder" for c in double.calls_of("sendMessage")
                )
            ),
            timeout=20,
        )
        await asyncio.sleep(0.3)  # the send is counted when its answer is read
        text, after = await scrape(ops)

    assert delta(after, before, "samordna_updates_handled_total", kind="message") >= 1
    assert delta(after, before, "samordna_updates_handled_total", kind="callback") >= 1
    assert delta(after, before, "samordna_handler_seconds_count", kind="callback") >= 1
    assert delta(after, before, "samordna_outbox_sends_total", result="ok") >= 1
    assert delta(after, before, "samordna_outbox_sends_total", result="403") == 1
    for gauge in (
        "samordna_inbox_depth",
        "samordna_outbox_due",
        "samordna_outbox_scheduled",
        "samordna_outbox_oldest_due_age_seconds",
    ):
        assert (gauge, ()) in after
    assert "process_cpu_seconds_total" in text

    for secret in (str(PERSON), str(BLOCKED), NAME, SURNAME, "ingegerd_w", "A reminder"):
        assert secret not in text
    for (name, labels), _value in after.items():
        if not name.startswith("samordna_"):
            continue
        for label, value in labels:
            allowed = FIXED[label]
            assert allowed is None or value in allowed, (name, label, value)


async def test_consent_events_are_counted_only_when_their_change_commits(
    services: Services, clock: ManualClock
) -> None:
    def count(event: str) -> float:
        return float(metrics.CONSENT.labels(event)._value.get())

    given, withdrawn = count("given"), count("withdrawn")
    async with services.db.transaction() as session:
        await consent_counts.consent_given(events.Event(events.CONSENT_GIVEN, session, clock, {}))
    try:
        async with services.db.transaction() as session:
            await consent_counts.consent_withdrawn(
                events.Event(events.CONSENT_WITHDRAWN, session, clock, {})
            )
            raise RuntimeError("the update failed after the withdrawal")
    except RuntimeError:
        pass
    assert count("given") == given + 1
    assert count("withdrawn") == withdrawn


async def test_a_new_consent_that_differs_from_the_old_counts_as_given_not_changed(
    services: Services, clock: ManualClock
) -> None:
    def count(event: str) -> float:
        return float(metrics.CONSENT.labels(event)._value.get())

    changed = count("changed")
    data = {"part": "reminders", "given": False}
    async with services.db.transaction() as session:
        await consent_counts.consent_changed(
            events.Event(events.CONSENT_CHANGED, session, clock, {**data, "renewed": True})
        )
    assert count("changed") == changed
    async with services.db.transaction() as session:
        await consent_counts.consent_changed(
            events.Event(events.CONSENT_CHANGED, session, clock, data)
        )
    assert count("changed") == changed + 1


def _caused(error: TelegramError, cause: BaseException) -> TelegramError:
    error.__cause__ = cause
    return error


def test_failed_sends_are_told_apart_for_the_metrics() -> None:
    assert send_failure(TimedOut()) == "timeout"
    assert send_failure(NetworkError("Bad Gateway")) == "5xx"
    dropped = _caused(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("x"))
    assert send_failure(dropped) == "network"
    assert send_failure(TelegramError("something new")) == "other"
