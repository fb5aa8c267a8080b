"""What ``bench/results.md`` says about the performance targets: ratios from the same run,
and each target called met or not, so a reader need not do the arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.conversation import ConversationRun
from bench.latency import LatencyRun, RateResult, people_needed
from bench.machine import Machine
from bench.report import render
from bench.run import QUICK, Results


def _results() -> Results:
    machine = Machine(
        datetime(2026, 11, 27, tzinfo=UTC),
        "cpu",
        2,
        24.0,
        "Linux",
        "3.11",
        {},
        "3",
        "15",
        (0, 0, 0),
    )
    results = Results(QUICK, machine, None)
    ours = ConversationRun("Samordna", "PostgreSQL", 100, 100, 1200, 10.0, [0.05] * 1200, 6.0)
    plain = ConversationRun("plain PTB", "pickle", 100, 100, 1200, 12.0, [0.04] * 1200, 6.6)
    results.conversations = [ours, plain]
    fast = RateResult(50, 10.0, 500, [0.02] * 98 + [0.09] * 2, 0, 3.0)
    slow = RateResult(50, 10.0, 500, [0.02] * 90 + [0.3] * 10, 0, 2.0)
    results.latency_runs = [
        LatencyRun("Samordna", "PostgreSQL", [fast]),
        LatencyRun("plain PTB", "pickle", [slow]),
    ]
    return results


def test_the_report_gives_cpu_and_throughput_ratios_and_says_which_targets_were_met() -> None:
    text = render(_results())

    assert "| CPU per update, 100 individuals, PostgreSQL (ms) | 5.00 | 5.50 | 0.91 |" in text
    assert "| throughput, 100 individuals, PostgreSQL (updates/s) | 120.0 | 100.0 | 1.20 |" in text
    assert "CPU ratio 0.91 (target ≤ 1.0: met), throughput ratio 1.20 (target ≥ 1.0: met)" in text
    assert "p99 at 50 updates/s on PostgreSQL: 90 ms (target ≤ 100 ms: met)" in text
    assert "| plain PTB | pickle | 50 | 50.0 | 100 | 20 | 300 | 300 | 4.00 | 0 |" in text


def test_the_open_loop_seeds_enough_people_for_its_highest_rate() -> None:
    """Twice the highest rate at once, and more to take the place of those who finish."""
    assert people_needed((25, 50, 100), 10.0) > 2 * 100
