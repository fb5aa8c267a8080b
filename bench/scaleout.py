"""Experiment: 1, 2 and 4 webhook processes sharing one PostgreSQL database.

The Bot API double delivers each update by webhook, as Telegram does, to a round-robin proxy
in this process, which hands it to the bot processes in turn. Every tenth update is delivered
once more half a second later, to the next process, as Telegram does when it missed an
answer: that is what could cause an effect twice. Simulated individuals do the förmöte as in
experiment 1. Measured: updates answered per second, each process's CPU time, which share of
the updates each process handled (from its own /metrics), and the duplicate effects found in
the database afterwards, which must be 0.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import tornado.httpserver
import tornado.web
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bench import bots, seeding
from bench.databases import TempDatabases
from bench.individuals import Journey, answered_within, crowd
from bench.proc import BotProcess
from bench.recorder import AnswerRecorder
from bench.stats import fmt, ms, percentile
from bot.bot_api_double import BotApiDouble
from bot.bot_api_double.webhook import DeliveryError, HttpPoster
from bot.platform.clock import SystemClock

FIRST_ID = 200_000
SECRET = "bench-" + "0123456789abcdef" * 2
PATH = "/telegram"
REDELIVER_EVERY = 10
REDELIVER_AFTER = 0.5
CONNECTIONS = 40
IDLE = 1.5
SETTLE = 1.5
# Rows one update handled twice could leave behind; each query counts the surplus rows.
DUPLICATES = {
    "preparations saved twice": (
        "SELECT COALESCE(SUM(shared_revision - 1), 0) FROM preparations WHERE shared_revision > 1"
    ),
    "outbox rows queued twice": (
        "SELECT COUNT(*) - COUNT(DISTINCT (chat_id, kind, message, COALESCE(subject, ''), "
        "COALESCE(individual_id, 0), CAST(params AS TEXT))) FROM outbox"
    ),
    "audit entries written twice": (
        "SELECT COUNT(*) - COUNT(DISTINCT (action, actor, COALESCE(case_ref, ''), "
        "CAST(detail AS TEXT))) FROM audit_entries"
    ),
}


@dataclass
class ScaleOutRun:
    processes: int
    individuals: int
    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    idle_cpu_ms_per_second: list[float] = field(default_factory=list)
    handled: list[int] = field(default_factory=list)
    redelivered: int = 0
    duplicates: dict[str, int] = field(default_factory=dict)
    cut_short: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * sum(self.cpu_seconds) / self.updates if self.updates else 0.0

    @property
    def duplicate_effects(self) -> int:
        return sum(self.duplicates.values())

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RoundRobin:
    """Each POST goes to the next process; every ``REDELIVER_EVERY``-th goes once more, a
    moment later, to the process after that."""

    def __init__(self, ports: list[int]) -> None:
        self.posters = [HttpPoster(f"http://127.0.0.1:{p}{PATH}", CONNECTIONS) for p in ports]
        self.turn = itertools.count()
        self.redelivered = 0
        self.port = _free_port()
        self._later: set[asyncio.Task[None]] = set()
        self._server: tornado.httpserver.HTTPServer | None = None

    def start(self) -> None:
        app = tornado.web.Application([(PATH, _Forward, {"proxy": self})], log_function=_quiet)
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.listen(self.port, address="127.0.0.1")

    async def forward(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        number = next(self.turn)
        poster = self.posters[number % len(self.posters)]
        answer = await poster.post(body, headers)
        if number % REDELIVER_EVERY == REDELIVER_EVERY - 1 and answer[0] == 200:
            again = self.posters[(number + 1) % len(self.posters)]
            task = asyncio.create_task(self._again(again, body, headers))
            self._later.add(task)
            task.add_done_callback(self._later.discard)
        return answer

    async def _again(self, poster: HttpPoster, body: bytes, headers: dict[str, str]) -> None:
        await asyncio.sleep(REDELIVER_AFTER)
        try:
            await poster.post(body, headers)
            self.redelivered += 1
        except DeliveryError:
            pass

    async def stop(self) -> None:
        if self._later:
            await asyncio.wait(set(self._later), timeout=5)
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        for poster in self.posters:
            poster.close()


class _Forward(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, proxy: RoundRobin) -> None:
        self.proxy = proxy

    async def post(self) -> None:
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": self.request.headers.get(
                "X-Telegram-Bot-Api-Secret-Token", ""
            ),
        }
        try:
            status, _ = await self.proxy.forward(self.request.body, headers)
        except DeliveryError:
            status = 502
        self.set_status(status)
        self.finish()


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log."""


def _webhook_process(
    double: BotApiDouble, url: str, folder: Path, key_file: Path, proxy_port: int, port: int
) -> tuple[BotProcess, int]:
    """One bot process in webhook mode on ``port``; returns it and its metrics port."""
    bot = bots.ours(double, url, folder, key_file, unlimited=True)
    metrics = _free_port()
    bot.env.update(
        {
            "SAMORDNA_MODE": "webhook",
            "SAMORDNA_WEBHOOK_URL": f"http://127.0.0.1:{proxy_port}{PATH}",
            "SAMORDNA_WEBHOOK_LISTEN": "127.0.0.1",
            "SAMORDNA_WEBHOOK_PORT": str(port),
            "SAMORDNA_WEBHOOK_SECRET": SECRET,
            "SAMORDNA_METRICS_PORT": str(metrics),
            # 4 processes x (10 + 10) pooled connections stay below PostgreSQL's 100.
            "SAMORDNA_CONCURRENT_UPDATES": "16",
        }
    )
    return bot, metrics


async def _idle(processes: list[BotProcess]) -> list[float]:
    """CPU each process spends per second with nothing to do (its timers and sweeps)."""
    before = [bot.cpu_seconds() for bot in processes]
    await asyncio.sleep(IDLE)
    return [1000 * (bot.cpu_seconds() - b) / IDLE for bot, b in zip(processes, before, strict=True)]


async def _unready(metrics_port: int) -> str | None:
    """None when the process's /readyz says ready; otherwise its answer."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"http://127.0.0.1:{metrics_port}/readyz")
    return None if answer.status_code == 200 else answer.text[:200]


async def _handled(metrics_port: int) -> int:
    """Updates this process handled, from its own /metrics."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"http://127.0.0.1:{metrics_port}/metrics")
    return int(
        sum(
            sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples
            if sample.name == "samordna_updates_handled_total"
        )
    )


async def run(
    dbs: TempDatabases, processes: int, individuals: int, *, within: float, window: float
) -> ScaleOutRun | None:
    """None when PostgreSQL is not available."""
    name = f"scaleout_{processes}"
    url = dbs.postgres(name)
    if url is None:
        return None
    ids = list(range(FIRST_ID, FIRST_ID + individuals))
    db = await seeding.migrated(url)
    try:
        await seeding.individuals(db, SystemClock(), ids)
    finally:
        await db.dispose()
    result = ScaleOutRun(processes, individuals)
    async with BotApiDouble() as double:
        ports = [_free_port() for _ in range(processes)]
        proxy = RoundRobin(ports)
        started = [
            _webhook_process(double, url, dbs.path(f"{name}_{n}"), dbs.key_file, proxy.port, port)
            for n, port in enumerate(ports)
        ]
        proxy.start()
        try:
            await asyncio.gather(*(bot.start() for bot, _ in started))
            await asyncio.sleep(SETTLE)  # the jobs' first run, one second after the start
            result.idle_cpu_ms_per_second = await _idle([bot for bot, _ in started])
            await _drive(result, double, [bot for bot, _ in started], ids, within, window)
            result.handled = [await _handled(metrics) for _, metrics in started]
            result.problems += [
                f"a process was not ready after the crowd: {body}"
                for body in [await _unready(metrics) for _, metrics in started]
                if body
            ]
            result.redelivered = proxy.redelivered
        finally:
            for bot, _ in started:
                bot.kill()
            await proxy.stop()
        for bot, _ in started:
            errors = bot.errors()
            if errors:
                first = errors[0][:160]
                result.problems.append(f"a process logged {len(errors)} error(s): {first}")
    result.duplicates = await _duplicates(url)
    return result


async def _drive(
    result: ScaleOutRun,
    double: BotApiDouble,
    processes: list[BotProcess],
    ids: list[int],
    within: float,
    window: float,
) -> None:
    recorder = AnswerRecorder(double)
    handles = [double.user(i, first_name=f"Person {i}", language_code="sv") for i in ids]
    cpu = [bot.cpu_seconds() for bot in processes]
    began = time.monotonic()

    def at_end() -> None:
        result.cpu_seconds = [bot.cpu_seconds() - c for bot, c in zip(processes, cpu, strict=True)]

    journeys, result.cut_short = await crowd(
        handles, recorder, within=within, window=window, at_end=at_end
    )
    _summarise(result, journeys, began, window)
    await asyncio.sleep(REDELIVER_AFTER * 2)  # the last redeliveries are handled too


def _summarise(result: ScaleOutRun, journeys: list[Journey], began: float, window: float) -> None:
    result.latencies, result.seconds = answered_within(journeys, began, window, result.cut_short)
    result.updates = len(result.latencies)
    unsaved = sum(1 for j in journeys if not j.saved)
    if unsaved and not result.cut_short:
        result.problems.append(f"{unsaved} of {len(journeys)} did not save their answers")
    result.problems += sorted({j.problem for j in journeys if j.problem})[:3]


async def _duplicates(url: str) -> dict[str, int]:
    db = bots.database(url)
    try:
        async with db.transaction() as session:
            return {
                what: int(await session.scalar(text(query)) or 0)
                for what, query in DUPLICATES.items()
            }
    finally:
        await db.dispose()


def section(runs: list[ScaleOutRun], window: float, postgres_missing: str | None) -> str:
    """The report's section: one row per number of processes."""
    text = (
        "## 5. Scale-out: webhook processes on one PostgreSQL database\n\n"
        "The double delivers every update by webhook to a round-robin proxy in the benchmark "
        "process, which hands each to the next bot process (each with its own web server, "
        "inbox worker and dispatcher, all on one database). Every "
        f"{REDELIVER_EVERY}th update is delivered again {REDELIVER_AFTER} s later to the next "
        "process, as Telegram does when it missed an answer. The individuals do the förmöte "
        f"as in section 1; a crowd still busy after {window:.0f} s is measured over those "
        "seconds. *CPU s* is each process's user + system time during the crowd, *idle CPU* "
        f"what each spent per second before the crowd ({IDLE} s measured {SETTLE} s after the "
        "start: timers, the inbox sweep, the outbox tick, and in whichever process won them "
        "the jobs' first run), which CPU ms/update includes; "
        "*handled* is "
        "each process's own `samordna_updates_handled_total` (redeliveries included). "
        "*Duplicate effects* counts rows in the database an update handled twice would "
        "leave: preparations saved twice, outbox rows queued twice, audit entries written "
        "twice. Both cores are shared with everything else here, so more processes share "
        "the same CPU: the table shows that the work spreads and stays correct, not how it "
        "would scale on more cores.\n\n"
    )
    head = [
        "processes",
        "individuals",
        "updates",
        "updates/s",
        "p50 ms",
        "p95 ms",
        "CPU ms/update (all)",
        "CPU s per process",
        "idle CPU ms/s per process",
        "handled per process",
        "redelivered",
        "duplicate effects",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    for r in runs:
        row = [
            str(r.processes),
            str(r.individuals) + (" (cut)" if r.cut_short else ""),
            str(r.updates),
            fmt(r.throughput),
            ms(r.p(50)),
            ms(r.p(95)),
            fmt(r.cpu_ms_per_update, 1),
            " / ".join(fmt(c, 1) for c in r.cpu_seconds),
            " / ".join(fmt(c, 0) for c in r.idle_cpu_ms_per_second),
            " / ".join(str(h) for h in r.handled),
            str(r.redelivered),
            str(r.duplicate_effects),
        ]
        lines.append("| " + " | ".join(row) + " |")
    if not runs:
        lines = ["Not measured in this run."]
    if postgres_missing:
        lines.append(f"\nPostgreSQL was not reachable ({postgres_missing}).")
    notes = [f"- {r.processes} process(es): {p}" for r in runs for p in r.problems]
    return text + "\n".join(lines) + ("\n\n" + "\n".join(notes) if notes else "")
