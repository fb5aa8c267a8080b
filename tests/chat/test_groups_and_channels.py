"""Groups and channels: nothing is said in a channel, a group is answered once, and the bot
leaves both; a refused answer is one log line, not a traceback."""

from __future__ import annotations

import logging

import pytest

from bot.bot_api_double import BotApiDouble, Fault
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
