"""Everything the fake Telegram remembers, behind one lock and free of I/O.

The HTTP server thread and the test (user) side mutate this concurrently, so every public
method takes the lock; listeners are called after the lock is released so they may hop
threads (``call_soon_threadsafe``) without risking deadlocks.

One concept: the fake Telegram's memory (chats, messages, updates, faults, limits).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.bot_api_double.records import (
    BLOCKED,
    JSON,
    ApiCall,
    ApiError,
    Fault,
    MessageKind,
    OutgoingMessage,
    SentMessage,
    StoredFile,
    UserLine,
    Webhook,
    buttons_from_markup,
)

# Update types Telegram leaves out unless they are asked for explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_RATE_LIMITED = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText"})
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass(slots=True)
class _User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass(slots=True)
class _Message:
    message_id: int
    date: int
    from_bot: bool
    sender_id: int | None
    kind: MessageKind
    text: str
    raw_text: str
    entities: list[JSON]
    parse_mode: str | None
    inline_keyboard: list[list[JSON]] | None
    reply_keyboard: list[list[str]] | None = None
    file: StoredFile | None = None
    reply_to: int | None = None
    edits: int = 0
    edit_date: int | None = None
    snapshot: SentMessage | None = None


@dataclass(slots=True)
class _Chat:
    id: int
    type: str
    title: str | None = None
    messages: dict[int, _Message] = field(default_factory=dict)
    next_message_id: int = 1
    events: list[SentMessage] = field(default_factory=list)
    transcript: deque[str] = field(default_factory=lambda: deque(maxlen=60))
    blocked: bool = False
    reply_keyboard: list[list[str]] | None = None
    deleted: set[int] = field(default_factory=set)
    left: bool = False


@dataclass(slots=True)
class _Query:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    update_id: int
    answer: JSON | None = None


@dataclass(slots=True)
class _Pending:
    update_id: int
    kind: str
    key: int
    payload: JSON


@dataclass(slots=True)
class _FaultSlot:
    fault: Fault
    remaining: int | None


class BotApiState:
    """Chats, messages, the update queue, faults and rate-limit accounting."""

    def __init__(
        self,
        token: str,
        bot_username: str,
        bot_name: str = "Samordna",
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.wall_clock = wall_clock  # message dates; the playground passes the bot's clock
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.enforce_limits = False
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)
        self._users: dict[int, _User] = {}
        self._chats: dict[int, _Chat] = {}
        self._queries: dict[str, _Query] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._updates: OrderedDict[int, _Pending] = OrderedDict()
        self._replays: list[_Pending] = []
        self._history: dict[int, _Pending] = {}
        self._handed_out: list[tuple[int, float]] = []
        self._allowed_updates: frozenset[str] | None = None
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._generations = itertools.count(1)
        self._faults: list[_FaultSlot] = []
        self._calls: list[ApiCall] = []
        self._stats: dict[str, int] = dict.fromkeys(
            (
                "calls",
                "sent",
                "edited",
                "deleted",
                "429",
                "faults",
                "updates",
                "callback_answers",
                "webhook_deliveries",
                "webhook_failures",
            ),
            0,
        )
        self._window: deque[float] = deque()
        self._chat_last_send: dict[int, float] = {}
        self._commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._webhook: Webhook | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._update_listeners: list[Callable[[int, int], None]] = []
        self._chat_listeners: dict[int, dict[int, Callable[[], None]]] = {}
        self._listener_ids = itertools.count(1)

    # ----------------------------------------------------------------- listeners

    def on_update(self, callback: Callable[[int, int], None]) -> None:
        """Call ``callback(update_id, key)`` after every queued update or webhook change."""
        with self._lock:
            self._update_listeners.append(callback)

    def subscribe_chat(self, chat_id: int, callback: Callable[[], None]) -> int:
        with self._lock:
            token = next(self._listener_ids)
            self._chat_listeners.setdefault(chat_id, {})[token] = callback
            return token

    def unsubscribe_chat(self, chat_id: int, token: int) -> None:
        with self._lock:
            listeners = self._chat_listeners.get(chat_id)
            if listeners is not None:
                listeners.pop(token, None)
                if not listeners:
                    del self._chat_listeners[chat_id]

    def _chat_changed(self, chat_id: int) -> list[Callable[[], None]]:
        self.changed.notify_all()
        return list(self._chat_listeners.get(chat_id, {}).values())

    @staticmethod
    def _fire(callbacks: Iterable[Callable[[], None]]) -> None:
        for callback in callbacks:
            callback()

    def _fire_update(self, update_id: int, key: int) -> None:
        with self._lock:
            listeners = list(self._update_listeners)
        for listener in listeners:
            listener(update_id, key)

    # ----------------------------------------------------------------- identities

    def bot_user_json(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def get_me(self) -> JSON:
        return {
            **self.bot_user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def register_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        with self._lock:
            self._users[user_id] = _User(user_id, first_name, last_name, username, language_code)
            self._chats.setdefault(user_id, _Chat(user_id, "private"))

    def ensure_group(self, group_id: int, title: str) -> None:
        with self._lock:
            chat = self._chats.setdefault(group_id, _Chat(group_id, "group", title))
            chat.title = title

    def ensure_channel(self, channel_id: int, title: str) -> None:
        with self._lock:
            chat = self._chats.setdefault(channel_id, _Chat(channel_id, "channel", title))
            chat.title = title

    def _user(self, user_id: int) -> _User:
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = _User(user_id, f"User {user_id}")
        return user

    def _chat_json(self, chat: _Chat) -> JSON:
        if chat.type == "private":
            user = self._user(chat.id)
            data: JSON = {"id": chat.id, "type": "private", "first_name": user.first_name}
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            return data
        return {"id": chat.id, "type": chat.type, "title": chat.title or str(chat.id)}

    def chat_info(self, chat_id: int) -> JSON:
        with self._lock:
            chat = self._known_chat(chat_id)
            return {
                **self._chat_json(chat),
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }

    def _known_chat(self, chat_id: int) -> _Chat:
        """Resolve a chat the bot addresses; unseen users are fine, unseen groups are not."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id <= 0:
                raise ApiError(400, "Bad Request: chat not found")
            chat = self._chats[chat_id] = _Chat(chat_id, "private")
            self._user(chat_id)
        return chat

    def _writable_chat(self, chat_id: int) -> _Chat:
        chat = self._known_chat(chat_id)
        if chat.blocked:
            raise ApiError(403, BLOCKED)
        if chat.left:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def leave_chat(self, chat_id: int) -> None:
        with self._lock:
            chat = self._writable_chat(chat_id)
            if chat.type == "private":
                raise ApiError(
                    400, "Bad Request: chat member status can't be changed in private chats"
                )
            chat.left = True
            chat.transcript.append("  bot left the chat")
            callbacks = self._chat_changed(chat_id)
        self._fire(callbacks)

    def has_left(self, chat_id: int) -> bool:
        with self._lock:
            chat = self._chats.get(chat_id)
            return chat is not None and chat.left

    # ----------------------------------------------------------------- message JSON

    def _message_json(self, chat: _Chat, msg: _Message, *, nested: bool = True) -> JSON:
        data: JSON = {"message_id": msg.message_id, "date": msg.date}
        data["chat"] = self._chat_json(chat)
        if msg.from_bot:
            data["from"] = self.bot_user_json()
        elif msg.sender_id is not None:
            data["from"] = self._user(msg.sender_id).json()
        text_key, entity_key = ("text", "entities")
        if msg.file is not None:
            text_key, entity_key = ("caption", "caption_entities")
            data[msg.kind] = self._file_json(msg)
        if msg.text or msg.kind == "text":
            data[text_key] = msg.text
        if msg.entities:
            data[entity_key] = msg.entities
        if msg.inline_keyboard:
            data["reply_markup"] = {"inline_keyboard": msg.inline_keyboard}
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if nested and msg.reply_to is not None and msg.reply_to in chat.messages:
            replied = chat.messages[msg.reply_to]
            data["reply_to_message"] = self._message_json(chat, replied, nested=False)
        return data

    @staticmethod
    def _file_json(msg: _Message) -> Any:
        stored = msg.file
        assert stored is not None
        size = len(stored.data) if stored.data is not None else 0
        base: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": size,
        }
        if msg.kind == "photo":
            return [{**base, "width": 320, "height": 320}]
        if stored.filename:
            base["file_name"] = stored.filename
        if stored.mime_type:
            base["mime_type"] = stored.mime_type
        return base

    def message_json(self, chat_id: int, message_id: int) -> JSON | None:
        with self._lock:
            chat = self._chats.get(chat_id)
            msg = chat.messages.get(message_id) if chat else None
            if chat is None or msg is None:
                return None
            return self._message_json(chat, msg)

    @staticmethod
    def _snapshot(chat_id: int, msg: _Message) -> SentMessage:
        stored = msg.file
        data = stored.data if stored else None
        return SentMessage(
            message_id=msg.message_id,
            chat_id=chat_id,
            text=msg.text,
            kind=msg.kind,
            buttons=buttons_from_markup(msg.inline_keyboard),
            document=data if msg.kind == "document" else None,
            filename=stored.filename if stored else None,
            mime_type=stored.mime_type if stored else None,
            photo=data if msg.kind == "photo" else None,
            parse_mode=msg.parse_mode,
            edits=msg.edits,
            date=msg.date,
            raw_text=msg.raw_text,
            entities=msg.entities,
            keyboard=msg.reply_keyboard,
            edit_date=msg.edit_date,
        )

    # ----------------------------------------------------------------- bot side

    def _store_file(
        self, kind: MessageKind, data: bytes | None, filename: str | None, mime: str | None
    ) -> StoredFile:
        number = next(self._file_ids)
        prefix = "AgACAgQ" if kind == "photo" else "BQACAgQ"
        folder = "photos" if kind == "photo" else "documents"
        suffix = filename.rsplit(".", 1)[-1] if filename and "." in filename else "bin"
        stored = StoredFile(
            file_id=f"{prefix}AAx{number:08d}",
            file_unique_id=f"AQAD{number:06d}",
            data=data,
            filename=filename,
            mime_type=mime,
            path=f"{folder}/file_{number}.{suffix}",
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    def file(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def file_by_path(self, path: str) -> StoredFile | None:
        with self._lock:
            return self._files_by_path.get(path)

    def send(self, chat_id: int, out: OutgoingMessage) -> JSON:
        with self._lock:
            chat = self._writable_chat(chat_id)
            stored = out.existing_file
            if out.upload is not None:
                stored = self._store_file(out.kind, *out.upload)
            if out.reply_keyboard is not None:
                chat.reply_keyboard = out.reply_keyboard
            elif out.remove_keyboard:
                chat.reply_keyboard = None
            msg = _Message(
                message_id=chat.next_message_id,
                date=int(self.wall_clock()),
                from_bot=True,
                sender_id=None,
                kind=out.kind,
                text=out.text,
                raw_text=out.raw_text,
                entities=out.entities,
                parse_mode=out.parse_mode,
                inline_keyboard=out.inline_keyboard,
                reply_keyboard=out.reply_keyboard,
                file=stored,
                reply_to=out.reply_to if out.reply_to in chat.messages else None,
            )
            chat.next_message_id += 1
            chat.messages[msg.message_id] = msg
            self._stats["sent"] += 1
            callbacks = self._record_event(chat, msg, edited=False)
            result = self._message_json(chat, msg)
        self._fire(callbacks)
        return result

    def _record_event(
        self, chat: _Chat, msg: _Message, *, edited: bool
    ) -> list[Callable[[], None]]:
        msg.snapshot = self._snapshot(chat.id, msg)
        chat.events.append(msg.snapshot)
        prefix = f"bot (edited #{msg.message_id})" if edited else "bot"
        chat.transcript.append(f"  {prefix}: {msg.snapshot.describe()}")
        return self._chat_changed(chat.id)

    def _bot_message(self, chat_id: int, message_id: int, verb: str) -> tuple[_Chat, _Message]:
        chat = self._writable_chat(chat_id)
        msg = chat.messages.get(message_id)
        if msg is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, msg

    def edit(
        self,
        chat_id: int,
        message_id: int,
        *,
        text: tuple[str, str, list[JSON], str | None] | None,
        inline_keyboard: list[list[JSON]] | None,
        caption: bool = False,
    ) -> JSON:
        """Apply an edit; ``text`` is (visible, raw, entities, parse_mode) or None."""
        with self._lock:
            chat, msg = self._bot_message(chat_id, message_id, "edit")
            if text is not None and not caption and msg.kind != "text":
                raise ApiError(400, "Bad Request: there is no text in the message to edit")
            if text is not None and caption and msg.kind == "text":
                raise ApiError(400, "Bad Request: there is no caption in the message to edit")
            same_text = text is None or (text[0], text[2]) == (msg.text, msg.entities)
            if same_text and (inline_keyboard or None) == (msg.inline_keyboard or None):
                raise ApiError(400, _NOT_MODIFIED)
            if text is not None:
                msg.text, msg.raw_text, msg.entities, msg.parse_mode = text
            msg.inline_keyboard = inline_keyboard
            msg.edits += 1
            msg.edit_date = int(self.wall_clock())
            self._stats["edited"] += 1
            callbacks = self._record_event(chat, msg, edited=True)
            result = self._message_json(chat, msg)
        self._fire(callbacks)
        return result

    def delete(self, chat_id: int, message_id: int) -> None:
        with self._lock:
            chat = self._known_chat(chat_id)
            if chat.messages.pop(message_id, None) is None:
                raise ApiError(400, "Bad Request: message to delete not found")
            chat.deleted.add(message_id)
            chat.transcript.append(f"  bot deleted #{message_id}")
            self._stats["deleted"] += 1
            callbacks = self._chat_changed(chat_id)
        self._fire(callbacks)

    def check_sendable(self, chat_id: int) -> None:
        with self._lock:
            self._writable_chat(chat_id)

    def answer_callback(self, query_id: str, answer: JSON) -> None:
        with self._lock:
            query = self._queries.get(query_id)
            if query is None or query.answer is not None:
                raise ApiError(400, QUERY_INVALID)
            query.answer = answer
            self._stats["callback_answers"] += 1
            chat = self._chats[query.chat_id]
            if answer.get("text"):
                chat.transcript.append(f"  bot toast: {answer['text']}")
            callbacks = self._chat_changed(query.chat_id)
        self._fire(callbacks)

    def set_commands(self, scope: str, language: str, commands: list[tuple[str, str]]) -> None:
        with self._lock:
            if commands:
                self._commands[(scope, language)] = commands
            else:
                self._commands.pop((scope, language), None)

    def get_commands(self, scope: str, language: str) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._commands.get((scope, language), []))

    def commands(self, scope: str = "default") -> dict[str, list[tuple[str, str]]]:
        with self._lock:
            return {lang: list(cmds) for (sc, lang), cmds in self._commands.items() if sc == scope}

    # ----------------------------------------------------------------- user side

    def continue_update_ids_after(self, last_seen: int) -> None:
        """Number new updates above ``last_seen``, as Telegram never repeats an update id.

        A bot that remembers handled update ids (in its database) ignores a repeated one, so
        a fresh double serving a bot whose database outlived the last double must start above
        the highest id that database holds.
        """
        with self._lock:
            upcoming = next(self._update_ids)
            self._update_ids = itertools.count(max(upcoming, last_seen + 1))

    def _add_update(self, kind: str, key: int, body: JSON) -> int:
        update_id = next(self._update_ids)
        payload = {"update_id": update_id, kind: body}
        pending = _Pending(update_id, kind, key, payload)
        self._updates[update_id] = pending
        self._history[update_id] = pending
        self._stats["updates"] += 1
        return update_id

    def redeliver_update(self, update_id: int) -> None:
        """Queue an already delivered update again, same update_id, as after a lost confirmation.

        Offsets only move forward, so the replay is handed out once regardless of offset and
        ahead of newer updates (PTB confirms by the last update it got).
        """
        with self._lock:
            pending = self._history.get(update_id)
            if pending is None:
                raise KeyError(f"no update {update_id} was ever queued")
            if "callback_query" in pending.payload:
                query = self._queries.get(pending.payload["callback_query"]["id"])
                if query is not None:
                    query.answer = None
            self._replays.append(pending)
            self._stats["updates"] += 1
        self._fire_update(update_id, pending.key)

    def redeliver_query(self, query_id: str) -> None:
        with self._lock:
            query = self._queries.get(query_id)
            if query is None:
                raise KeyError(f"no callback query {query_id}")
            update_id = query.update_id
        self.redeliver_update(update_id)

    def user_message(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        entities: list[JSON],
        reply_to: int | None = None,
    ) -> int:
        with self._lock:
            chat = self._chats[chat_id]
            msg = _Message(
                message_id=chat.next_message_id,
                date=int(self.wall_clock()),
                from_bot=False,
                sender_id=user_id,
                kind="text",
                text=text,
                raw_text=text,
                entities=entities,
                parse_mode=None,
                inline_keyboard=None,
                reply_to=reply_to,
            )
            chat.next_message_id += 1
            chat.messages[msg.message_id] = msg
            who = self._user(user_id).first_name
            chat.transcript.append(f"{who}: {text}")
            update_id = self._add_update("message", chat_id, self._message_json(chat, msg))
            callbacks = self._chat_changed(chat_id)
        self._fire(callbacks)
        self._fire_update(update_id, chat_id)
        return update_id

    def user_attachment(self, user_id: int, chat_id: int, field_name: str, body: Any) -> int:
        """A message without text (a photo, sticker, location...): ``body`` is its field."""
        with self._lock:
            chat = self._chats[chat_id]
            msg = _Message(
                message_id=chat.next_message_id,
                date=int(self.wall_clock()),
                from_bot=False,
                sender_id=user_id,
                kind="text",
                text="",
                raw_text="",
                entities=[],
                parse_mode=None,
                inline_keyboard=None,
            )
            chat.next_message_id += 1
            chat.messages[msg.message_id] = msg
            chat.transcript.append(f"{self._user(user_id).first_name}: [{field_name}]")
            payload = self._message_json(chat, msg)
            payload.pop("text", None)
            payload[field_name] = body
            update_id = self._add_update("message", chat_id, payload)
            callbacks = self._chat_changed(chat_id)
        self._fire(callbacks)
        self._fire_update(update_id, chat_id)
        return update_id

    def user_edit(self, user_id: int, chat_id: int, message_id: int | None, text: str) -> int:
        """The user edits one of their messages (default: their newest); Telegram then sends
        an ``edited_message`` update with the same message id."""
        with self._lock:
            chat = self._chats[chat_id]
            if message_id is None:
                mine = [m for m in chat.messages.values() if m.sender_id == user_id]
                if not mine:
                    raise AssertionError(f"user {user_id} has no message in chat {chat_id}")
                msg = mine[-1]
            else:
                msg = chat.messages[message_id]
                if msg.sender_id != user_id:
                    raise AssertionError(f"message {message_id} is not user {user_id}'s")
            msg.text = msg.raw_text = text
            msg.edit_date = int(time.time())
            who = self._user(user_id).first_name
            chat.transcript.append(f"{who} edited #{msg.message_id} to: {text}")
            update_id = self._add_update("edited_message", chat_id, self._message_json(chat, msg))
            callbacks = self._chat_changed(chat_id)
        self._fire(callbacks)
        self._fire_update(update_id, chat_id)
        return update_id

    def channel_post(
        self, channel_id: int, text: str, edit_of: int | None = None
    ) -> tuple[int, int]:
        """A post in a channel the bot was added to; ``edit_of`` edits an earlier post.

        Returns (update_id, message_id)."""
        with self._lock:
            chat = self._chats[channel_id]
            msg = chat.messages.get(edit_of) if edit_of is not None else None
            if msg is None:
                msg = _Message(
                    message_id=chat.next_message_id,
                    date=int(self.wall_clock()),
                    from_bot=False,
                    sender_id=None,
                    kind="text",
                    text=text,
                    raw_text=text,
                    entities=[],
                    parse_mode=None,
                    inline_keyboard=None,
                )
                chat.next_message_id += 1
                chat.messages[msg.message_id] = msg
                kind = "channel_post"
            else:
                msg.text = msg.raw_text = text
                msg.edit_date = int(self.wall_clock())
                kind = "edited_channel_post"
            chat.transcript.append(f"channel post: {text}")
            payload = self._message_json(chat, msg)
            payload["sender_chat"] = self._chat_json(chat)
            update_id = self._add_update(kind, channel_id, payload)
            callbacks = self._chat_changed(channel_id)
        self._fire(callbacks)
        self._fire_update(update_id, channel_id)
        return update_id, msg.message_id

    def find_button(self, chat_id: int, text: str, message_id: int | None) -> tuple[int, str]:
        """Locate a callback button by its label, newest message first."""
        with self._lock:
            chat = self._chats[chat_id]
            if message_id is not None:
                msg = chat.messages.get(message_id)
                candidates = [msg] if msg is not None and msg.from_bot else []
            else:
                candidates = [m for m in reversed(chat.messages.values()) if m.inline_keyboard]
            for msg in candidates:
                for button in (b for row in msg.inline_keyboard or [] for b in row):
                    if button.get("text") == text and "callback_data" in button:
                        return msg.message_id, str(button["callback_data"])
            needle = text.casefold()
            for msg in candidates:
                loose = [
                    b
                    for row in msg.inline_keyboard or []
                    for b in row
                    if needle in str(b.get("text", "")).casefold() and "callback_data" in b
                ]
                if len(loose) == 1:
                    return msg.message_id, str(loose[0]["callback_data"])
                if loose:
                    break
            listing = "\n".join(
                f"  #{m.message_id}: "
                + " ".join(f"[{b.get('text')}]" for r in m.inline_keyboard or [] for b in r)
                for m in candidates[:8]
            )
            raise AssertionError(
                f"no single callback button {text!r} in chat {chat_id}"
                + (f" message {message_id}" if message_id is not None else "")
                + f"; buttons available:\n{listing or '  (none)'}"
            )

    def callback_query(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        with self._lock:
            chat = self._chats[chat_id]
            query_id = str(4_100_000_000_000_000 + next(self._query_ids))
            msg = chat.messages.get(message_id)
            if msg is not None:
                message = self._message_json(chat, msg)
                label = next(
                    (
                        str(b.get("text"))
                        for row in msg.inline_keyboard or []
                        for b in row
                        if b.get("callback_data") == data
                    ),
                    data,
                )
            else:
                message = {"chat": self._chat_json(chat), "message_id": message_id, "date": 0}
                label = data
            body: JSON = {
                "id": query_id,
                "from": self._user(user_id).json(),
                "chat_instance": str(7_000_000_000 + abs(chat_id)),
                "data": data,
                "message": message,
            }
            chat.transcript.append(f"{self._user(user_id).first_name} pressed [{label}]")
            update_id = self._add_update("callback_query", chat_id, body)
            self._queries[query_id] = _Query(
                query_id, user_id, chat_id, message_id, data, update_id
            )
            callbacks = self._chat_changed(chat_id)
        self._fire(callbacks)
        self._fire_update(update_id, chat_id)
        return query_id

    def callback_answer(self, query_id: str) -> JSON | None:
        with self._lock:
            query = self._queries.get(query_id)
            return dict(query.answer) if query and query.answer is not None else None

    def set_blocked(self, chat_id: int, blocked: bool) -> None:
        with self._lock:
            self._chats[chat_id].blocked = blocked

    def chat_messages(self, chat_id: int) -> list[SentMessage]:
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            return [m.snapshot for m in chat.messages.values() if m.snapshot is not None]

    def conversation(self, chat_id: int) -> list[SentMessage | UserLine]:
        """The chat as its user sees it: their own messages and the bot's, oldest first."""
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            lines: list[SentMessage | UserLine] = []
            for msg in chat.messages.values():
                if msg.snapshot is not None:
                    lines.append(msg.snapshot)
                elif not msg.from_bot:
                    lines.append(UserLine(msg.message_id, chat_id, msg.text, msg.date))
            return lines

    def last_message(self, chat_id: int) -> SentMessage | None:
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                return None
            for msg in reversed(chat.messages.values()):
                if msg.snapshot is not None:
                    return msg.snapshot
            return None

    def events_since(self, chat_id: int, mark: int) -> list[SentMessage]:
        with self._lock:
            chat = self._chats.get(chat_id)
            return list(chat.events[mark:]) if chat else []

    def event_count(self, chat_id: int) -> int:
        with self._lock:
            chat = self._chats.get(chat_id)
            return len(chat.events) if chat else 0

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        with self._lock:
            chat = self._chats.get(chat_id)
            return chat.reply_keyboard if chat else None

    def deleted_ids(self, chat_id: int) -> set[int]:
        with self._lock:
            chat = self._chats.get(chat_id)
            return set(chat.deleted) if chat else set()

    def transcript(self, chat_id: int) -> str:
        with self._lock:
            chat = self._chats.get(chat_id)
            return "\n".join(chat.transcript) if chat and chat.transcript else "  (empty)"

    # ----------------------------------------------------------------- update queue

    def poll(self, offset: int | None, limit: int, allowed: list[str] | None) -> list[JSON]:
        """getUpdates semantics: confirm below ``offset``, then return what is pending."""
        with self._lock:
            if allowed is not None:
                self._allowed_updates = frozenset(allowed) if allowed else None
            updates = self._updates
            if offset is not None and offset < 0:
                while len(updates) > -offset:
                    updates.popitem(last=False)
            elif offset is not None:
                while updates and next(iter(updates)) < offset:
                    updates.popitem(last=False)
            result = [p.payload for p in self._replays[:limit] if self._allowed(p.kind)]
            del self._replays[:limit]
            refused: list[int] = []
            for pending in updates.values():
                if len(result) >= limit:
                    break
                if self._allowed(pending.kind):
                    result.append(pending.payload)
                else:
                    refused.append(pending.update_id)
            for update_id in refused:
                del updates[update_id]
            now = time.monotonic()
            self._handed_out += [(p["update_id"], now) for p in result]
            return result

    def handing_out(self, update_id: int) -> None:
        """A webhook delivery of this update starts now."""
        with self._lock:
            self._handed_out.append((update_id, time.monotonic()))

    def handed_out(self) -> list[tuple[int, float]]:
        """(update_id, monotonic time) of every hand-out, by getUpdates or webhook, in order."""
        with self._lock:
            return list(self._handed_out)

    def update_ids(self) -> list[int]:
        """Every update id ever queued, in order."""
        with self._lock:
            return list(self._history)

    def _allowed(self, kind: str) -> bool:
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed_updates

    def pending_updates(self) -> list[tuple[int, int]]:
        """(update_id, ordering key) of everything unconfirmed, oldest first."""
        with self._lock:
            pending = [*self._replays, *self._updates.values()]
            return [(p.update_id, p.key) for p in pending]

    def pending_payload(self, update_id: int) -> JSON | None:
        with self._lock:
            pending = self._updates.get(update_id)
            if pending is None:
                pending = next((p for p in self._replays if p.update_id == update_id), None)
            return pending.payload if pending else None

    def pending_count(self) -> int:
        with self._lock:
            return len(self._updates) + len(self._replays)

    def confirm(self, update_id: int) -> None:
        """A webhook delivery succeeded; Telegram forgets the update."""
        with self._lock:
            found = self._updates.pop(update_id, None) is not None
            replays = [p for p in self._replays if p.update_id != update_id]
            found = found or len(replays) != len(self._replays)
            self._replays = replays
            if found:
                self._stats["webhook_deliveries"] += 1
            self.changed.notify_all()

    def drop_pending(self) -> None:
        with self._lock:
            self._updates.clear()
            self._replays.clear()

    def set_webhook(
        self, url: str, secret: str | None, max_connections: int, allowed: list[str] | None
    ) -> None:
        with self._lock:
            if allowed is not None:
                self._allowed_updates = frozenset(allowed) if allowed else None
            if url:
                generation = next(self._generations)
                self._webhook = Webhook(url, secret, max_connections, generation)
            else:
                self._webhook = None
            self._webhook_error = None
        self._fire_update(0, 0)

    def webhook(self) -> Webhook | None:
        with self._lock:
            return self._webhook

    def webhook_failed(self, generation: int, message: str) -> None:
        with self._lock:
            self._stats["webhook_failures"] += 1
            if self._webhook is not None and self._webhook.generation == generation:
                self._webhook_error = (int(time.time()), message)

    def webhook_info(self) -> JSON:
        with self._lock:
            hook = self._webhook
            info: JSON = {
                "url": hook.url if hook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates) + len(self._replays),
            }
            if hook is not None:
                info["max_connections"] = hook.max_connections
                info["ip_address"] = "127.0.0.1"
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
            return info

    # ----------------------------------------------------------------- faults and limits

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(_FaultSlot(fault, fault.times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        with self._lock:
            for slot in self._faults:
                if slot.fault.matches(method, chat_id):
                    if slot.remaining is not None:
                        slot.remaining -= 1
                        if slot.remaining <= 0:
                            self._faults.remove(slot)
                    self._stats["faults"] += 1
                    return slot.fault
            return None

    def admit(self, method: str, chat_id: int | None, now: float) -> None:
        """Refuse sends beyond Telegram's limits (30/s overall, 1/s per chat)."""
        if not self.enforce_limits or method not in _RATE_LIMITED:
            return
        with self._lock:
            window = self._window
            while window and window[0] <= now - 1.0:
                window.popleft()
            last = self._chat_last_send.get(chat_id) if chat_id is not None else None
            if len(window) >= 30 or (last is not None and now - last < 1.0):
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)

    def admitted(self, method: str, chat_id: int | None, now: float) -> None:
        if not self.enforce_limits or method not in _RATE_LIMITED:
            return
        with self._lock:
            self._window.append(now)
            if chat_id is not None:
                self._chat_last_send[chat_id] = now

    # ----------------------------------------------------------------- call log

    def record(self, call: ApiCall) -> None:
        with self._lock:
            self._calls.append(call)
            self._stats["calls"] += 1
            if call.status == 429:
                self._stats["429"] += 1
            self.changed.notify_all()

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._lock:
            if method is None:
                return list(self._calls)
            wanted = method.lower()
            return [c for c in self._calls if c.method.lower() == wanted]

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._stats)
