"""Webhook mode: the test double posts updates to the bot's own web server, with a secret;
without a long secret the bot does not start, and a bad body gets a 400, not a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.chat.turn import Services
from bot.platform.config import Mode, Settings
from bot.runner import serve

SECRET = "k3Y-" + "0123456789abcdef" * 2


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
            "webhook_secret": SecretStr(SECRET),
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
        assert reply.button_texts == ["✓ Svenska", "English", "العربية"]
        chosen = await anna.click("English")
        assert chosen is not None
        assert chosen.text.startswith("I will write in English")
        assert not double.calls_of("getUpdates")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


@pytest.mark.parametrize("secret", [None, "short-secret", "x" * 31, "not allowed: spaces" * 3])
def test_webhook_mode_does_not_start_without_a_long_secret(
    tmp_path: Path, secret: str | None
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SAMORDNA_MODE": "webhook",
        "SAMORDNA_WEBHOOK_URL": "https://bot.example.org/telegram",
        "SAMORDNA_TELEGRAM_TOKEN": "123456:TEST-TOKEN",
    }
    if secret is not None:
        env["SAMORDNA_WEBHOOK_SECRET"] = secret
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("samordna: SAMORDNA_WEBHOOK_SECRET: ")
    assert "at least 32 characters" in lines[0]


@pytest.fixture
async def hooked_port(settings: Settings, services: Services, double) -> AsyncIterator[int]:
    """The bot in webhook mode, on a free port; yields the port."""
    port = _free_port()
    hooked = settings.model_copy(
        update={
            "mode": Mode.WEBHOOK,
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
            "webhook_secret": SecretStr(SECRET),
        }
    )
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def on_ready(_app: object, _services: Services) -> None:
        ready.set()

    task = asyncio.create_task(serve(hooked, stop, services=services, on_ready=on_ready))
    try:
        await asyncio.wait_for(ready.wait(), timeout=20)
        yield port
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


BAD_BODIES = {
    "a JSON list": b"[]",
    "not JSON": b"this is not json",
    "not UTF-8": b"\xff\xfe{",
    "deeply nested": b"[" * 100_000,
    "an object without update_id": b"{}",
    "an update_id that is text": b'{"update_id": "7"}',
    "a message that is not an object": b'{"update_id": 7, "message": "hello"}',
    "larger than 1 MiB": json.dumps({"update_id": 7, "pad": "x" * (1024 * 1024)}).encode(),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_a_bad_body_gets_400_and_one_line_without_traceback(
    hooked_port: int, body: bytes, caplog: pytest.LogCaptureFixture, double
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"http://127.0.0.1:{hooked_port}/telegram",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
            },
        )
    assert response.status_code == 400
    refused = [r for r in caplog.records if "webhook request refused" in r.getMessage()]
    assert len(refused) == 1
    assert refused[0].levelno == logging.WARNING
    assert all(r.exc_info is None for r in caplog.records)
    assert all(r.levelno < logging.ERROR for r in caplog.records)
    # The bot still works for the real Telegram afterwards.
    anna = double.user(1001, language_code="en")
    assert (await anna.say("/start")).text == "Which language do you want me to use?"


async def test_a_wrong_secret_is_refused_whatever_the_body(hooked_port: int) -> None:
    update = {"update_id": 99, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}
    async with httpx.AsyncClient() as client:
        for secret in ("", SECRET[:-1] + "X", SECRET + "X"):
            response = await client.post(
                f"http://127.0.0.1:{hooked_port}/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": secret},
            )
            assert response.status_code == 403
