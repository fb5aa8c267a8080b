"""What may reach the log: never the content of an update, free text or a Telegram id.

Libraries log whatever they handle once their level allows it: python-telegram-bot writes
every update and every message it sends at DEBUG, SQLAlchemy and aiosqlite every query with
its parameters, httpx every URL (with the bot token in it). So only our own packages follow
``SAMORDNA_LOG_LEVEL``; every other logger is held at WARNING or above, whatever the level.
Our own code logs row and update numbers only, never who or what.
"""

from __future__ import annotations

import logging

OWN_PACKAGES: tuple[str, ...] = ("bot", "handlers", "flows")
LIBRARY_FLOOR = logging.WARNING
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers held at the floor even if something sets the root lower later.
LIBRARIES: tuple[str, ...] = (
    "telegram",
    "httpx",
    "httpcore",
    "sqlalchemy",
    "aiosqlite",
    "psycopg",
    "tornado",
    "apscheduler",
    "alembic",
)


class _RetriedElsewhere(logging.Filter):
    """python-telegram-bot's rate limiter logs a 429 it passes on as an ERROR with a
    traceback; the caller (the outbox dispatcher) handles it and logs one line itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum")


_RATE_LIMITER_FILTER = _RetriedElsewhere()


def configure(level_name: str) -> None:
    """Set up logging for a command: our packages at ``level_name``, libraries no lower
    than WARNING."""
    level = logging.getLevelNamesMapping()[level_name.upper()]
    floor = max(level, LIBRARY_FLOOR)
    logging.basicConfig(level=floor, format=FORMAT)
    logging.getLogger().setLevel(floor)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(floor)
    for name in OWN_PACKAGES:
        logging.getLogger(name).setLevel(level)
    limiter = logging.getLogger("telegram.ext.AIORateLimiter")
    if _RATE_LIMITER_FILTER not in limiter.filters:
        limiter.addFilter(_RATE_LIMITER_FILTER)
