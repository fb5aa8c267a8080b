"""The outbox dispatcher alone, in its own process, with the rate limiter lifted: a plain
``telegram.Bot`` (no limiter) and back-to-back ticks until ``--expect`` messages went out.

Prints one JSON line: messages sent, wall seconds, and the CPU seconds of this process (every
thread, so SQLite's worker thread counts) spent on them; start-up is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import time
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.outbox.dispatcher import Dispatcher
from bot.platform.config import load_settings
from bot.runner import open_services

POOL = 64  # as many connections as the dispatcher may send on at once, and more


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(expect: int, batch: int, deadline: float, profile: Path | None) -> dict[str, Any]:
    settings = load_settings()
    services = await asyncio.to_thread(open_services, settings)
    bot = Bot(
        settings.token or "",
        base_url=settings.api_base_url,
        base_file_url=settings.resolved_file_url,
        request=HTTPXRequest(connection_pool_size=POOL),
    )
    profiler: Any = None
    try:
        await bot.initialize()
        dispatcher = Dispatcher(services, bot, batch_size=batch)
        if profile is not None:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001, async_mode="disabled")
            profiler.start()
        cpu, began = _cpu(), time.perf_counter()
        sent, idle = 0, 0
        while sent < expect and idle < 3 and time.perf_counter() - began < deadline:
            done = await dispatcher.tick()
            sent += done
            idle = idle + 1 if done == 0 else 0
        seconds, cpu = time.perf_counter() - began, _cpu() - cpu
        if profiler is not None and profile is not None:
            profiler.stop()
            profiler.last_session.save(str(profile))
        return {"sent": sent, "seconds": seconds, "cpu_seconds": cpu}
    finally:
        await bot.shutdown()
        await services.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--deadline", type=float, default=240.0)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(run(args.expect, args.batch, args.deadline, args.profile))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
