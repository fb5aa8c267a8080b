"""The bot's HTTP client speaks to the Bot API as python-telegram-bot's own does: buttons,
files with their names, Telegram's refusals, and a connection that hangs or drops."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.bot_api_double import BotApiDouble, Fault
from bot.http_client import AiohttpRequest

ANNA = 1001


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble() as server:
        yield server


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    request = AiohttpRequest(read_timeout=0.5, write_timeout=0.5, connect_timeout=0.5)
    async with Bot(
        api.token, base_url=api.base_url, base_file_url=api.base_file_url, request=request
    ) as client:
        yield client


async def test_a_message_with_buttons_and_an_edit_reach_the_person(
    api: BotApiDouble, bot: Bot
) -> None:
    anna = api.user(ANNA)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja, gärna", callback_data="f:1:a:o0")]])
    sent = await bot.send_message(ANNA, "Vill du förbereda mötet?", reply_markup=markup)
    await bot.edit_message_text("Tack – åäö", ANNA, sent.message_id)
    assert anna.last is not None and anna.last.text == "Tack – åäö"
    query = anna.press_data("f:1:a:o0", sent.message_id)
    assert await bot.answer_callback_query(query, "Sparat")


async def test_a_document_arrives_with_its_name_and_caption(api: BotApiDouble, bot: Bot) -> None:
    anna = api.user(ANNA)
    payload = bytes(range(256)) * 8
    await bot.send_document(ANNA, payload, filename="möte.ics", caption="Kallelse")
    doc = anna.last
    assert doc is not None and doc.kind == "document"
    assert (doc.document, doc.filename, doc.text) == (payload, "möte.ics", "Kallelse")


async def test_telegram_refusals_and_broken_connections_keep_their_meaning(
    api: BotApiDouble, bot: Bot
) -> None:
    api.user(ANNA)
    with pytest.raises(BadRequest):
        await bot.edit_message_text("finns inte", ANNA, 999_999)
    api.inject(Fault("sendMessage", timeout=2.0))
    with pytest.raises(TimedOut):
        await bot.send_message(ANNA, "hänger")
    api.inject(Fault("sendMessage", timeout=0.01))
    with pytest.raises(NetworkError):
        await bot.send_message(ANNA, "bryts")
    assert (await bot.send_message(ANNA, "igen")).text == "igen"
