"""Webhook mode: the test double posts updates to the bot's own web server, with a secret."""

from __future__ import annotations

import asyncio
import socket

from pydantic import SecretStr

from bot.chat.turn import Services
from bot.platform.config import Mode, Settings
from bot.runner import serve


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_answers_like_polling(
    settings: Settings, services: Services, double
) -> None:
    port = _free_port()
    hooked = settings.model_copy(
        update={
            "mode": Mode.WEBHOOK,
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
            "webhook_secret": SecretStr("s3cret-token"),
        }
    )
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def on_ready(_app: object, _services: Services) -> None:
        ready.set()

    task = asyncio.create_task(serve(hooked, stop, services=services, on_ready=on_ready))
    try:
        await asyncio.wait_for(ready.wait(), timeout=20)
        assert double.webhook_url == f"http://127.0.0.1:{port}/telegram"
        anna = double.user(1001, language_code="sv")
        reply = await anna.say("/start")
        assert reply.button_texts == ["✓ Svenska", "English"]
        chosen = await anna.click("English")
        assert chosen is not None
        assert chosen.text.startswith("I will write in English")
        assert not double.calls_of("getUpdates")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
