"""What the numbers were measured on: the machine, the software, the date, how busy it was."""

from __future__ import annotations

import os
import platform
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psycopg

PACKAGES = (
    "python-telegram-bot",
    "SQLAlchemy",
    "aiosqlite",
    "psycopg",
    "alembic",
    "APScheduler",
    "Babel",
    "httpx",
    "tornado",
    "pyinstrument",
)


@dataclass
class Machine:
    started: datetime
    cpu: str
    cores: int
    memory_gib: float
    system: str
    python: str
    packages: dict[str, str]
    sqlite: str
    postgres: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    notes: list[str] = field(default_factory=list)


def describe(postgres_url: str | None) -> Machine:
    return Machine(
        started=datetime.now(UTC),
        cpu=_cpu_model(),
        cores=os.cpu_count() or 0,
        memory_gib=_memory_kib() / 1024 / 1024,
        system=f"{platform.system()} {platform.release()}",
        python=platform.python_version(),
        packages={name: _version(name) for name in PACKAGES},
        sqlite=sqlite3.sqlite_version,
        postgres=_postgres_version(postgres_url),
        load_before=os.getloadavg(),
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_kib() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _postgres_version(url: str | None) -> str:
    if url is None:
        return "not reachable"
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except psycopg.Error:
        return "not reachable"
