"""Configuration: defaults, URL handling, and one clear line for a bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.platform.config import SettingsError, load_settings
from bot.platform.db import async_url, sync_url

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_use_sqlite_under_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMORDNA_DATABASE_URL", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.resolved_database_url == "sqlite:///data/samordna.db"
    assert settings.timezone == "Europe/Stockholm"
    assert settings.default_locale == "sv"
    assert settings.resolved_file_url == "https://api.telegram.org/file/bot"


def test_plain_urls_get_async_drivers() -> None:
    assert async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert async_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sync_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SAMORDNA_TIMEZONE", "Mars/Olympus", "SAMORDNA_TIMEZONE: unknown time zone"),
        ("SAMORDNA_DEFAULT_LOCALE", "fi", "SAMORDNA_DEFAULT_LOCALE: must be one of sv, en"),
        ("SAMORDNA_WEBHOOK_PORT", "eighty", "SAMORDNA_WEBHOOK_PORT:"),
        ("SAMORDNA_DATABASE_URL", "mysql://x", "SAMORDNA_DATABASE_URL: must start with"),
        ("SAMORDNA_MODE", "carrier-pigeon", "SAMORDNA_MODE:"),
    ],
)
def test_bad_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_webhook_mode_needs_its_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMORDNA_MODE", "webhook")
    with pytest.raises(SettingsError, match="SAMORDNA_WEBHOOK_URL is required"):
        load_settings(_env_file=None)


def test_command_line_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "db", "upgrade"],
        cwd=tmp_path,
        env={"SAMORDNA_TIMEZONE": "Nowhere/Else", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "samordna: SAMORDNA_TIMEZONE: unknown time zone 'Nowhere/Else'"
    ]


def test_version_and_help(tmp_path: Path) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert version.stdout.strip() == "samordna 0.1.0"
    usage = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "db", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "upgrade" in usage.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "db", "upgrade"],
        cwd=ROOT,
        env={"SAMORDNA_DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database is up to date"
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert {"flow_states", "consents", "outbox", "audit_entries"} <= tables
