"""Our bot as the benchmarks start it: what ``samordna run`` does, plus a ready line.

``--unlimited`` lifts the send rate limiter (30 messages a second) so that a conversation
benchmark measures the bot rather than the limiter. ``--no-burst`` keeps the limiter's budget
but spends it evenly, one message every 1/29 s, instead of letting a full second's worth go
at once. ``--profile FILE`` samples the running bot with pyinstrument from the moment it is
ready until it is stopped, on asyncio's own event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from pathlib import Path
from typing import Any

from telegram.ext import AIORateLimiter

from bot import app as app_module
from bot.chat.turn import Services
from bot.platform import event_loop, heap
from bot.platform.config import load_settings
from bot.runner import serve


class UnthrottledRateLimiter(AIORateLimiter):
    """Keeps the limiter's retry after a 429 but never waits before a send."""

    def __init__(self, *, max_retries: int = 0, **_ignored: Any) -> None:
        super().__init__(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)


class BurstlessRateLimiter(AIORateLimiter):
    """At most 29 messages a second, each 1/29 s after the one before: a bucket of one."""

    def __init__(self, *, max_retries: int = 0, **_ignored: Any) -> None:
        super().__init__(overall_max_rate=1, overall_time_period=1 / 29, max_retries=max_retries)


def replace_rate_limiter(limiter: type[AIORateLimiter]) -> bool:
    """True when the application builder's rate limiter could be replaced."""
    if getattr(app_module, "rate_limiter", None) is None:
        return False
    setattr(app_module, "rate_limiter", lambda *_args, **_kwargs: limiter())  # noqa: B010
    return True


async def run(unlimited: bool, no_burst: bool, profile: Path | None) -> None:
    settings = load_settings()
    replaced = False
    if unlimited:
        replaced = replace_rate_limiter(UnthrottledRateLimiter)
    elif no_burst:
        replaced = replace_rate_limiter(BurstlessRateLimiter)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    profiler: Any = None

    async def on_ready(_app: object, _services: Services) -> None:
        nonlocal profiler
        heap.settle_after_start()  # as ``samordna run`` does
        if profile is not None:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.002, async_mode="disabled")
            profiler.start()
        print("READY " + json.dumps({"rate_limiter_replaced": replaced}), flush=True)

    try:
        await serve(settings, stop, on_ready=on_ready)
    finally:
        if profiler is not None and profile is not None:
            profiler.stop()
            profiler.last_session.save(str(profile))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--unlimited", action="store_true")
    parser.add_argument("--no-burst", action="store_true")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.profile is not None:
        # On uvloop the loop's waiting happens in C, where the profiler cannot tell it from
        # work; asyncio's own loop waits in selectors.py, which the profile counts as idle.
        asyncio.run(run(args.unlimited, args.no_burst, args.profile))
    else:
        event_loop.run(run(args.unlimited, args.no_burst, args.profile))


if __name__ == "__main__":
    main()
