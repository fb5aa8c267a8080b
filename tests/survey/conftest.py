"""The machine's Chromium for the report's browser tests, or a skip that says why in one line
at the end of the run (a failure where ``SAMORDNA_REQUIRE_BROWSER=1``, as in CI)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from bot.demo.playground.browser import Found

_skipped: list[str] = []
_reason: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped:
        line = f"{_reason[0]}: {len(_skipped)} report browser test(s) skipped"
        terminalreporter.write_line(line, yellow=True)


@pytest.fixture
def chromium(request: pytest.FixtureRequest) -> Found:
    try:
        from bot.demo.playground import browser
    except ImportError:
        found, reason = None, "selenium is not installed (pip install -e '.[dev]')"
    else:
        found, reason = browser.find(), browser.missing_reason() or ""
    if found is None:
        if os.environ.get("SAMORDNA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"a browser is required here (SAMORDNA_REQUIRE_BROWSER=1): {reason}")
        _skipped.append(request.node.nodeid)
        _reason[:] = [reason]
        pytest.skip(reason)
    return found
