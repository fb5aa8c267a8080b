"""The Bot API test double, checked against the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.bot_api_double import BotApiDouble, Fault, UserHandle
from bot.demo.console import run_console

# PTB warns on RetryAfter.retry_after about a future type change; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ANNA = 1001
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble() as server:
        yield server


@pytest.fixture
async def bot(api: BotApiDouble) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


def _menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("English", callback_data="lang:en")],
            [InlineKeyboardButton("Svenska", callback_data="lang:sv")],
        ]
    )


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Which language?", reply_markup=_menu())


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"You said: {update.effective_message.text}")


async def _choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.edit_message_text(f"Chosen: {query.data}")
    await query.answer("Saved")


def _application(api: BotApiDouble) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_choose))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


@pytest.fixture
async def polling_app(api: BotApiDouble) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = _application(api)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    yield app
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --------------------------------------------------------------------- polling round trips


async def test_command_and_reply_round_trip_through_polling(
    api: BotApiDouble,
    polling_app: Application,  # type: ignore[type-arg]
) -> None:
    anna = api.user(ANNA, first_name="Anna", language_code="sv")
    reply = await anna.say("/start")
    assert reply.text == "Which language?"
    assert reply.button_texts == ["English", "Svenska"]
    echoed = await anna.say("hej där")
    assert echoed.text == "You said: hej där"
    assert [m.text for m in anna.messages] == ["Which language?", "You said: hej där"]
    assert api.calls_of("sendmessage")[0].chat_id == ANNA


async def test_click_returns_after_the_callback_answer(
    api: BotApiDouble,
    polling_app: Application,  # type: ignore[type-arg]
) -> None:
    anna = api.user(ANNA, first_name="Anna")
    await anna.say("/start")
    edited = await anna.click("Svenska")
    assert edited is not None
    assert edited.text == "Chosen: lang:sv"
    assert edited.edits == 1 and edited.buttons == []
    # The answer is stored before the call is logged, so wait for the log rather than race it.
    await api.wait_until(lambda: bool(api.calls_of("answerCallbackQuery")), what="the answer log")
    assert anna.callback_answer(api.calls_of("answerCallbackQuery")[0].params["callback_query_id"])
    assert await anna.click_data("lang:forged", edited.message_id) == "Saved"


async def test_pressing_a_missing_button_lists_the_available_ones(
    api: BotApiDouble, bot: Bot
) -> None:
    anna = api.user(ANNA)
    await bot.send_message(ANNA, "Pick", reply_markup=_menu())
    with pytest.raises(AssertionError, match=r"\[English\] \[Svenska\]"):
        anna.press("Deutsch")
    assert anna.press("Engl")  # a unique partial label is accepted


async def test_say_times_out_with_the_transcript(api: BotApiDouble) -> None:
    anna = api.user(ANNA, first_name="Anna")
    with pytest.raises(AssertionError, match="Anna: anyone there"):
        await anna.say("anyone there", timeout=0.05)


# --------------------------------------------------------------------- Telegram semantics


async def test_editing_without_changes_is_not_modified(api: BotApiDouble, bot: Bot) -> None:
    api.user(ANNA)
    sent = await bot.send_message(ANNA, "Same", reply_markup=_menu())
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Same", ANNA, sent.message_id, reply_markup=_menu())
    edited = await bot.edit_message_text("Same", ANNA, sent.message_id)
    assert isinstance(edited, object)
    assert api.user(ANNA).last is not None
    assert api.user(ANNA).messages[0].buttons == []  # no reply_markup removes the keyboard


async def test_parse_errors_are_reported_like_telegram(api: BotApiDouble, bot: Bot) -> None:
    api.user(ANNA)
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(ANNA, "a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(ANNA, "Done.", parse_mode="MarkdownV2")
    await bot.send_message(ANNA, "<b>Hi</b> &lt;3", parse_mode="HTML")
    last = api.user(ANNA).last
    assert last is not None and last.text == "Hi <3" and last.raw_text == "<b>Hi</b> &lt;3"


async def test_unconfirmed_updates_are_delivered_again(api: BotApiDouble, bot: Bot) -> None:
    anna = api.user(ANNA)
    first = anna.send("one")
    anna.send("two")
    assert [u.update_id for u in await bot.get_updates()] == [first, first + 1]
    assert [u.update_id for u in await bot.get_updates()] == [first, first + 1]
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [first + 1]
    assert await bot.get_updates(offset=first + 2) == ()
    assert api.redeliver_update(first) == first
    assert [u.update_id for u in await bot.get_updates(offset=first + 2)] == [first]
    assert await bot.get_updates(offset=first + 2) == ()


async def test_long_poll_answers_as_soon_as_an_update_arrives(api: BotApiDouble, bot: Bot) -> None:
    anna = api.user(ANNA)
    asyncio.get_running_loop().call_later(0.1, anna.send, "late")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert time.monotonic() - started < 2


async def test_commands_are_recorded_per_language(api: BotApiDouble, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Begin"), ("help", "Help")])
    await bot.set_my_commands([("start", "Börja")], language_code="sv")
    assert api.commands == {"": [("start", "Begin"), ("help", "Help")], "sv": [("start", "Börja")]}
    assert [c.command for c in await bot.get_my_commands(language_code="sv")] == ["start"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start", "Uppercase is refused")])


# --------------------------------------------------------------------- webhooks


async def _webhook_app(api: BotApiDouble, port: int, secret: str) -> Application:  # type: ignore[type-arg]
    app = _application(api)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token=secret,
    )
    return app


async def _stop(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_webhook_mode_delivers_updates(api: BotApiDouble, bot: Bot) -> None:
    port = _free_port()
    app = await _webhook_app(api, port, "s3cret")
    try:
        assert api.webhook_url == f"http://127.0.0.1:{port}/hook"
        anna = api.user(ANNA)
        reply = await anna.say("/start")
        assert reply.text == "Which language?"
        assert (await anna.click("English")) is not None
        with pytest.raises(Exception, match=r"(?i)webhook is active"):
            await bot.get_updates()
    finally:
        await _stop(app)
    await bot.delete_webhook()
    assert api.webhook_url is None


async def test_webhook_with_a_wrong_secret_is_rejected_and_retried(
    api: BotApiDouble, bot: Bot
) -> None:
    port = _free_port()
    app = await _webhook_app(api, port, "s3cret")
    try:
        url = f"http://127.0.0.1:{port}/hook"
        await bot.set_webhook(url, secret_token="wrong")
        anna = api.user(ANNA)
        anna.send("/start")
        await api.wait_until(lambda: api.stats["webhook_failures"] >= 2, what="rejected deliveries")
        assert anna.messages == []
        assert "403" in api.webhook_info()["last_error_message"]
        await bot.set_webhook(url, secret_token="s3cret")
        await api.wait_until(lambda: anna.last is not None, what="delivery after the fix")
    finally:
        await _stop(app)


async def test_deleting_the_webhook_hands_undelivered_updates_to_get_updates(
    api: BotApiDouble, bot: Bot
) -> None:
    await bot.set_webhook(f"http://127.0.0.1:{_free_port()}/nobody-listens")
    update_id = api.user(ANNA).send("hello")
    await api.wait_until(lambda: api.stats["webhook_failures"] >= 1, what="a failed delivery")
    assert "Connection failed" in api.webhook_info()["last_error_message"]
    await bot.delete_webhook()
    assert [u.update_id for u in await bot.get_updates()] == [update_id]


async def test_a_redelivered_press_keeps_its_ids_and_can_be_answered_again(
    api: BotApiDouble, bot: Bot
) -> None:
    anna = api.user(ANNA)
    await bot.send_message(ANNA, "Pick", reply_markup=_menu())
    query_id = anna.press("English")
    (first,) = await bot.get_updates()
    assert first.callback_query is not None and first.callback_query.data == "lang:en"
    await first.callback_query.answer("one")
    assert api.redeliver(query_id) == query_id
    assert anna.callback_answer(query_id) is None
    (again,) = await bot.get_updates(offset=first.update_id + 1)
    assert again.update_id == first.update_id
    assert again.callback_query is not None and again.callback_query.id == query_id
    await again.callback_query.answer("two")
    assert anna.callback_answer(query_id) == {"text": "two", "show_alert": False}
    assert await bot.get_updates(offset=first.update_id + 1) == ()


async def test_json_bodies_bad_tokens_and_unknown_methods(api: BotApiDouble) -> None:
    api.user(ANNA)
    async with httpx.AsyncClient() as client:
        sent = await client.post(
            f"{api.base_url}{api.token}/SENDMESSAGE", json={"chat_id": ANNA, "text": "json"}
        )
        assert sent.json()["result"]["text"] == "json"
        assert (await client.post(f"{api.base_url}0:bad/getMe")).status_code == 401
        missing = await client.post(f"{api.base_url}{api.token}/noSuchMethod")
        assert missing.json()["description"] == "Not Found: method not found"
    wrong = Bot("0:bad", base_url=api.base_url)
    try:
        with pytest.raises(InvalidToken):
            await wrong.initialize()
    finally:
        await wrong.shutdown()


# --------------------------------------------------------------------- faults


async def test_429_raises_retry_after(api: BotApiDouble, bot: Bot) -> None:
    api.user(ANNA)
    api.inject(Fault(method="sendMessage", status=429, retry_after=3, times=1))
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ANNA, "hi")
    assert "Retry in 3 seconds" in str(caught.value)
    await bot.send_message(ANNA, "hi")  # times=1: the next call goes through
    assert [c.status for c in api.calls_of("sendMessage")] == [429, 200]
    assert api.stats["429"] == 1 and api.stats["sent"] == 1


async def test_server_errors_raise_network_error(api: BotApiDouble, bot: Bot) -> None:
    api.user(ANNA)
    api.inject(Fault(method="sendMessage", status=500, times=2))
    api.inject(Fault(method="*", status=502, chat_id=ANNA))
    for _ in range(3):
        with pytest.raises(NetworkError):
            await bot.send_message(ANNA, "hi")
    assert api.user(ANNA).messages == []
    await bot.send_message(ANNA, "hi")
    assert [c.status for c in api.calls_of("sendMessage")] == [500, 500, 502, 200]


async def test_a_held_request_times_out_without_blocking_others(api: BotApiDouble) -> None:
    api.user(ANNA)
    api.inject(Fault(method="sendMessage", timeout=3.0, times=1))
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(api.token, base_url=api.base_url, request=request) as slow:
        with pytest.raises((TimedOut, NetworkError)):
            await slow.send_message(ANNA, "hi")
        started = time.monotonic()
        await slow.send_message(ANNA, "again")
        assert time.monotonic() - started < 1.5  # the held one is held for another 2.8 s
    assert [c.status for c in api.calls_of("sendMessage")] == [0, 200]


async def test_blocked_user_is_forbidden(api: BotApiDouble, bot: Bot) -> None:
    anna = api.user(ANNA)
    anna.block()
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(ANNA, "hi")
    anna.unblock()
    await bot.send_message(ANNA, "hi")
    api.inject(Fault(method="sendMessage", status=403, chat_id=ANNA))
    with pytest.raises(Forbidden):
        await bot.send_message(ANNA, "hi")


async def test_unknown_groups_are_not_found_but_unknown_users_are_accepted(
    api: BotApiDouble, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-100123, "hi")
    await bot.send_message(5555, "a nudge to someone who never wrote")
    assert api.user(5555).last is not None


# --------------------------------------------------------------------- files


async def test_documents_and_photos_arrive_intact(api: BotApiDouble, bot: Bot) -> None:
    anna = api.user(ANNA)
    payload = bytes(range(256)) * 40
    sent = await bot.send_document(ANNA, payload, filename="möte.ics", caption="Kallelse")
    assert sent.document is not None and sent.document.file_size == len(payload)
    doc = anna.last
    assert doc is not None and doc.kind == "document"
    assert (doc.document, doc.filename, doc.text) == (payload, "möte.ics", "Kallelse")
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload
    await bot.send_photo(ANNA, PNG, filename="chart.png")
    photo = anna.last
    assert photo is not None and photo.kind == "photo" and photo.photo == PNG
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ANNA, b"<svg/>", filename="chart.svg")


# --------------------------------------------------------------------- limits


async def test_limits_refuse_a_second_message_to_one_chat_within_a_second(bot: Bot) -> None:
    with BotApiDouble(enforce_limits=True) as limited:
        async with Bot(limited.token, base_url=limited.base_url) as client:
            await client.send_message(ANNA, "one")
            with pytest.raises(RetryAfter):
                await client.send_message(ANNA, "two")
            await client.send_message(ANNA + 1, "another chat is fine")
        assert limited.stats["429"] == 1 and limited.stats["sent"] == 2


async def test_limits_refuse_the_31st_message_in_a_second() -> None:
    with BotApiDouble(enforce_limits=True) as limited:
        async with Bot(limited.token, base_url=limited.base_url) as client:
            results = await asyncio.gather(
                *(client.send_message(2000 + i, "hi") for i in range(31)),
                return_exceptions=True,
            )
        refused = [r for r in results if isinstance(r, RetryAfter)]
        assert len(refused) == 1
        assert limited.stats["sent"] == 30 and limited.stats["429"] == 1


# --------------------------------------------------------------------- terminal chat


async def test_console_renders_messages_and_presses_numbered_buttons(
    api: BotApiDouble,
    polling_app: Application,  # type: ignore[type-arg]
) -> None:
    user: UserHandle = api.user(ANNA, first_name="Anna")
    lines = iter(["/start", "2", "hello", "/quit"])
    output: list[str] = []

    async def read_line() -> str | None:
        return next(lines, None)

    await run_console(api, user, read_line=read_line, write=output.append, idle_wait=2.0)
    shown = "\n".join(output)
    assert "Which language?" in shown
    assert "[1] English" in shown and "[2] Svenska" in shown
    assert "(edited) Chosen: lang:sv" in shown
    assert "You said: hello" in shown
    assert output[0].startswith("Type a message")


def test_wait_until_sync_wakes_on_changes() -> None:
    with BotApiDouble() as server:
        anna = server.user(ANNA)
        timer = threading.Timer(0.05, anna.send, args=("hi",))
        timer.start()
        server.wait_until_sync(lambda: server.pending_updates == 1, timeout=2, what="an update")
        timer.join()
        with pytest.raises(AssertionError, match="nothing"):
            server.wait_until_sync(lambda: False, timeout=0.05, what="nothing")


# --------------------------------------------------------------------- across runs


async def test_a_new_double_numbers_updates_above_what_the_bot_has_seen() -> None:
    """A bot whose database outlived the last double ignores an update id it has handled;
    told the highest one, a fresh double never repeats it."""
    with BotApiDouble() as first:
        seen = [first.user(ANNA).send(f"hello {n}") for n in range(3)]
    with BotApiDouble() as second:
        second.continue_update_ids_after(max(seen))
        again = second.user(ANNA).send("hello again")
        async with Bot(second.token, base_url=second.base_url) as client:
            [update] = await client.get_updates()
    assert seen == [1, 2, 3]
    assert again == update.update_id == 4


async def test_the_conversation_holds_both_sides_and_a_press_gets_its_toast(
    api: BotApiDouble,
    polling_app: Application,  # type: ignore[type-arg]
) -> None:
    anna = api.user(ANNA, first_name="Anna")
    await anna.say("/start")
    await anna.say("hello")
    sides = [(type(line).__name__, line.text) for line in anna.conversation]
    assert sides == [
        ("UserLine", "/start"),
        ("SentMessage", "Which language?"),
        ("UserLine", "hello"),
        ("SentMessage", "You said: hello"),
    ]
    query = anna.press("Svenska")
    answer = await anna.answer_within(query, 5)
    assert answer is not None and answer["text"] == "Saved"
    assert await anna.answer_within(anna.press_data("nothing", 999), 0.2) is None


async def test_messages_are_dated_by_the_double_s_clock() -> None:
    with BotApiDouble(wall_clock=lambda: 1_800_000_000.0) as clocked:
        async with Bot(clocked.token, base_url=clocked.base_url) as client:
            sent = await client.send_message(ANNA, "hi")
    assert int(sent.date.timestamp()) == 1_800_000_000
    assert clocked.messages_in(ANNA)[0].date == 1_800_000_000
