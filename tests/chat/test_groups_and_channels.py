"""Groups and channels: nothing is said in a channel, a group is answered once, and the bot
leaves both; a refused answer is one log line, not a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from bot.bot_api_double import BotApiDouble, Fault
from bot.chat.turn import Services
from bot.platform.config import Settings
from bot.runner import serve
from tests.conftest import RunningBot

ANNA = 1001
GROUP = -100777
CHANNEL = -1001234567
ONLY_PRIVATE_SV = "Jag fungerar bara i privata chattar. Skriv direkt till mig."


def sent_to(double: BotApiDouble, chat_id: int) -> list[str]:
    """Texts the bot got into a chat (refused sends are not there)."""
    return [
        str(call.params.get("text"))
        for call in double.calls_of("sendMessage")
        if call.chat_id == chat_id and call.status == 200
    ]


async def round_trip(running_bot: RunningBot) -> None:
    """A private exchange: updates sent before it have been handled by the time it returns."""
    anna = running_bot.double.user(ANNA, language_code="sv")
    await anna.say("/help")


async def test_a_channel_gets_no_answer_and_the_bot_leaves(running_bot: RunningBot) -> None:
    double = running_bot.double
    post = double.channel_post(CHANNEL, "Välkomna till kanalen!")
    await double.wait_until(lambda: double.has_left(CHANNEL), what="the bot to leave the channel")
    double.edit_channel_post(CHANNEL, post, "Välkomna till vår kanal!")
    await round_trip(running_bot)
    assert sent_to(double, CHANNEL) == []
    assert [c.method for c in double.calls if c.chat_id == CHANNEL] == ["leaveChat"]


async def test_a_group_is_answered_once_and_left(running_bot: RunningBot) -> None:
    double = running_bot.double
    anna = double.user(ANNA, language_code="sv")
    anna.send_in_group("/start", group_id=GROUP)
    await double.wait_until(lambda: double.has_left(GROUP), what="the bot to leave the group")
    anna.send_in_group("/help", group_id=GROUP)
    await round_trip(running_bot)
    assert sent_to(double, GROUP) == [ONLY_PRIVATE_SV]
    assert [c.method for c in double.calls if c.chat_id == GROUP] == ["sendMessage", "leaveChat"]


async def test_a_refused_group_answer_is_one_line_without_traceback(
    running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    double = running_bot.double
    double.inject(
        Fault(
            method="sendMessage",
            status=400,
            description="Bad Request: chat not found",
            chat_id=GROUP,
        )
    )
    caplog.set_level(logging.INFO)
    anna = double.user(ANNA, language_code="sv")
    anna.send_in_group("Hej alla", group_id=GROUP)
    await double.wait_until(lambda: double.has_left(GROUP), what="the bot to leave the group")
    await round_trip(running_bot)
    about_group = [r for r in caplog.records if "chat not found" in r.getMessage().lower()]
    assert len(about_group) == 1
    assert about_group[0].levelno == logging.WARNING
    assert "\n" not in about_group[0].getMessage()
    assert [r for r in caplog.records if r.exc_info is not None] == []
    assert sent_to(double, GROUP) == []


@contextlib.asynccontextmanager
async def bot_process(settings: Settings, services: Services) -> AsyncIterator[None]:
    """One run of the bot: what it remembers in memory is gone when it stops."""
    stop, ready = asyncio.Event(), asyncio.Event()

    async def on_ready(_app: object, _services: Services) -> None:
        ready.set()

    task = asyncio.create_task(serve(settings, stop, services=services, on_ready=on_ready))
    await asyncio.wait_for(ready.wait(), timeout=20)
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def test_a_group_message_handled_again_after_a_restart_is_not_answered_twice(
    settings: Settings, services: Services, double: BotApiDouble
) -> None:
    """The bot answered the group but is still in it (its process died before it left, or
    leaving failed); the same update comes again to the next process."""
    anna = double.user(ANNA, language_code="sv")
    double.inject(
        Fault(method="leaveChat", status=400, description="Bad Request: try later", chat_id=GROUP)
    )
    async with bot_process(settings, services):
        update_id = anna.send_in_group("Hej alla", group_id=GROUP)
        await double.wait_until(
            lambda: any(c.method == "leaveChat" for c in double.calls if c.chat_id == GROUP),
            what="the bot to try to leave the group",
        )
    assert sent_to(double, GROUP) == [ONLY_PRIVATE_SV]

    async with bot_process(settings, services):
        double.redeliver_update(update_id)
        await double.wait_until(lambda: double.has_left(GROUP), what="the bot to leave")
    assert sent_to(double, GROUP) == [ONLY_PRIVATE_SV]
