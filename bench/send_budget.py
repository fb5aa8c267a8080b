"""Telegram's limits held by 1, 2 and 4 processes sending from one PostgreSQL database.

Each run has a fresh database with a backlog of due nudges (two for each person), a Bot API
double that enforces Telegram's limits (30 messages in any second, one a second per chat)
and answers 429 beyond them, and that many ``samordna outbox run`` processes. The last two
runs add people talking to the bot: one ``samordna run`` (sending no nudges itself) answers
five people who each send /help, wait for the answer and ask again a second later, first
with no nudges, then while two senders' nudges flow; their answers' latency is from their
message reaching the double to the answer reaching it.
Every run is measured over the same window from its first message
(:mod:`bench.send_budget_worker`, in a process of its own).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from bench.databases import TempDatabases
from bench.dispatch import TELEGRAM_LIMIT, _worker
from bench.send_budget_worker import BudgetRun
from bench.stats import fmt, ms, percentile

NAME = "send_budget"
PROCESSES = (1, 2, 4)
PEOPLE = 5
MIXED_PROCESSES = 2
NUDGES_PER_SECOND = 34  # more than can go out, so that the backlog never runs dry


@dataclass(frozen=True)
class Plan:
    window: float


FULL = Plan(window=15.0)
QUICK = Plan(window=5.0)


def estimate(quick: bool = False) -> float:
    """Seconds the whole section takes: each run's window, seeding and start-up."""
    return (len(PROCESSES) + 2) * ((QUICK if quick else FULL).window + 12)


async def one(
    dbs: TempDatabases, processes: int, window: float, people: int = 0
) -> BudgetRun | str:
    name = f"budget_{processes}{'_people' if people else ''}"
    url = dbs.postgres(name)
    if url is None:
        return f"PostgreSQL not reachable: {dbs.postgres_missing}"
    args = [
        "--database",
        url,
        "--folder",
        str(dbs.path(name)),
        "--key-file",
        str(dbs.key_file),
        "--processes",
        str(processes),
        "--nudges",
        str(int(NUDGES_PER_SECOND * (window + 10)) if processes else 0),
        "--window",
        str(window),
        "--people",
        str(people),
    ]
    result, problem = await _worker("bench.send_budget_worker", args, {}, window + 120)
    if result is None:
        return problem
    return BudgetRun(**result)


async def section(dbs: TempDatabases, quick: bool = False) -> str:
    """Every run, then the report's section in Markdown."""
    plan = QUICK if quick else FULL
    load = os.getloadavg()
    runs: list[BudgetRun | str] = []
    for processes in PROCESSES:
        print(f"   {processes} process(es), {plan.window:.0f} s", flush=True)
        runs.append(await one(dbs, processes, plan.window))
    for processes in (0, MIXED_PROCESSES):
        print(f"   {processes} process(es) and {PEOPLE} people", flush=True)
        runs.append(await one(dbs, processes, plan.window, PEOPLE))
    return render(runs, plan, (load, os.getloadavg()))


def render(
    runs: list[BudgetRun | str],
    plan: Plan,
    load: tuple[tuple[float, ...], tuple[float, ...]] = ((), ()),
) -> str:
    before, after = ("/".join(f"{x:.2f}" for x in values) for values in load)
    lines = [
        "## Telegram's limits held by several processes",
        "",
        f"Nudges sent from one PostgreSQL database by 1, 2 and 4 processes against a double "
        f"that enforces 30 messages in any second and one a second per chat, and answers 429 "
        f"beyond them; {plan.window:.0f} s each from the first message (the section's runs "
        f"would take well over 3.5 minutes at 60 s each). The processes share Telegram's "
        f"budget through send tickets in the database (`bot/outbox/shared_budget.py`); "
        f"nudges alone are paced to 29 a second, leaving room for replies. The last two rows "
        f"add {PEOPLE} people who each send /help, wait for the answer and ask again a second "
        f"later, answered by one more process (`samordna run`, sending no nudges itself): "
        f"first alone, then while two senders' nudges flow. Replies count against the same "
        f"budget and go first; their latency is from the person's message reaching the "
        f"double to the answer reaching it. *processes* counts the senders. Load average "
        f"(1/5/15 min) {before} before, {after} after.",
        "",
        "| processes | sent | messages/s | share of 30/s | busiest second | 429s "
        "| replies | reply p50 ms | reply p99 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        if isinstance(run, str):
            lines.append(f"| failed: {run} | | | | | | | | |")
            continue
        rate = run.sent / run.window if run.window else 0.0
        people = f" + a bot answering {run.people} people" if run.people else ""
        replies = ["", "–", "–"]
        if run.people:
            replies = [
                f"{len(run.replies)}"
                + (f" ({run.unanswered} unanswered)" if run.unanswered else ""),
                ms(percentile(run.replies, 50)),
                ms(percentile(run.replies, 99)),
            ]
        cells = [
            f"{run.processes}{people}",
            str(run.sent),
            fmt(rate),
            f"{rate / TELEGRAM_LIMIT:.0%}",
            str(run.busiest),
            str(run.refused),
            *replies,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
