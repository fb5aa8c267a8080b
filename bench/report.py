"""``bench/results.md``: the machine, the versions, the date, and one table per experiment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import scaleout
from bench.stats import fmt, ms, ratio

if TYPE_CHECKING:
    from bench.run import Results
    from bench.scale import ScaleRun


def render(results: Results, *, quick: bool = False) -> str:
    parts = [
        _header(results, quick),
        conversations_section(results),
        _latency(results),
        _dispatch(results),
        _scale(results),
        _side_by_side(results),
        _crashes(results),
        scaleout.section(results.scaleout, results.sizes.scaleout_window, results.postgres_missing),
        _profile(results),
        *results.sections,
        _left_out(results),
    ]
    return "\n\n".join(part.rstrip() for part in parts if part) + "\n"


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _header(results: Results, quick: bool) -> str:
    m = results.machine
    packages = ", ".join(f"{name} {version}" for name, version in m.packages.items())
    load = "/".join(f"{x:.2f}" for x in m.load_before)
    load_after = "/".join(f"{x:.2f}" for x in m.load_after)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m bench.run{' --quick' if quick else ''}`) on "
        f"{m.started:%Y-%m-%d %H:%M} UTC; the whole run took {results.seconds:.0f} s.",
    ]
    if quick:
        lines += ["", "**Quick run: small sizes, to check the harness. Not the real figures.**"]
    lines += [
        "",
        "## Machine and software",
        "",
        f"- {m.cores} cores ({m.cpu}), {m.memory_gib:.1f} GiB memory, {m.system}",
        f"- Python {m.python}; SQLite {m.sqlite}; PostgreSQL {m.postgres}",
        f"- {packages}",
        f"- Load average (1/5/15 min) at the start {load}, at the end {load_after}. Other work "
        "on the machine makes every figure here noisy; compare within one run.",
        "",
        "## How it was measured",
        "",
        "- Everything talks HTTP on 127.0.0.1: the bot under test runs in its own process and "
        "polls the Bot API test double (`bot/bot_api_double`), which runs in the benchmark "
        "process together with the simulated individuals.",
        "- A simulated individual sends /prepare and answers every screen of the förmöte as "
        "soon as the previous answer arrives (a button, or a short typed text where text is "
        f"asked), then saves: {_updates_each(results)} updates each. Each one has two units, "
        "a coordinator, consent and a confirmed meeting next week. Latency is from the "
        "individual's update reaching "
        "the double to the bot's answer reaching it (for a button, the answer to the callback "
        "query, which the bot sends after the new screen).",
        "- The plain python-telegram-bot bot (`bench/plain_ptb.py`) shows the same screens "
        "with a `ConversationHandler` and `PicklePersistence` (default flush every 60 s), and "
        "has one `JobQueue.run_once` job per reminder, with the reminders kept in `bot_data` "
        "and scheduled again on start. Both bots handle up to 32 updates at once.",
        "- In the conversation runs both bots send without a rate limiter (ours has its "
        "30-a-second limiter lifted), so the figures show what the bot can do, not the limiter.",
        "- Our bot runs as `samordna run` runs it: every update is stored in the durable "
        "inbox (encrypted) before Telegram is told it arrived, and claimed in that same "
        "transaction when a hand is free, then handled in one transaction with its update id; "
        "on uvloop, with the garbage collector set as `samordna run` sets it, talking to the "
        "Bot API through aiohttp; on PostgreSQL with a pool of 20 connections kept open.",
        "- *Bot CPU ms/update* is the bot process's user + system CPU time (every thread, from "
        "`/proc/<pid>/stat`) over the measured window, divided by the updates answered in it; "
        "*ratio* columns are ours / plain PTB from the same run.",
        "- Memory is VmRSS from `/proc/<pid>/status` two seconds after the bot said it was "
        "ready; start-up is from starting the process to its first poll for updates.",
    ]
    return "\n".join(lines)


def _updates_each(results: Results) -> str:
    done = [r for r in results.conversations if r.individuals and r.completed == r.individuals]
    counts = {r.updates // r.individuals for r in done if r.updates % r.individuals == 0}
    return str(counts.pop()) if len(counts) == 1 else "about a dozen"


def conversations_section(results: Results) -> str:
    head = [
        "bot",
        "storage",
        "individuals",
        "saved",
        "updates",
        "updates/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "bot CPU ms/update",
        "bot RSS MiB",
        "load CPU",
    ]
    rows = [
        [
            r.bot,
            r.storage,
            str(r.individuals),
            f"{r.completed} (cut)" if r.cut_short else str(r.completed),
            str(r.updates),
            fmt(r.throughput),
            ms(r.p(50)),
            ms(r.p(95)),
            ms(r.p(99)),
            fmt(r.cpu_ms_per_update, 2),
            fmt(r.bot_rss_mib, 0),
            f"{r.load_cpu_seconds / r.seconds:.0%}" if r.seconds else "",
        ]
        for r in results.conversations
    ]
    notes = [
        f"- {r.bot}, {r.storage}, {r.individuals}: {p}"
        for r in results.conversations
        for p in r.problems
    ]
    text = "## 1. Conversation throughput and latency\n\n"
    text += (
        "Everyone starts the förmöte at the same moment. A crowd still busy after "
        f"{results.sizes.conversation_window:.0f} s is stopped there and measured over those "
        "seconds; *saved* then says *(cut)* and counts who had saved by then. *Load CPU* is "
        "the benchmark process (the double and the simulated individuals) as a share of one "
        "core, to show it was not what held the bot back. With everyone answering the moment "
        "the previous answer arrives, a crowd of *n* keeps *n* updates waiting at once, so its "
        "latency is about *n* divided by the throughput: queueing, not work.\n\n"
    ) + _table(head, rows)
    if results.postgres_missing:
        text += (
            f"\n\nPostgreSQL was not reachable ({results.postgres_missing}); its rows are missing."
        )
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text


def _latency(results: Results) -> str:
    sizes = results.sizes
    rates = "/".join(str(r) for r in sizes.latency_rates)
    text = (
        "## 1b. Latency at a steady rate (open loop)\n\n"
        f"People arrive and answer at a steady pace: {rates} updates a second, one rate after "
        f"the other in one bot process, {sizes.latency_seconds:.0f} s each (the issue asks for "
        "60 s each; the whole run must stay within ten minutes on two cores, so each rate gets "
        "a shorter window and the figures are noisier). Each person answers 1–3 s after "
        "sending the previous answer, or at once if the screen took longer than that, so the "
        "bot's speed does not slow the load down; there are twice as many people at once as "
        "updates a second, and whoever finishes the förmöte is replaced by someone new. "
        "*Sent/s* is the rate actually offered; latency is from an update reaching the double "
        "to the bot's answer reaching it; *CPU ms/update* is the bot process's CPU time over "
        "that rate's window divided by the updates sent in it. Target: p99 ≤ 100 ms at 50 "
        "updates/s on PostgreSQL.\n\n"
    )
    head = [
        "bot",
        "storage",
        "rate",
        "sent/s",
        "updates",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "CPU ms/update",
        "unanswered",
    ]
    rows = [
        [
            run.bot,
            run.storage,
            str(r.rate),
            fmt(r.offered),
            str(len(r.latencies)),
            ms(r.p(50)),
            ms(r.p(95)),
            ms(r.p(99)),
            fmt(r.cpu_ms_per_update, 2),
            str(r.unanswered),
        ]
        for run in results.latency_runs
        for r in run.rates
    ]
    if not rows:
        return text + "Not measured in this run."
    text += _table(head, rows)
    notes = [
        f"- {run.bot}, {run.storage}: {p}" for run in results.latency_runs for p in run.problems
    ]
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text


def _dispatch(results: Results) -> str:
    text = f"## 2. Dispatch of {results.sizes.nudges:,} due nudges".replace(",", " ")
    text += (
        "\n\nEach nudge is an outbox row with a date parameter and two buttons, due within the "
        "last hour, in no particular order. Rendering, button tokens and marking as sent are "
        "all included.\n\n"
        "(a) The dispatcher alone in its own process, ticking back to back, with a plain "
        "`telegram.Bot` (no rate limiter), one nudge for each person (so that the "
        "dispatcher's own second between two messages to one chat does not set the pace), "
        "until all are sent or "
        f"{results.sizes.dispatch_window:.0f} s have passed. CPU is that process's user + "
        "system time, every thread included.\n\n"
    )
    rows = [
        [
            r.storage,
            str(r.sent),
            fmt(r.seconds),
            fmt(r.rate),
            fmt(r.cpu_ms_per_message, 2),
            r.problem or "",
        ]
        for r in results.unthrottled
    ]
    text += _table(["storage", "sent", "seconds", "messages/s", "CPU ms/message", "problem"], rows)
    text += (
        "\n\n(b) The real bot (its scheduler tick, its rate limiter) against a double that "
        "enforces Telegram's limits, 30 messages a second overall and one a second per chat, "
        "and answers 429 beyond them; here two nudges for each person. Measured over the first "
        f"{results.sizes.limits_window:.0f} s from the first send, on SQLite. A 429 counts as "
        "*same chat* when that chat had a message less than a second before. The second row "
        "gives the same bot a limiter that spends the same budget evenly instead of in "
        "bursts (a bucket of one message, refilled every 1/29 s). Each ran with its own "
        "double in a process of its own (the double times a request when it handles it, so "
        "it must not wait for other work), both at the same time and with nothing else "
        "running.\n\n"
    )
    if not results.limited:
        text += "Not measured in this run."
    else:
        text += _table(
            [
                "limiter",
                "sent",
                "messages/s",
                "share of 30/s",
                "busiest second",
                "429s",
                "of them same chat",
            ],
            [
                [
                    run.limiter,
                    str(run.sent),
                    fmt(run.rate),
                    f"{run.share:.0%}",
                    str(run.max_in_a_second),
                    str(run.refused),
                    str(run.refused_same_chat),
                ]
                for run in sorted(results.limited, key=lambda r: r.limiter)
            ],
        )
    return text


def _scale(results: Results) -> str:
    text = (
        "## 3. Memory and start-up with nudges scheduled over the next year\n\n"
        "Ours keeps them as outbox rows in SQLite; *find due* is the indexed query for the "
        "next 100 rows due a day from now (median of 15), *claim* is the dispatcher's real claim "
        "of that batch (find, the timing rules, mark as claimed), the median of six after a "
        "first one whose time is in brackets (a process's first claim also prepares its "
        "statements). The plain bot keeps them in `bot_data` and holds a "
        "`run_once` job for each; *schedule* is the time its start spends creating the jobs.\n\n"
    )
    rows = [
        [
            r.bot,
            f"{r.reminders:,}".replace(",", " "),
            fmt(r.startup_seconds, 2),
            fmt(r.rss_mib, 0),
            fmt(r.find_ms, 2) if r.find_ms is not None else "",
            (
                f"{fmt(r.claim_ms, 1)} ({r.claimed} rows; first {fmt(r.first_claim_ms or 0.0, 1)})"
                if r.claim_ms is not None
                else ""
            ),
            fmt(r.schedule_seconds, 2) if r.schedule_seconds is not None else "",
        ]
        for r in sorted(results.scale, key=lambda r: (r.bot, r.reminders))
    ]
    head = ["bot", "reminders", "start-up s", "RSS MiB", "find due ms", "claim ms", "schedule s"]
    return text + _table(head, rows)


def _side_by_side(results: Results) -> str:
    plain = {r.individuals: r for r in results.conversations if r.bot == "plain PTB"}
    rows: list[list[str]] = []
    for run in results.conversations:
        theirs = plain.get(run.individuals)
        if run.bot == "plain PTB" or theirs is None:
            continue
        what = f"{run.individuals} individuals, {run.storage}"
        rows.append(
            [
                f"throughput, {what} (updates/s)",
                fmt(run.throughput),
                fmt(theirs.throughput),
                fmt(ratio(run.throughput, theirs.throughput), 2),
            ]
        )
        rows.append(
            [
                f"CPU per update, {what} (ms)",
                fmt(run.cpu_ms_per_update, 2),
                fmt(theirs.cpu_ms_per_update, 2),
                fmt(ratio(run.cpu_ms_per_update, theirs.cpu_ms_per_update), 2),
            ]
        )
        rows.append(
            [
                f"p99 latency, {what} (ms)",
                ms(run.p(99)),
                ms(theirs.p(99)),
                fmt(ratio(run.p(99), theirs.p(99)), 2),
            ]
        )
    rows += _latency_rows(results)
    biggest = _largest_pair(results.scale)
    if biggest is not None:
        mine, theirs_scale = biggest
        size = f"{mine.reminders:,}".replace(",", " ")
        rows.append(
            [
                f"memory at {size} reminders (MiB)",
                fmt(mine.rss_mib, 0),
                fmt(theirs_scale.rss_mib, 0),
                fmt(ratio(mine.rss_mib, theirs_scale.rss_mib), 2),
            ]
        )
        rows.append(
            [
                f"start-up at {size} reminders (s)",
                fmt(mine.startup_seconds, 2),
                fmt(theirs_scale.startup_seconds, 2),
                fmt(ratio(mine.startup_seconds, theirs_scale.startup_seconds), 2),
            ]
        )
    text = (
        "## 4. Side by side with the plain python-telegram-bot way\n\n"
        "Ratio = ours / plain: above 1 means ours is higher (better for throughput, worse for "
        "CPU, latency, memory and start-up).\n\n"
    )
    text += _table(["measure", "Samordna", "plain PTB", "ratio"], rows)
    targets = _targets(results)
    return text + ("\n\n" + targets if targets else "")


def _targets(results: Results) -> str:
    """The performance issue's targets, each said met or not in this run."""
    plain = {r.individuals: r for r in results.conversations if r.bot == "plain PTB"}
    lines = []
    for run in results.conversations:
        theirs = plain.get(run.individuals)
        if run.bot == "plain PTB" or theirs is None:
            continue
        limit = 1.0 if run.storage == "PostgreSQL" else 1.2
        cpu = ratio(run.cpu_ms_per_update, theirs.cpu_ms_per_update)
        speed = ratio(run.throughput, theirs.throughput)
        lines.append(
            f"- {run.individuals} individuals, {run.storage}: CPU ratio {fmt(cpu, 2)} "
            f"(target ≤ {limit:.1f}: {_met(cpu <= limit)}), throughput ratio {fmt(speed, 2)} "
            f"(target ≥ 1.0: {_met(speed >= 1.0)})"
        )
    for steady in results.latency_runs:
        at_50 = steady.at(50)
        if steady.storage == "PostgreSQL" and at_50 is not None:
            p99 = at_50.p(99) * 1000
            lines.append(
                f"- p99 at 50 updates/s on PostgreSQL: {fmt(p99, 0)} ms "
                f"(target ≤ 100 ms: {_met(p99 <= 100)})"
            )
    if not lines:
        return ""
    return "Targets of this run:\n\n" + "\n".join(lines)


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def _latency_rows(results: Results) -> list[list[str]]:
    plain = next((r for r in results.latency_runs if r.bot == "plain PTB"), None)
    if plain is None:
        return []
    rows = []
    for run in results.latency_runs:
        if run is plain:
            continue
        for mine in run.rates:
            theirs = plain.at(mine.rate)
            if theirs is None:
                continue
            rows.append(
                [
                    f"p99 latency at {mine.rate} updates/s, {run.storage} (ms)",
                    ms(mine.p(99)),
                    ms(theirs.p(99)),
                    fmt(ratio(mine.p(99), theirs.p(99)), 2),
                ]
            )
    return rows


def _largest_pair(runs: list[ScaleRun]) -> tuple[ScaleRun, ScaleRun] | None:
    ours = {r.reminders: r for r in runs if r.bot == "Samordna"}
    plain = {r.reminders: r for r in runs if r.bot == "plain PTB"}
    common = sorted(set(ours) & set(plain))
    return (ours[common[-1]], plain[common[-1]]) if common else None


def _crashes(results: Results) -> str:
    text = (
        "### After a SIGKILL\n\n"
        "Conversations: each individual answered the first questions of the förmöte (every "
        "answer acknowledged by the bot), the bot was killed with SIGKILL and started again, "
        "and each pressed the next button "
        "on the screen in front of them. *Went on* counts those whose flow continued; *answers "
        "kept* counts the earlier answers that were still in their summary at the end.\n\n"
    )
    text += _table(
        ["bot", "individuals", "went on", "answers kept", "saved in the end"],
        [
            [
                r.bot,
                str(r.individuals),
                str(r.went_on),
                f"{r.answers_kept} of {r.answers_given}",
                str(r.saved),
            ]
            for r in results.crashed_conversations
        ],
    )
    text += (
        "\n\nReminders: one reminder for each of that many people fell due within a few "
        "seconds; the bot was killed after a third had gone out and started again. For ours, "
        "rows the dead process had claimed but not sent wait for their lease (two minutes) "
        "to run out; *after the lease* is what a dispatcher whose clock was moved past it "
        "sent. *Twice* counts people who got their reminder more than once.\n\n"
    )
    text += _table(
        [
            "bot",
            "reminders",
            "before the kill",
            "after restart",
            "after the lease",
            "delivered",
            "twice",
            "missing",
        ],
        [
            [
                r.bot,
                str(r.reminders),
                str(r.before_kill),
                str(r.after_restart),
                str(r.after_lease) if r.bot == "Samordna" else "",
                str(r.delivered),
                str(r.twice),
                str(r.missing),
            ]
            for r in results.crashed_reminders
        ],
    )
    return text


def _profile(results: Results) -> str:
    profile = results.profile
    if profile is None:
        return "## Where the time goes\n\nNo profile in this run."
    run = results.profile_run
    about = (
        f"the bot process while {run.individuals} individuals did the förmöte at once on "
        f"{run.storage} ({run.updates} updates, {fmt(run.throughput)} updates/s under the "
        "profiler)"
        if run is not None
        else "the bot process"
    )
    rows = [[layer, f"{share:.0%}"] for layer, share in profile.layers if share >= 0.005]
    return (
        "## Where the time goes\n\n"
        f"A pyinstrument profile (sampling every 2 ms) of {about}, on asyncio's own event "
        "loop rather than uvloop, so that waiting can be told from work. Share of the busy samples "
        "of the bot's main thread by the library that was running (idle waiting left out; "
        "SQLite's own work runs on this thread too and counts as the SQLite driver's):\n\n"
        + _table(["layer", "share"], rows)
        + "\n\nThe top of the call tree (percent of all samples):\n\n```text\n"
        + profile.tree
        + "\n```"
    )


def _left_out(results: Results) -> str:
    lines = [f"- Left out: {item}" for item in results.skipped]
    if results.postgres_missing:
        lines.append(
            f"- PostgreSQL was not reachable ({results.postgres_missing}): its conversation "
            "runs and its dispatch run were left out."
        )
    lines += [f"- Failed: {item}" for item in results.failed]
    if not lines:
        return ""
    return "## Not measured in this run\n\n" + "\n".join(lines)
