"""SQL statements per update: one individual does the förmöte against the bot in this process,
and every statement the bot sends while handling an update is counted for that update.

``python -m bench.statements [--postgres] [--verbose]``. An update's statements are those run
by the task that took its update id (see ``handlers.common``), from that moment on: what the
inbox does before and the background jobs do meanwhile are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from bench import bots, seeding
from bench.databases import TempDatabases
from bench.individuals import Individual
from bench.recorder import AnswerRecorder
from bot.bot_api_double import BotApiDouble
from bot.chat import update_ids
from bot.chat.update_ids import FirstTime
from bot.platform.clock import SystemClock
from bot.runner import serve

PERSON = 100_000


@dataclass
class Counted:
    """The statements of one update, in order."""

    update_id: int
    statements: list[str] = field(default_factory=list)


class StatementCounter:
    """Attributes each statement to the update whose task runs it."""

    def __init__(self) -> None:
        self.updates: list[Counted] = []
        self._by_task: dict[asyncio.Task[Any], Counted] = {}

    def begin(self, update_id: int) -> None:
        task = asyncio.current_task()
        if task is not None:
            counted = Counted(update_id)
            self.updates.append(counted)
            self._by_task[task] = counted

    def on_statement(self, *args: Any) -> None:
        statement: str = args[2]
        with contextlib.suppress(RuntimeError):
            task = asyncio.current_task()
            if task is not None and task in self._by_task:
                self._by_task[task].statements.append(" ".join(statement.split()))


async def count(storage: str) -> list[Counted]:
    counter = StatementCounter()
    take = update_ids.take

    async def counted_take(
        session: AsyncSession, update_id: int, telegram_id: int, now: datetime
    ) -> FirstTime | None:
        counter.begin(update_id)
        return await take(session, update_id, telegram_id, now)

    update_ids.take = counted_take
    event.listen(Engine, "before_cursor_execute", counter.on_statement)
    try:
        with TempDatabases() as dbs:
            bots.use_keys(dbs.key_file)
            url = dbs.url(storage, "statements")
            if url is None:
                raise SystemExit(f"no {storage} database: {dbs.postgres_missing}")
            db = await seeding.migrated(url)
            try:
                await seeding.individuals(db, SystemClock(), [PERSON])
            finally:
                await db.dispose()
            async with BotApiDouble() as double:
                settings = bots.settings(double, url, dbs.path("statements"), dbs.key_file)
                stop, ready = asyncio.Event(), asyncio.Event()

                async def on_ready(_app: object, _services: object) -> None:
                    ready.set()

                bot = asyncio.create_task(serve(settings, stop, on_ready=on_ready))
                await asyncio.wait_for(ready.wait(), 30)
                handle = double.user(PERSON, first_name="Person", language_code="sv")
                journey = await Individual(handle, AnswerRecorder(double)).prepare(within=20)
                stop.set()
                await asyncio.wait_for(bot, 30)
                if not journey.saved:
                    raise SystemExit(f"the förmöte was not finished: {journey.problem}")
    finally:
        event.remove(Engine, "before_cursor_execute", counter.on_statement)
        update_ids.take = take
    return counter.updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    updates = asyncio.run(count("postgres" if args.postgres else "sqlite"))
    for n, counted in enumerate(updates):
        print(f"update {n} ({counted.update_id}): {len(counted.statements)} statements")
        if args.verbose:
            for statement in counted.statements:
                print(f"    {statement[:160]}")
    total = sum(len(c.statements) for c in updates)
    print(f"{len(updates)} updates, {total} statements, {total / max(len(updates), 1):.1f} each")


if __name__ == "__main__":
    main()
