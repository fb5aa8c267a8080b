"""``make bench``: every experiment in one run, then ``bench/results.md``.

The run keeps to a time budget (ten minutes on a two-core machine with room to spare): an
experiment whose estimate no longer fits is left out and the report says so. Everything it
starts (bot processes, Bot API doubles, databases) is stopped and removed again; it talks only
to 127.0.0.1. ``--quick`` runs the same code with small sizes, to check the harness.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bench import (
    bots,
    conversation,
    crash,
    dispatch,
    latency,
    machine,
    profiling,
    scale,
    scaleout,
    send_budget,
)
from bench.databases import TempDatabases
from bench.proc import ROOT
from bench.report import conversations_section, render

RESULTS = ROOT / "bench" / "results.md"
T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    """What each experiment handles, and the time boxes that keep the run under ten minutes:
    a crowd or the unthrottled dispatcher still busy when its window ends is measured over
    the window."""

    crowds: tuple[int, ...] = (100, 1_000)
    conversation_window: float = 8.0
    latency_rates: tuple[int, ...] = (25, 50, 100)
    latency_seconds: float = 10.0
    nudges: int = 10_000
    dispatch_window: float = 20.0
    limits_window: float = 20.0
    scale: tuple[int, ...] = (1_000, 100_000)
    crash_individuals: int = 50
    crash_reminders: int = 240
    profile_individuals: int = 50
    profile_window: float = 10.0
    budget: float = 590.0
    answer_within: float = 30.0
    scaleout: tuple[int, ...] = (1, 2, 4)
    scaleout_individuals: int = 40
    scaleout_window: float = 15.0


QUICK = Sizes(
    crowds=(10, 30),
    conversation_window=8.0,
    latency_rates=(5, 10),
    latency_seconds=4.0,
    nudges=600,
    dispatch_window=10.0,
    limits_window=5.0,
    scale=(100, 1_000, 5_000),
    crash_individuals=5,
    crash_reminders=30,
    profile_individuals=10,
    profile_window=5.0,
    budget=240.0,
    answer_within=20.0,
    scaleout=(1, 2),
    scaleout_individuals=10,
    scaleout_window=8.0,
)


@dataclass
class Results:
    sizes: Sizes
    machine: machine.Machine
    postgres_missing: str | None
    conversations: list[conversation.ConversationRun] = field(default_factory=list)
    latency_runs: list[latency.LatencyRun] = field(default_factory=list)
    unthrottled: list[dispatch.UnthrottledRun] = field(default_factory=list)
    limited: list[dispatch.LimitedRun] = field(default_factory=list)
    scale: list[scale.ScaleRun] = field(default_factory=list)
    scaleout: list[scaleout.ScaleOutRun] = field(default_factory=list)
    crashed_conversations: list[crash.ConversationCrash] = field(default_factory=list)
    crashed_reminders: list[crash.ReminderCrash] = field(default_factory=list)
    profile: profiling.Profile | None = None
    profile_run: conversation.ConversationRun | None = None
    sections: list[str] = field(default_factory=list)  # Markdown of the sections below
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


# Experiments that render their own section of the report; ``--only NAME`` runs one alone.
STANDALONE: dict[str, Callable[[TempDatabases, bool], Coroutine[Any, Any, str]]] = {
    send_budget.NAME: send_budget.section,
}
STANDALONE_ESTIMATES: dict[str, Callable[[bool], float]] = {
    send_budget.NAME: send_budget.estimate,
}


class Budget:
    """Runs a step when its estimate still fits; a failing step is reported, not fatal."""

    def __init__(self, seconds: float, results: Results) -> None:
        self.deadline = time.monotonic() + seconds
        self.results = results

    def left(self) -> float:
        return self.deadline - time.monotonic()

    async def step(
        self,
        what: str,
        estimate: float,
        work: Callable[[], Awaitable[T]],
        into: list[Any] | None = None,
    ) -> T | None:
        if estimate > self.left():
            self.results.skipped.append(
                f"{what}: needs about {estimate:.0f} s, {max(0.0, self.left()):.0f} s were left"
            )
            print(f"-- skipped {what}", flush=True)
            return None
        print(f"-- {what} (about {estimate:.0f} s)", flush=True)
        began = time.monotonic()
        try:
            result = await work()
        except Exception as exc:
            logging.getLogger("bench").exception("%s failed", what)
            self.results.failed.append(f"{what}: {type(exc).__name__}: {exc}")
            return None
        finally:
            print(f"   {what}: {time.monotonic() - began:.1f} s", flush=True)
        if result is not None and into is not None:
            into.append(result)
        return result


def _flow_estimate(sizes: Sizes, individuals: int, storage: str = "sqlite") -> float:
    """Seeding, start-up and the time box."""
    seeding = individuals * (0.012 if storage == "postgres" else 0.006)
    return seeding + sizes.conversation_window + 5


@dataclass
class Bench:
    """What every section works with: the sizes, the databases, the budget, the results."""

    sizes: Sizes
    dbs: TempDatabases
    results: Results
    budget: Budget

    @property
    def storages(self) -> list[str]:
        return ["sqlite"] + ([] if self.dbs.postgres_missing else ["postgres"])


Section = Callable[[Bench], Awaitable[None]]


async def closed_loop(bench: Bench) -> None:
    """Throughput and CPU per update, everyone at once, ours on each database and plain PTB."""
    sizes, dbs, results = bench.sizes, bench.dbs, bench.results
    within, window = sizes.answer_within, sizes.conversation_window
    for crowd in sizes.crowds:
        for storage in bench.storages:
            await bench.budget.step(
                f"conversations, Samordna on {storage}, {crowd} individuals",
                _flow_estimate(sizes, crowd, storage),
                partial(conversation.ours, dbs, storage, crowd, within=within, window=window),
                results.conversations,
            )
        await bench.budget.step(
            f"conversations, plain PTB, {crowd} individuals",
            _flow_estimate(sizes, 0),
            partial(conversation.plain, dbs, crowd, within=within, window=window),
            results.conversations,
        )


async def open_loop(bench: Bench) -> None:
    """Latency at steady rates: PostgreSQL first, as the target is set there."""
    sizes, dbs = bench.sizes, bench.dbs
    rates, seconds = sizes.latency_rates, sizes.latency_seconds
    people = latency.people_needed(rates, seconds)
    estimate = len(rates) * seconds + 15
    for storage in reversed(bench.storages):
        await bench.budget.step(
            f"latency at {'/'.join(map(str, rates))} updates/s, Samordna on {storage}",
            estimate + people * (0.012 if storage == "postgres" else 0.006),
            partial(latency.ours, dbs, storage, rates, seconds),
            bench.results.latency_runs,
        )
    await bench.budget.step(
        f"latency at {'/'.join(map(str, rates))} updates/s, plain PTB",
        estimate,
        partial(latency.plain, dbs, rates, seconds),
        bench.results.latency_runs,
    )


async def dispatch_sqlite(bench: Bench) -> None:
    sizes = bench.sizes
    await bench.budget.step(
        "dispatch, rate limiter lifted, SQLite",
        sizes.dispatch_window + 10,
        partial(
            dispatch.unthrottled, bench.dbs, "sqlite", sizes.nudges, window=sizes.dispatch_window
        ),
        bench.results.unthrottled,
    )


async def memory_and_start_up(bench: Bench) -> None:
    """Resident memory and start-up with many nudges scheduled, ours and plain PTB."""
    for reminders in bench.sizes.scale:
        await bench.budget.step(
            f"scale, Samordna, {reminders} nudges",
            reminders / 15_000 + 8,
            partial(scale.ours, bench.dbs, reminders),
            bench.results.scale,
        )
        await bench.budget.step(
            f"scale, plain PTB, {reminders} reminders",
            reminders / 8_000 + 8,
            partial(scale.plain, bench.dbs, reminders),
            bench.results.scale,
        )


async def telegram_limits(bench: Bench) -> None:
    """Telegram's limits keep these two mostly waiting, each in processes of its own, so they
    run side by side; nothing else runs meanwhile, as the double would see the jitter."""
    sizes = bench.sizes
    limited = [
        asyncio.create_task(
            bench.budget.step(
                f"dispatch with Telegram's limits, {dispatch.LIMITERS[no_burst]}",
                sizes.limits_window + 15,
                partial(
                    dispatch.limited,
                    bench.dbs,
                    sizes.nudges,
                    window=sizes.limits_window,
                    no_burst=no_burst,
                ),
                bench.results.limited,
            )
        )
        for no_burst in (False, True)
    ]
    await asyncio.gather(*limited)


async def crashes(bench: Bench) -> None:
    dbs, results, budget = bench.dbs, bench.results, bench.budget
    people, reminders = bench.sizes.crash_individuals, bench.sizes.crash_reminders
    await budget.step(
        "SIGKILL during conversations, Samordna",
        20,
        partial(crash.ours_conversations, dbs, people),
        results.crashed_conversations,
    )
    await budget.step(
        "SIGKILL during conversations, plain PTB",
        15,
        partial(crash.plain_conversations, dbs, people),
        results.crashed_conversations,
    )
    await budget.step(
        "SIGKILL while reminders go out, Samordna",
        25,
        partial(crash.ours_reminders, dbs, reminders),
        results.crashed_reminders,
    )
    await budget.step(
        "SIGKILL while reminders go out, plain PTB",
        15,
        partial(crash.plain_reminders, dbs, reminders),
        results.crashed_reminders,
    )


async def profile(bench: Bench) -> None:
    sizes, dbs, results = bench.sizes, bench.dbs, bench.results
    profile_file = dbs.path("profile") / "conversation.pyisession"
    profiled = await bench.budget.step(
        "profile of the conversation on SQLite",
        sizes.profile_window + 10,
        partial(
            conversation.ours,
            dbs,
            "sqlite",
            sizes.profile_individuals,
            within=sizes.answer_within,
            window=sizes.profile_window,
            profile=profile_file,
        ),
    )
    if profiled is not None:
        results.profile_run = profiled
        results.profile = profiling.read(profile_file)


async def scale_out(bench: Bench) -> None:
    sizes = bench.sizes
    for processes in [] if bench.dbs.postgres_missing else sizes.scaleout:
        await bench.budget.step(
            f"scale-out, {processes} webhook process(es) on PostgreSQL",
            sizes.scaleout_window + 10 + 3 * processes,
            partial(
                scaleout.run,
                bench.dbs,
                processes,
                sizes.scaleout_individuals,
                within=sizes.answer_within,
                window=sizes.scaleout_window,
            ),
            bench.results.scaleout,
        )


async def closed_loop_alone(dbs: TempDatabases, quick: bool) -> str:
    """Section 1 with the smaller crowd only: the quick way to compare CPU per update."""
    full = QUICK if quick else Sizes()
    sizes = replace(full, crowds=full.crowds[:1])
    bots.use_keys(dbs.key_file)
    postgres = None if dbs.postgres_missing else dbs.postgres_url
    results = Results(sizes, machine.describe(postgres), dbs.postgres_missing)
    await closed_loop(Bench(sizes, dbs, results, Budget(sizes.budget, results)))
    return conversations_section(results)


# Sections ``--only NAME`` runs alone that the full run already has among its own.
ALONE_ONLY: dict[str, Callable[[TempDatabases, bool], Coroutine[Any, Any, str]]] = {
    "closed_loop": closed_loop_alone,
}


async def standalone(bench: Bench) -> None:
    quick = bench.sizes == QUICK
    for name, section in STANDALONE.items():
        await bench.budget.step(
            name,
            STANDALONE_ESTIMATES[name](quick),
            partial(section, bench.dbs, quick),
            bench.results.sections,
        )


async def dispatch_postgres(bench: Bench) -> None:
    if bench.dbs.postgres_missing:
        return
    sizes = bench.sizes
    await bench.budget.step(
        "dispatch, rate limiter lifted, PostgreSQL",
        sizes.dispatch_window + 15,
        partial(
            dispatch.unthrottled, bench.dbs, "postgres", sizes.nudges, window=sizes.dispatch_window
        ),
        bench.results.unthrottled,
    )


# In the order they run; a section is one line here.
SECTIONS: list[Section] = [
    closed_loop,
    open_loop,
    dispatch_sqlite,
    memory_and_start_up,
    telegram_limits,
    crashes,
    profile,
    dispatch_postgres,
    scale_out,
    standalone,
]


async def run_all(sizes: Sizes, dbs: TempDatabases) -> Results:
    started = time.monotonic()
    postgres = None if dbs.postgres_missing else dbs.postgres_url
    bots.use_keys(dbs.key_file)
    results = Results(sizes, machine.describe(postgres), dbs.postgres_missing)
    bench = Bench(sizes, dbs, results, Budget(sizes.budget, results))
    for section in SECTIONS:
        await section(bench)
    results.machine.load_after = os.getloadavg()
    results.seconds = time.monotonic() - started
    return results


def put_section(path: Path, text: str) -> None:
    """Replace the section with the same heading in the report, or add it at the end."""
    heading = text.split("\n", 1)[0]
    old = path.read_text() if path.exists() else ""
    start = old.find(heading + "\n")
    if start < 0:
        path.write_text(old.rstrip() + "\n\n" + text)
        return
    end = old.find("\n## ", start + len(heading))
    path.write_text(old[:start] + text.rstrip() + ("\n" + old[end:] if end >= 0 else "\n"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the harness")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--only",
        choices=sorted({**STANDALONE, **ALONE_ONLY}),
        help="run one section and update it in the report",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if args.only:
        with TempDatabases() as dbs:
            alone = {**STANDALONE, **ALONE_ONLY}[args.only]
            text = asyncio.run(alone(dbs, args.quick))
        print(text, flush=True)
        put_section(args.output, text)
        return
    sizes = QUICK if args.quick else Sizes()
    with TempDatabases() as dbs:
        results = asyncio.run(run_all(sizes, dbs))
    args.output.write_text(render(results, quick=args.quick))
    print(f"wrote {args.output} after {results.seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
