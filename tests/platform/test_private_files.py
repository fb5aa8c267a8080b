"""The data directory is 0700 and the SQLite files (with -wal and -shm) 0600, under the usual
umask 022 that would otherwise make them 0755 and 0644."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from bot.runner import open_services

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_db_upgrade_creates_a_private_data_directory(tmp_path: Path, usual_umask: None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "db", "upgrade"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "samordna.db") == 0o600


async def test_the_running_database_files_are_private(tmp_path: Path, usual_umask: None) -> None:
    data = tmp_path / "data"
    settings = Settings(_env_file=None, data_dir=data)
    services = await asyncio.to_thread(open_services, settings, SystemClock())
    try:
        async with services.db.transaction() as session:
            await session.execute(text("CREATE TABLE probe (x INTEGER)"))
            await session.execute(text("INSERT INTO probe VALUES (1)"))
        files = ("samordna.db", "samordna.db-wal", "samordna.db-shm", "secret.key")
        assert {name: mode(data / name) for name in files} == dict.fromkeys(files, 0o600)
        assert mode(data) == 0o700
    finally:
        await services.db.dispose()


async def test_files_of_an_older_version_are_tightened(tmp_path: Path, usual_umask: None) -> None:
    database = tmp_path / "old.db"
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE probe (x INTEGER)")
    connection.commit()
    assert mode(database) == 0o644
    assert mode(Path(f"{database}-wal")) == 0o644
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=f"sqlite:///{database}")
    services = await asyncio.to_thread(open_services, settings, SystemClock())
    try:
        assert mode(database) == 0o600
        assert mode(Path(f"{database}-wal")) == 0o600
    finally:
        await services.db.dispose()
        connection.close()
