"""Applies the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.platform.private_files import prepare_sqlite

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the schema to the newest revision; safe to run on every start."""
    _ensure_sqlite_dir(database_url)
    command.upgrade(alembic_config(database_url), revision)


def _ensure_sqlite_dir(database_url: str) -> None:
    prepare_sqlite(database_url)


def pending_changes(database_url: str) -> list[object]:
    """Differences between the models and the migrated schema; empty when they agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    from bot.models import Base
    from bot.platform.db import sync_url

    upgrade(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def regenerate_initial() -> Path:
    """Rewrite the single initial migration from the models.

    Only while nothing is released: once a database in service has run 0001, schema changes
    get a new revision (``alembic revision --autogenerate``) instead.
    """
    import tempfile

    versions = MIGRATIONS / "versions"
    for old in versions.glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/empty.db"
        command.revision(
            alembic_config(url), message="initial schema", autogenerate=True, rev_id="0001"
        )
    (created,) = versions.glob("0001_*.py")
    return created


if __name__ == "__main__":
    import subprocess
    import sys

    if sys.argv[1:] != ["regenerate"]:
        raise SystemExit("usage: python -m bot.migrate regenerate")
    path = regenerate_initial()
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(path)], check=True)
    print(path)
