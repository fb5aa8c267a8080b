"""The inbox: an update is committed before Telegram hears it arrived, kept encrypted, handled
once, and deleted a short while after."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from telegram import Bot, Message, Update

from bot.bot_api_double import BotApiDouble
from bot.chat import inbox_store
from bot.chat.inbox_store import Received
from bot.chat.turn import Services
from bot.inbox import purge_job
from bot.inbox.intake import ChatKeys, Deliver
from bot.inbox.polling import Poller
from bot.inbox.webhook import WebhookReceiver
from bot.inbox.worker import for_handlers
from bot.models.inbox import InboxUpdate
from bot.platform.crypto import Cipher
from bot.platform.db import Database
from tests.conftest import RunningBot

ANNA = 4_815_162_342
SECRET = "a-webhook-secret-of-at-least-32-chars"


async def test_an_update_is_kept_encrypted_then_deleted_after_handling(
    running_bot: RunningBot,
) -> None:
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say("/start")
    await anna.say("Tigrinska please")
    services = running_bot.services
    async with services.db.transaction() as session:
        rows = list(await session.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id)))
        raw = " ".join(
            str(v) for v in (await session.execute(text("SELECT * FROM inbox_updates"))).all()
        )
    assert [r.payload["message"]["text"] for r in rows] == ["/start", "Tigrinska please"]
    assert all(r.handled_at is not None for r in rows)
    assert "Tigrinska" not in raw and str(ANNA) not in raw

    await purge_job(services)
    async with services.db.transaction() as session:
        assert len(list(await session.scalars(select(InboxUpdate)))) == 2
    running_bot.clock.advance(timedelta(hours=1, minutes=1))
    await purge_job(services)
    async with services.db.transaction() as session:
        assert list(await session.scalars(select(InboxUpdate))) == []


def _update(update_id: int, words: str) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": 1_772_442_000,
                "chat": {"id": ANNA, "type": "private", "first_name": "Anna"},
                "from": {"id": ANNA, "is_bot": False, "first_name": "Anna"},
                "text": words,
            },
        }
    ).encode()


def _storing(services: Services, stored: list[int]) -> Deliver:
    """Stores as the worker does, without handling; notes what was stored."""

    async def deliver(received: Sequence[Received]) -> None:
        await inbox_store.store(services.db, received, services.clock.now())
        stored.extend(r.update_id for r in received)

    return deliver


async def test_the_webhook_says_200_only_once_the_update_is_stored(
    services: Services, tmp_path: Path
) -> None:
    stored: list[int] = []
    keys = ChatKeys(services.settings.resolved_key_file)
    bot = Bot("123:TEST")
    receiver = WebhookReceiver(
        bot, services, keys, _storing(services, stored), path="/telegram", secret=SECRET
    )
    assert await receiver.receive(_update(7, "hello"), SECRET) == 200
    assert stored == [7]
    async with services.db.transaction() as session:
        row = await session.get(InboxUpdate, 7)
    assert row is not None and row.handled_at is None

    assert await receiver.receive(_update(8, "hello"), "wrong") == 403
    assert await receiver.receive(b"[]", SECRET) == 400
    assert await receiver.receive(b"not json", SECRET) == 400
    assert await receiver.receive(b'{"no": "update_id"}', SECRET) == 400
    assert await receiver.receive(b" " * (1024 * 1024 + 1), SECRET) == 400

    broken = Services(
        services.settings,
        Database(
            f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}",
            cipher=Cipher.from_key_file(services.settings.resolved_key_file),
        ),
        services.clock,
        services.engine,
        services.wiring,
    )
    failing = WebhookReceiver(
        bot, broken, keys, _storing(broken, stored), path="/telegram", secret=SECRET
    )
    assert await failing.receive(_update(9, "hello"), SECRET) == 503
    assert stored == [7]
    await broken.db.dispose()


async def test_polling_moves_the_offset_only_after_the_commit(
    services: Services, double: BotApiDouble, tmp_path: Path
) -> None:
    keys = ChatKeys(services.settings.resolved_key_file)
    anna = double.user(ANNA, language_code="en")
    first = anna.send("hello")
    broken = Services(
        services.settings,
        Database(
            f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}",
            cipher=Cipher.from_key_file(services.settings.resolved_key_file),
        ),
        services.clock,
        services.engine,
        services.wiring,
    )
    async with Bot(double.token, base_url=double.base_url) as bot:
        failing = Poller(bot, broken, keys, _storing(broken, []), timeout=0)
        with pytest.raises(OperationalError):  # the write fails: the update stays at Telegram
            await failing.poll_once()
        await broken.db.dispose()
        assert failing.offset is None
        assert double.pending_updates == 1

        poller = Poller(bot, services, keys, _storing(services, []), timeout=0)
        assert await poller.poll_once() == 1
        assert poller.offset == first + 1
        await poller.poll_once()
        assert double.pending_updates == 0
    async with services.db.transaction() as session:
        assert await session.get(InboxUpdate, first) is not None


def _chat(chat_id: int) -> dict[str, object]:
    return {"id": chat_id, "type": "private", "first_name": "Anna"}


def _message(chat_id: int, **extra: object) -> dict[str, object]:
    return {"message_id": 7, "date": 1_772_442_000, "chat": _chat(chat_id), **extra}


def test_a_persons_messages_and_presses_wait_for_each_other_however_they_are_read(
    services: Services,
) -> None:
    """The chat of a message or a press is read from the JSON; it must be the chat
    python-telegram-bot would name, or one person's updates could be handled out of order."""
    keys = ChatKeys(services.settings.resolved_key_file)
    bot = Bot("123:TEST")
    person = {"id": ANNA, "is_bot": False, "first_name": "Anna"}
    press = {"id": "1", "from": person, "chat_instance": "1", "data": "f:1:n:o0"}
    payloads: list[dict[str, object]] = [
        {"update_id": 1, "message": _message(ANNA, text="hello", **{"from": person})},
        {"update_id": 2, "callback_query": {**press, "message": _message(ANNA)}},
        {"update_id": 3, "callback_query": {**press, "message": _message(-100)}},
        {"update_id": 4, "callback_query": {**press, "inline_message_id": "x"}},
        {"update_id": 5, "edited_message": _message(ANNA, text="hi", edit_date=1_772_442_001)},
        {"update_id": 6, "message": _message(ANNA), "edited_message": _message(-100)},
        {"update_id": 7, "callback_query": {**press, "message": None}},
    ]
    for payload in payloads:
        expected = keys.of(Update.de_json(payload, bot))
        assert keys.from_json(payload, bot).chat_key == expected, payload["update_id"]
    anna = keys.of(Update.de_json(payloads[0], bot))
    assert [keys.from_json(p, bot).chat_key == anna for p in payloads[:5]] == [
        True,
        True,
        False,
        True,
        True,
    ]


def test_a_press_reaches_the_handlers_with_its_button_chat_and_message_to_edit() -> None:
    """The pressed message's keyboard is left out of what the handlers get, nothing else."""
    keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": "f:1:n:o0"}]]}
    person = {"id": ANNA, "is_bot": False, "first_name": "Anna"}
    press = {
        "update_id": 9,
        "callback_query": {
            "id": "1",
            "from": person,
            "chat_instance": "1",
            "data": "f:1:n:o0",
            "message": _message(ANNA, text="Kommer du?", reply_markup=keyboard),
        },
    }
    stored = json.loads(json.dumps(press))

    update = Update.de_json(for_handlers(press), Bot("123:TEST"))

    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    assert (query.data, query.message.chat.id, query.message.message_id) == ("f:1:n:o0", ANNA, 7)
    assert query.message.text == "Kommer du?"
    assert press == stored
