"""Registers every handler: each module in ``handlers`` with a ``register(app)`` function, in
name order, then the catch-alls last so they only see what no command took."""

from __future__ import annotations

from telegram.ext import Application

import handlers
from bot.discovery import import_all
from handlers import core


def register_all(app: Application) -> None:  # type: ignore[type-arg]
    for module in import_all(handlers):
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
    core.register_fallbacks(app)
