"""Configuration: defaults, URL handling, and one clear line for a bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.platform.config import SettingsError, load_settings
from bot.platform.db import async_url, sync_url

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize("written", ["24,2", "24, 2", " 24 ,2 ", "[24, 2]", "[24,2]"])
def test_a_list_setting_may_be_written_with_commas_or_as_json(
    monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    monkeypatch.setenv("SAMORDNA_REMINDER_OFFSETS_HOURS", written)
    assert load_settings(_env_file=None).reminder_offsets_hours == (24, 2)


def test_an_empty_list_setting_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMORDNA_REMINDER_OFFSETS_HOURS", "")
    assert load_settings(_env_file=None).reminder_offsets_hours == ()


LIST_FORM = "expected whole hours before the meeting, separated by commas, like 24,2"


@pytest.mark.parametrize("written", ["24,soon", "24;2", "[24, 2", '{"hours": 24}', "0,2", "-1"])
def test_a_bad_list_setting_is_one_line_with_the_expected_form(
    monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    monkeypatch.setenv("SAMORDNA_REMINDER_OFFSETS_HOURS", written)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    line = str(caught.value)
    assert line.startswith("SAMORDNA_REMINDER_OFFSETS_HOURS: ")
    assert line.endswith(LIST_FORM)
    assert "\n" not in line


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("SAMORDNA_QUIET_HOURS_START", "SAMORDNA_QUIET_HOURS_START: expected a time of day"),
        ("SAMORDNA_DISPATCH_INTERVAL", "SAMORDNA_DISPATCH_INTERVAL: expected a number"),
        ("SAMORDNA_NUDGE_DAILY_CAP", "SAMORDNA_NUDGE_DAILY_CAP: expected a whole number"),
        ("SAMORDNA_DISTRIBUTION_DAYS", "SAMORDNA_DISTRIBUTION_DAYS: expected weekdays"),
        ("SAMORDNA_LOG_LEVEL", "SAMORDNA_LOG_LEVEL: not a log level; expected one of DEBUG"),
        ("SAMORDNA_API_BASE_URL", "SAMORDNA_API_BASE_URL: must start with https://"),
    ],
)
def test_garbage_in_any_setting_names_it_and_the_form(
    monkeypatch: pytest.MonkeyPatch, variable: str, expected: str
) -> None:
    monkeypatch.setenv(variable, "what?!")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def _cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "db", "upgrade"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_command_line_takes_a_comma_list(tmp_path: Path) -> None:
    result = _cli(tmp_path, SAMORDNA_REMINDER_OFFSETS_HOURS="24,2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database is up to date"


def test_command_line_names_each_bad_setting_on_its_own_line(tmp_path: Path) -> None:
    result = _cli(
        tmp_path,
        SAMORDNA_REMINDER_OFFSETS_HOURS="24,two",
        SAMORDNA_LOG_LEVEL="loud",
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "samordna: SAMORDNA_LOG_LEVEL: not a log level; expected one of "
        "DEBUG, INFO, WARNING, ERROR, CRITICAL",
        f"samordna: SAMORDNA_REMINDER_OFFSETS_HOURS: {LIST_FORM}",
    ]
