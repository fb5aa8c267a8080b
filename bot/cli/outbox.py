"""``samordna outbox run`` (a process that only sends the outbox) and ``samordna outbox status``.

A separate sender is useful when the bot runs in webhook mode behind a load balancer: any
number of bot processes and senders share one PostgreSQL database, and no row is sent twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.platform import heap
from bot.platform.config import Settings

if TYPE_CHECKING:
    from bot.chat.turn import Services


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("outbox", help="the queue of messages the bot sends by itself")
    tasks = parser.add_subparsers(dest="outbox_command", metavar="TASK", required=True)
    run = tasks.add_parser("run", help="send due messages until stopped (no chat handling)")
    run.set_defaults(handler=_run)
    status = tasks.add_parser("status", help="how many messages wait, were sent or failed")
    status.set_defaults(handler=_status)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        print("samordna: SAMORDNA_TELEGRAM_TOKEN is needed to send messages")
        return 2
    asyncio.run(_send_until_stopped(settings))
    return 0


async def _send_until_stopped(settings: Settings) -> None:
    from telegram.ext import ExtBot
    from telegram.request import HTTPXRequest

    from bot.outbox.dispatcher import Dispatcher
    from bot.outbox.send_limits import rate_limiter
    from bot.runner import open_services, start_ops

    services = await asyncio.to_thread(open_services, settings)
    ops = start_ops(settings, services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bot: ExtBot[int] = ExtBot(
        settings.token or "",
        base_url=settings.api_base_url,
        base_file_url=settings.resolved_file_url,
        request=HTTPXRequest(connection_pool_size=2 * settings.outbox_concurrency),
        rate_limiter=rate_limiter(settings, services.db, max_retries=0),
    )
    try:
        async with bot:
            dispatcher = Dispatcher(services, bot)
            heap.settle_after_start()
            while not stop.is_set():
                await dispatcher.drain()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.dispatch_interval)
    finally:
        if ops is not None:
            await ops.stop()
        await services.db.dispose()


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import open_services

    services = open_services(settings)
    for status, count in asyncio.run(_counts(services)):
        print(f"{status:10} {count}")
    return 0


async def _counts(services: Services) -> list[tuple[str, int]]:
    from bot.models import OutboxMessage

    try:
        async with services.db.transaction() as session:
            rows = await session.execute(
                select(OutboxMessage.status, func.count())
                .group_by(OutboxMessage.status)
                .order_by(OutboxMessage.status)
            )
            return [(str(status), int(count)) for status, count in rows.all()]
    finally:
        await services.db.dispose()
