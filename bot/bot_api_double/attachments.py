"""Messages without text as Telegram sends them: photos, stickers, voice, files, places, contacts.

Only the fields the Bot API always sets, so the bot under test sees what it would see from a
real client and cannot rely on anything optional.
"""

from __future__ import annotations

from typing import Any

KINDS: tuple[str, ...] = ("photo", "sticker", "voice", "document", "location", "contact")


def sample(kind: str, user_id: int, first_name: str) -> Any:
    """The message field for ``kind`` (e.g. a list of sizes for a photo)."""
    file = {"file_id": f"{kind[:3].upper()}AAx{user_id}", "file_unique_id": f"AQ{user_id}"}
    if kind == "photo":
        return [{**file, "width": 90, "height": 90}, {**file, "width": 800, "height": 800}]
    if kind == "sticker":
        return {
            **file,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    if kind == "voice":
        return {**file, "duration": 4}
    if kind == "document":
        return {**file, "file_name": "intyg.pdf", "mime_type": "application/pdf"}
    if kind == "location":
        return {"latitude": 55.6050, "longitude": 13.0038}
    if kind == "contact":
        return {"phone_number": "+46701234567", "first_name": first_name, "user_id": user_id}
    raise ValueError(f"unknown attachment kind {kind!r}; known: {', '.join(KINDS)}")
