"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.migrate import pending_changes, upgrade


def test_models_and_migrations_agree(database_url: str) -> None:
    assert pending_changes(database_url) == []


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert pending_changes(database_url) == []
