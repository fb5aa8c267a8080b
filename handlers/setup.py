"""Registers every handler, commands first, then the catch-alls so they only see what no
command took. Adding a handler module means adding it here."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    attachments,
    core,
    edits,
    individuals,
    meetings,
    not_private,
    preparation,
    staff,
    survey,
)

MODULES = (attachments, core, edits, individuals, meetings, not_private, preparation, staff, survey)


def register_all(app: Application) -> None:  # type: ignore[type-arg]
    for module in MODULES:
        module.register(app)
    core.register_fallbacks(app)
