"""Alembic environment: runs against the URL handed over by :mod:`bot.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.models import Base
from bot.platform.db import sync_url, tune_sync_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    engine = create_engine(sync_url(url))
    tune_sync_engine(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
