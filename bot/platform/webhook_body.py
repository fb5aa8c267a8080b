"""What a webhook request must carry before anything reads it as a Telegram update.

Kept free of any web framework so whichever server receives updates can call it: the answer
to a bad body is a plain 400 and one log line, never a traceback or a 500.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BODY_BYTES = 1024 * 1024


class BadBody(ValueError):
    """The request body is not a Telegram update; the message says why, without its content."""


def parse_update_body(body: bytes) -> dict[str, Any]:
    """The body as a JSON object with an integer ``update_id``, or :class:`BadBody`."""
    if len(body) > MAX_BODY_BYTES:
        raise BadBody(f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadBody("body is not JSON") from None
    if not isinstance(data, dict):
        raise BadBody("body is not a JSON object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise BadBody("body has no update_id")
    return data
