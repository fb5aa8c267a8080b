"""A separate sender (``samordna outbox run``) has the operator's port too: its sends are
counted where they happen, and /readyz answers for it."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from bot.bot_api_double import BotApiDouble
from bot.chat.turn import Services
from bot.models import OutboxMessage, OutboxStatus
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from tests.ops.support import free_port
from tests.ops.test_metrics import samples
from tests.processes import Sender


async def test_a_sender_process_serves_health_and_counts_its_sends(
    settings: Settings, services: Services, double: BotApiDouble, tmp_path: Path
) -> None:
    now = SystemClock().now()
    async with services.db.transaction() as session:
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "chat_id": 400_000 + n,
                    "kind": "test",
                    "message": "Row",
                    "params": {},
                    "due_at": now - timedelta(seconds=5),
                    "status": OutboxStatus.PENDING,
                    "attempts": 0,
                    "dedupe_key": f"sender:{n}",
                    "created_at": now,
                }
                for n in range(5)
            ],
        )
    port = free_port()
    sender = Sender(settings, tmp_path / "sender.log", SAMORDNA_METRICS_PORT=str(port))
    sender.start()
    try:
        await double.wait_until(lambda: len(double.calls_of("sendMessage")) >= 5, timeout=30)
        found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as ops:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                found = samples((await ops.get("/metrics")).text)
                if found.get(("samordna_outbox_sends_total", (("result", "ok"),))) == 5:
                    break
                await asyncio.sleep(0.1)
            ready = await ops.get("/readyz")
    finally:
        sender.stop()
    assert found[("samordna_outbox_sends_total", (("result", "ok"),))] == 5, sender.tail()
    assert found[("samordna_outbox_due", ())] == 0
    assert ready.status_code == 200, ready.text
