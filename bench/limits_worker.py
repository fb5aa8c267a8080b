"""Experiment 2b in a process of its own: the Bot API double that enforces Telegram's limits
times each request when it handles it, so it must not share a process (and its interpreter
lock) with other work, or requests held up there would look bunched together.

Seeds the backlog into ``--database``, starts the double and the real bot, lets it send for
``--window`` seconds from its first message, and prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

from bench import bots
from bench.dispatch import LIMITERS, LimitedRun, busiest_second, seed_backlog
from bench.recorder import AnswerRecorder
from bot.bot_api_double import BotApiDouble

PER_PERSON = 2  # two nudges for each person, so that one a second per chat is tested


async def run(args: argparse.Namespace) -> LimitedRun:
    bots.use_keys(args.key_file)
    await seed_backlog(args.database, args.nudges, PER_PERSON)
    async with BotApiDouble(enforce_limits=True) as double:
        recorder = AnswerRecorder(double)
        bot = bots.ours(double, args.database, args.folder, args.key_file, no_burst=args.no_burst)
        try:
            await bot.start()
            first = await recorder.first_send(within=30.0)
            await asyncio.sleep(max(0.0, first + args.window - time.monotonic()))
        finally:
            bot.stop()
        times = [t for t in recorder.send_times() if first <= t < first + args.window]
        return LimitedRun(
            LIMITERS[args.no_burst],
            args.nudges,
            args.window,
            len(times),
            recorder.refused,
            recorder.refused_same_chat,
            busiest_second(times),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--key-file", type=Path, required=True)
    parser.add_argument("--nudges", type=int, required=True)
    parser.add_argument("--window", type=float, required=True)
    parser.add_argument("--no-burst", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asdict(asyncio.run(run(args)))), flush=True)


if __name__ == "__main__":
    main()
