"""Throw-away databases for one benchmark run: SQLite files in a temporary directory and fresh
schemas in the local PostgreSQL, all removed again when the run ends."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

import psycopg

POSTGRES_URL = os.environ.get(
    "SAMORDNA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def postgres_problem(url: str = POSTGRES_URL) -> str | None:
    """None when PostgreSQL answers; otherwise one line saying why not."""
    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        text = str(exc).strip()
        return text.splitlines()[0] if text else type(exc).__name__


class TempDatabases:
    """Hands out empty databases by name and drops every one of them on close."""

    def __init__(self, postgres_url: str = POSTGRES_URL) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="samordna-bench-"))
        self.key_file = self.root / "secret.key"
        self.postgres_url = postgres_url
        self.postgres_missing = postgres_problem(postgres_url)
        self._schemas: list[str] = []
        self._files = 0

    def path(self, name: str) -> Path:
        """The directory for files that belong to one experiment."""
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def sqlite(self, name: str) -> str:
        """A new, empty database file, even when ``name`` was used before."""
        self._files += 1
        return f"sqlite:///{self.path(name) / f'bench-{self._files}.db'}"

    def postgres(self, name: str) -> str | None:
        if self.postgres_missing is not None:
            return None
        schema = f"bench_{name}_{secrets.token_hex(4)}".lower()
        with psycopg.connect(self.postgres_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        self._schemas.append(schema)
        separator = "&" if "?" in self.postgres_url else "?"
        return f"{self.postgres_url}{separator}options=-csearch_path%3D{schema}"

    def url(self, kind: str, name: str) -> str | None:
        return self.sqlite(name) if kind == "sqlite" else self.postgres(name)

    def close(self) -> None:
        if self._schemas:
            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                for schema in self._schemas:
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            self._schemas.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempDatabases:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
