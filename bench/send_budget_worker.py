"""One run of the shared send budget, in a process of its own: the Bot API double that
enforces Telegram's limits times each request when it handles it, so it must not share an
interpreter with the senders.

Starts the double and, with ``--people``, a bot that answers them (``samordna run``, which
leaves the nudges to the senders), seeds a backlog of due nudges (two for each person) into
``--database`` (PostgreSQL) and starts ``--processes`` senders (``samordna outbox run``).
Each person sends /help, waits for the answer, and a second later asks again. Measures
``--window`` seconds from the first message and prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import bots
from bench.dispatch import busiest_second, seed_backlog
from bench.proc import ROOT
from bench.recorder import AnswerRecorder
from bot.bot_api_double import BotApiDouble

PER_PERSON = 2
FIRST_PERSON = 950_000  # people who talk to the bot; the nudges go to other chats
THINK = 1.0  # seconds between an answer and the person's next message
POLL = 0.002


@dataclass
class BudgetRun:
    processes: int
    window: float
    nudges: int
    sent: int = 0
    refused: int = 0
    busiest: int = 0
    people: int = 0
    replies: list[float] = field(default_factory=list)  # latency of each answered /help
    unanswered: int = 0


def _sender(env: dict[str, str], command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", *command],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def run(args: argparse.Namespace) -> BudgetRun:
    bots.use_keys(args.key_file)
    result = BudgetRun(args.processes, args.window, args.nudges, people=args.people)
    async with BotApiDouble(enforce_limits=True) as double:
        recorder = AnswerRecorder(double)
        talker = bots.ours(double, args.database, args.folder, args.key_file)
        env = {**talker.env, "SAMORDNA_DISPATCH_INTERVAL": "0.2"}
        # The bot answering people leaves the nudges to the senders: its first look at the
        # outbox is before they are seeded, its next one after the window.
        talker.env = {**talker.env, "SAMORDNA_DISPATCH_INTERVAL": "60"}
        senders: list[subprocess.Popen[bytes]] = []
        try:
            if args.people:
                await talker.start()
                await asyncio.sleep(1.0)
            await seed_backlog(args.database, args.nudges, PER_PERSON)
            for number in range(args.processes):
                log = args.folder / f"sender-{number}.log"
                senders.append(_sender(env, ["outbox", "run"], log))
            first = await recorder.first_send(within=60.0) if senders else time.monotonic()
            end = first + args.window
            people = [double.user(FIRST_PERSON + i) for i in range(args.people)]
            answered = await asyncio.gather(
                *(_ask(recorder, p.chat_id, p.send, end) for p in people)
            )
            await asyncio.sleep(max(0.0, end - time.monotonic()))
        finally:
            for process in senders:
                process.send_signal(signal.SIGTERM)
            talker.stop()
            for process in senders:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        times = [t for t in recorder.send_times() if first <= t < end]
        result.sent = len(times)
        result.refused = recorder.refused
        result.busiest = busiest_second(times)
        result.replies = [latency for person in answered for latency in person[0]]
        result.unanswered = sum(person[1] for person in answered)
    return result


async def _ask(
    recorder: AnswerRecorder, chat: int, send: Callable[[str], object], end: float
) -> tuple[list[float], int]:
    """One person asking again and again until ``end``: each answer's latency, and how many
    questions got no answer within five seconds."""
    latencies: list[float] = []
    missed = 0
    while time.monotonic() < end:
        asked = time.monotonic()
        send("/help")
        while (answer := recorder.chat_answered(chat, asked)) is None:
            if time.monotonic() - asked > 5.0:
                missed += 1
                break
            await asyncio.sleep(POLL)
        if answer is not None:
            latencies.append(answer - asked)
        await asyncio.sleep(THINK)
    return latencies, missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--key-file", type=Path, required=True)
    parser.add_argument("--processes", type=int, required=True)
    parser.add_argument("--nudges", type=int, required=True)
    parser.add_argument("--window", type=float, required=True)
    parser.add_argument("--people", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asdict(asyncio.run(run(args)))), flush=True)


if __name__ == "__main__":
    main()
