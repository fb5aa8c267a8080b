"""The double's vocabulary: what tests inspect (messages, calls) and what they script (faults).

Kept free of behaviour so tests, the HTTP layer and the state can share it without cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]
MessageKind = Literal["text", "document", "photo"]

BLOCKED = "Forbidden: bot was blocked by the user"


class ApiError(Exception):
    """A Bot API failure, carrying the status and description Telegram would send."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """What a user sees of one bot message at one moment (text is after parse_mode)."""

    message_id: int
    chat_id: int
    text: str
    kind: MessageKind
    buttons: list[list[Button]]
    document: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    photo: bytes | None = None
    parse_mode: str | None = None
    edits: int = 0
    date: int = 0
    raw_text: str = ""
    entities: list[JSON] = field(default_factory=list)
    keyboard: list[list[str]] | None = None
    edit_date: int | None = None

    @property
    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    def describe(self) -> str:
        """One readable line for transcripts in assertion messages."""
        body = self.text
        if self.kind != "text":
            body = f"[{self.kind} {self.filename or ''}] {body}".rstrip()
        if self.buttons:
            body += "  " + " ".join(f"[{t}]" for t in self.button_texts)
        return body


@dataclass(frozen=True, slots=True)
class UserLine:
    """What the user typed, as their own chat shows it (a photo or sticker has no text)."""

    message_id: int
    chat_id: int
    text: str
    date: int


@dataclass(frozen=True, slots=True)
class Fault:
    """A scripted failure: the next ``times`` matching calls fail instead of running.

    ``method="*"`` matches every method, getUpdates included, so give a ``chat_id`` when
    a polling bot should not use up the fault. ``timeout`` alone holds the request that
    long and then drops the connection; with a ``status`` it delays the error answer.

    With ``delivered=True`` the call takes effect first (Telegram accepted the message) and
    only the answer is held ``timeout`` seconds: then dropped, or sent late with
    ``status=200``.
    """

    method: str = "*"
    status: int | None = None
    retry_after: int = 1
    times: int | None = 1
    chat_id: int | None = None
    timeout: float | None = None
    description: str | None = None
    delivered: bool = False

    def __post_init__(self) -> None:
        if self.status is None and self.timeout is None:
            raise ValueError("a Fault needs a status or a timeout")
        if self.delivered and (self.timeout is None or self.status not in (None, 200)):
            raise ValueError("a delivered Fault needs a timeout, and no status but 200")

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method != "*" and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> ApiError:
        status = self.status or 500
        if status == 429:
            return ApiError(
                429,
                self.description or f"Too Many Requests: retry after {self.retry_after}",
                retry_after=self.retry_after,
            )
        return ApiError(status, self.description or _DEFAULT_DESCRIPTIONS.get(status, "Error"))


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: "Conflict: injected fault",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request as the bot made it; status 0 means the connection was dropped."""

    method: str
    params: JSON
    chat_id: int | None
    time: float
    status: int


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes | None
    filename: str | None
    mime_type: str | None
    path: str


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    generation: int


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A validated bot message, ready to be stored (built by the method layer)."""

    kind: MessageKind
    text: str
    raw_text: str
    entities: list[JSON]
    parse_mode: str | None
    inline_keyboard: list[list[JSON]] | None
    reply_keyboard: list[list[str]] | None = None
    remove_keyboard: bool = False
    upload: tuple[bytes | None, str | None, str | None] | None = None
    existing_file: StoredFile | None = None
    reply_to: int | None = None


def buttons_from_markup(keyboard: list[list[JSON]] | None) -> list[list[Button]]:
    if not keyboard:
        return []
    return [
        [Button(str(b.get("text", "")), b.get("callback_data"), b.get("url")) for b in row]
        for row in keyboard
    ]
