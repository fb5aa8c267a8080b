"""The Bot API methods: parameter decoding, Telegram's validation rules, and dispatch.

Kept apart from the HTTP layer so the rules read like the Bot API documentation and can
be exercised without sockets.

One concept: the Bot API's methods as the double implements them, one handler each.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.bot_api_double import markup
from bot.bot_api_double.records import (
    JSON,
    ApiCall,
    ApiError,
    Fault,
    MessageKind,
    OutgoingMessage,
)
from bot.bot_api_double.state import BotApiState

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
        "media",
        "reaction",
        "message_ids",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "max_connections",
        "message_thread_id",
        "user_id",
        "from_chat_id",
        "reply_to_message_id",
        "cache_time",
    }
)
_FLOAT_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "allow_paid_broadcast",
        "is_big",
    }
)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class Upload:
    """One file part of a multipart request."""

    filename: str | None
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """What the HTTP layer should do: answer, drop after ``hold``, or long-poll."""

    status: int
    payload: JSON | None
    hold: float = 0.0
    poll: float = 0.0
    unlogged: ApiCall | None = None  # a long poll is logged once its outcome is known


def _coerce(name: str, value: Any) -> Any:
    if isinstance(value, Upload):
        return value
    if name in _JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
    if name in _INT_FIELDS and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if name in _FLOAT_FIELDS and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if name in _BOOL_FIELDS and isinstance(value, str):
        return value.lower() in ("true", "1")
    return value


def decode(raw: dict[str, Any]) -> JSON:
    """Turn form/JSON parameters into typed values (PTB JSON-encodes non-strings)."""
    return {name: _coerce(name, value) for name, value in raw.items()}


def loggable(params: JSON) -> JSON:
    """Parameters as recorded in the call log: uploads become small descriptors."""
    return {
        name: (
            {"filename": v.filename, "mime_type": v.content_type, "size": len(v.body)}
            if isinstance(v, Upload)
            else v
        )
        for name, v in params.items()
    }


def _chat_id(params: JSON) -> int | None:
    value = params.get("chat_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _require_chat(params: JSON) -> int:
    if "chat_id" not in params or params["chat_id"] in ("", None):
        raise ApiError(400, "Bad Request: chat_id is empty")
    chat_id = _chat_id(params)
    if chat_id is None:
        raise ApiError(400, "Bad Request: chat not found")
    return chat_id


def _require_int(params: JSON, name: str) -> int:
    value = params.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(
            400,
            f"Bad Request: {name} is empty"
            if value is None
            else f"Bad Request: invalid {name} specified",
        )
    return value


def _str(params: JSON, name: str, default: str = "") -> str:
    value = params.get(name, default)
    if value is None:
        return default
    return value if isinstance(value, str) else json.dumps(value)


def _flag(params: JSON, name: str) -> bool:
    return params.get(name) is True


def _formatted(
    params: JSON, text_key: str, entities_key: str, *, caption: bool
) -> tuple[str, str, list[JSON], str | None]:
    """Apply parse_mode/entities the way Telegram does; return (visible, raw, entities, mode)."""
    raw = _str(params, text_key)
    mode = _str(params, "parse_mode") or None
    if mode:
        try:
            visible, entities = markup.parse(raw, mode)
        except markup.ParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        except ValueError:
            raise ApiError(400, "Bad Request: unsupported parse_mode") from None
    else:
        given = params.get(entities_key)
        entities = [e for e in given if isinstance(e, dict)] if isinstance(given, list) else []
        visible = raw
    visible, entities = markup.strip_blank(visible, entities)
    if not visible and not caption:
        raise ApiError(400, "Bad Request: message text is empty")
    if caption and markup.utf16_len(visible) > CAPTION_LIMIT:
        raise ApiError(400, "Bad Request: message caption is too long")
    if not caption and markup.utf16_len(visible) > TEXT_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    return visible, raw, entities, mode


def _inline_keyboard(value: Any) -> list[list[JSON]]:
    rows = value.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            400, 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(400, 'Bad Request: can\'t find field "text"')
            if not any(action in button for action in _BUTTON_ACTIONS):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if "callback_data" in button and (
                not isinstance(data, str) or not 1 <= len(data.encode()) <= 64
            ):
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return [row for row in rows if row]


def _reply_markup(
    params: JSON,
) -> tuple[list[list[JSON]] | None, list[list[str]] | None, bool]:
    """(inline keyboard, reply keyboard, remove reply keyboard) from reply_markup."""
    value = params.get("reply_markup")
    if value is None:
        return None, None, False
    if not isinstance(value, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        return _inline_keyboard(value) or None, None, False
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        keyboard = [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
            for row in rows
            if isinstance(row, list)
        ]
        return None, keyboard, False
    if value.get("remove_keyboard"):
        return None, None, True
    if value.get("force_reply"):
        return None, None, False
    raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")


def _reply_to(params: JSON) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
        return int(reply["message_id"])
    value = params.get("reply_to_message_id")
    return value if isinstance(value, int) else None


# --------------------------------------------------------------------- method handlers

Handler = Callable[[BotApiState, JSON], Any]


def _send_message(state: BotApiState, params: JSON) -> Any:
    chat_id = _require_chat(params)
    visible, raw, entities, mode = _formatted(params, "text", "entities", caption=False)
    inline, keyboard, remove = _reply_markup(params)
    out = OutgoingMessage(
        kind="text",
        text=visible,
        raw_text=raw,
        entities=entities,
        parse_mode=mode,
        inline_keyboard=inline,
        reply_keyboard=keyboard,
        remove_keyboard=remove,
        reply_to=_reply_to(params),
    )
    return state.send(chat_id, out)


def _send_file(kind: MessageKind) -> Handler:
    def handler(state: BotApiState, params: JSON) -> Any:
        chat_id = _require_chat(params)
        state.check_sendable(chat_id)
        visible, raw, entities, mode = _formatted(
            params, "caption", "caption_entities", caption=True
        )
        inline, keyboard, remove = _reply_markup(params)
        value = params.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        upload: tuple[bytes | None, str | None, str | None] | None = None
        existing = None
        if isinstance(value, Upload):
            if not value.body:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if kind == "photo" and not _is_image(value.body):
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            upload = (value.body, value.filename, value.content_type)
        elif isinstance(value, str) and value:
            existing = state.file(value)
            if existing is None:
                if not value.startswith(("http://", "https://")):
                    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
                upload = (None, value.rstrip("/").rsplit("/", 1)[-1] or None, None)
        else:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        out = OutgoingMessage(
            kind=kind,
            text=visible,
            raw_text=raw,
            entities=entities,
            parse_mode=mode,
            inline_keyboard=inline,
            reply_keyboard=keyboard,
            remove_keyboard=remove,
            upload=upload,
            existing_file=existing,
            reply_to=_reply_to(params),
        )
        return state.send(chat_id, out)

    return handler


def _is_image(body: bytes) -> bool:
    return body.startswith(_IMAGE_MAGIC) or (body[:4] == b"RIFF" and body[8:12] == b"WEBP")


def _edit_target(params: JSON) -> tuple[int, int]:
    if "inline_message_id" in params and "chat_id" not in params:
        raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
    return _require_chat(params), _require_int(params, "message_id")


def _inline_only(params: JSON) -> list[list[JSON]] | None:
    value = params.get("reply_markup")
    if isinstance(value, dict) and "inline_keyboard" in value:
        return _inline_keyboard(value) or None
    if value is not None and not isinstance(value, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    return None


def _edit_text(state: BotApiState, params: JSON) -> Any:
    chat_id, message_id = _edit_target(params)
    text = _formatted(params, "text", "entities", caption=False)
    return state.edit(chat_id, message_id, text=text, inline_keyboard=_inline_only(params))


def _edit_caption(state: BotApiState, params: JSON) -> Any:
    chat_id, message_id = _edit_target(params)
    text = _formatted(params, "caption", "caption_entities", caption=True)
    return state.edit(
        chat_id, message_id, text=text, inline_keyboard=_inline_only(params), caption=True
    )


def _edit_markup(state: BotApiState, params: JSON) -> Any:
    chat_id, message_id = _edit_target(params)
    return state.edit(chat_id, message_id, text=None, inline_keyboard=_inline_only(params))


def _delete_message(state: BotApiState, params: JSON) -> Any:
    state.delete(_require_chat(params), _require_int(params, "message_id"))
    return True


def _delete_messages(state: BotApiState, params: JSON) -> Any:
    chat_id = _require_chat(params)
    ids = params.get("message_ids")
    if not isinstance(ids, list) or not ids:
        raise ApiError(400, "Bad Request: message identifiers are not specified")
    for message_id in ids:
        with contextlib.suppress(ApiError):  # Telegram skips what it cannot delete
            state.delete(chat_id, int(message_id))
    return True


def _answer_callback(state: BotApiState, params: JSON) -> Any:
    query_id = _str(params, "callback_query_id")
    if not query_id:
        raise ApiError(400, "Bad Request: query is empty")
    answer: JSON = {"text": params.get("text"), "show_alert": _flag(params, "show_alert")}
    if "url" in params:
        answer["url"] = params["url"]
    state.answer_callback(query_id, answer)
    return True


def _chat_ok(state: BotApiState, params: JSON) -> Any:
    state.check_sendable(_require_chat(params))
    return True


def _leave_chat(state: BotApiState, params: JSON) -> Any:
    state.leave_chat(_require_chat(params))
    return True


def _get_chat(state: BotApiState, params: JSON) -> Any:
    return state.chat_info(_require_chat(params))


def _get_file(state: BotApiState, params: JSON) -> Any:
    stored = state.file(_str(params, "file_id"))
    if stored is None:
        raise ApiError(400, "Bad Request: invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data or b""),
        "file_path": stored.path,
    }


def _scope_language(params: JSON) -> tuple[str, str]:
    scope = params.get("scope")
    kind = str(scope.get("type", "default")) if isinstance(scope, dict) else "default"
    if isinstance(scope, dict) and "chat_id" in scope:
        kind = f"{kind}:{scope['chat_id']}"
    return kind, _str(params, "language_code")


def _set_commands(state: BotApiState, params: JSON) -> Any:
    given = params.get("commands")
    if not isinstance(given, list):
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    commands: list[tuple[str, str]] = []
    for item in given:
        if not isinstance(item, dict):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        command, description = str(item.get("command", "")), str(item.get("description", ""))
        if not _COMMAND_RE.fullmatch(command):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise ApiError(400, "Bad Request: command description is empty")
        commands.append((command, description))
    state.set_commands(*_scope_language(params), commands)
    return True


def _get_commands(state: BotApiState, params: JSON) -> Any:
    return [
        {"command": c, "description": d} for c, d in state.get_commands(*_scope_language(params))
    ]


def _delete_commands(state: BotApiState, params: JSON) -> Any:
    state.set_commands(*_scope_language(params), [])
    return True


def _get_updates(state: BotApiState, params: JSON) -> Any:
    if state.webhook() is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = params.get("offset")
    limit = params.get("limit", 100)
    limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
    allowed = params.get("allowed_updates")
    return state.poll(
        offset if isinstance(offset, int) else None,
        limit,
        [str(a) for a in allowed] if isinstance(allowed, list) else None,
    )


def _set_webhook(state: BotApiState, params: JSON) -> Any:
    url = _str(params, "url")
    secret = _str(params, "secret_token") or None
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    max_connections = params.get("max_connections", 40)
    if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
        max_connections = 40
    if _flag(params, "drop_pending_updates"):
        state.drop_pending()
    allowed = params.get("allowed_updates")
    allowed_list = [str(a) for a in allowed] if isinstance(allowed, list) else None
    state.set_webhook(url, secret, max_connections, allowed_list)
    return True


def _delete_webhook(state: BotApiState, params: JSON) -> Any:
    if _flag(params, "drop_pending_updates"):
        state.drop_pending()
    state.set_webhook("", None, 40, None)
    return True


def _constant(value: Any) -> Handler:
    return lambda state, params: value


_HANDLERS: dict[str, Handler] = {
    "getMe": lambda state, params: state.get_me(),
    "logOut": _constant(True),
    "close": _constant(True),
    "getUpdates": _get_updates,
    "setWebhook": _set_webhook,
    "deleteWebhook": _delete_webhook,
    "getWebhookInfo": lambda state, params: state.webhook_info(),
    "setMyCommands": _set_commands,
    "getMyCommands": _get_commands,
    "deleteMyCommands": _delete_commands,
    "setChatMenuButton": _constant(True),
    "getChatMenuButton": _constant({"type": "commands"}),
    "setMyName": _constant(True),
    "getMyName": lambda state, params: {"name": state.bot_name},
    "setMyDescription": _constant(True),
    "getMyDescription": _constant({"description": ""}),
    "setMyShortDescription": _constant(True),
    "getMyShortDescription": _constant({"short_description": ""}),
    "sendMessage": _send_message,
    "sendDocument": _send_file("document"),
    "sendPhoto": _send_file("photo"),
    "editMessageText": _edit_text,
    "editMessageCaption": _edit_caption,
    "editMessageReplyMarkup": _edit_markup,
    "deleteMessage": _delete_message,
    "deleteMessages": _delete_messages,
    "answerCallbackQuery": _answer_callback,
    "sendChatAction": _chat_ok,
    "pinChatMessage": _chat_ok,
    "unpinChatMessage": _chat_ok,
    "unpinAllChatMessages": _chat_ok,
    "setMessageReaction": _chat_ok,
    "getChat": _get_chat,
    "leaveChat": _leave_chat,
    "getFile": _get_file,
}
METHODS: dict[str, str] = {name.lower(): name for name in _HANDLERS}
NOT_FOUND: JSON = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


def canonical(method: str) -> str | None:
    """Telegram method names are case-insensitive."""
    return METHODS.get(method.lower())


def dispatch(state: BotApiState, method: str, raw_params: dict[str, Any], now: float) -> Reply:
    """Run one API call: log it, apply faults and limits, then the method itself."""
    name = canonical(method)
    if name is None:
        state.record(ApiCall(method, loggable(raw_params), None, now, 404))
        return Reply(404, NOT_FOUND)
    try:
        params = decode(raw_params)
    except ApiError as exc:
        state.record(ApiCall(name, loggable(raw_params), None, now, exc.status))
        return Reply(exc.status, exc.payload())
    chat_id = _chat_id(params)
    fault = state.take_fault(name, chat_id)
    if fault is not None and fault.delivered:
        return _late(_run(state, name, params, chat_id, now), fault)
    if fault is not None and fault.status is None:
        state.record(ApiCall(name, loggable(params), chat_id, now, 0))
        return Reply(0, None, hold=fault.timeout or 0.0)
    if fault is not None:
        error = fault.error()
        state.record(ApiCall(name, loggable(params), chat_id, now, error.status))
        return Reply(error.status, error.payload(), hold=fault.timeout or 0.0)
    return _run(state, name, params, chat_id, now)


def _run(
    state: BotApiState, name: str, params: dict[str, Any], chat_id: int | None, now: float
) -> Reply:
    """The method itself, within Telegram's limits when they are enforced."""
    try:
        state.admit(name, chat_id, now)
        result = _HANDLERS[name](state, params)
        state.admitted(name, chat_id, now)
    except ApiError as exc:
        state.record(ApiCall(name, loggable(params), chat_id, now, exc.status))
        return Reply(exc.status, exc.payload())
    call = ApiCall(name, loggable(params), chat_id, now, 200)
    if name == "getUpdates" and not result:
        timeout = params.get("timeout", 0)
        if isinstance(timeout, int | float) and timeout > 0:
            return Reply(200, {"ok": True, "result": result}, poll=timeout, unlogged=call)
    state.record(call)
    return Reply(200, {"ok": True, "result": result})


def _late(reply: Reply, fault: Fault) -> Reply:
    """The call has taken effect; its answer comes after the fault's time-out, or never."""
    hold = fault.timeout or 0.0
    if fault.status == 200:
        return dataclasses.replace(reply, hold=hold)
    return Reply(0, None, hold=hold)


def poll_again(state: BotApiState, raw_params: dict[str, Any]) -> Reply:
    """Re-run a waiting getUpdates after something changed (not logged again)."""
    try:
        result = _get_updates(state, decode(raw_params))
    except ApiError as exc:
        return Reply(exc.status, exc.payload())
    return Reply(200, {"ok": True, "result": result})
