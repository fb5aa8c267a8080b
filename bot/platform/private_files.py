"""The data directory and the SQLite files are readable by the service's own user only.

They hold who takes part in which meeting; on a shared server the default 0755/0644 would let
every local account read them. SQLite creates its ``-wal`` and ``-shm`` files with the mode of
the database file, so creating that file 0600 before SQLite opens it covers all three; files
made by an older version are tightened when the database is opened.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy.engine import make_url

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SUFFIXES: tuple[str, ...] = ("", "-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) for the owner only; an existing one is left as
    the operator made it."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        with contextlib.suppress(OSError):  # created concurrently by someone else
            created.chmod(DIR_MODE)


def sqlite_path(database_url: str) -> Path | None:
    """The file behind an SQLite URL; None for other databases and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    name = url.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def prepare_sqlite(database_url: str) -> None:
    """Create the database's directory and file for the owner only; tighten existing files."""
    path = sqlite_path(database_url)
    if path is None:
        return
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for suffix in SQLITE_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            if companion.stat().st_mode & 0o077:
                companion.chmod(FILE_MODE)
