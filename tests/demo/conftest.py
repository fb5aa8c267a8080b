"""The playground, running in this process on a free port of 127.0.0.1, and a browser."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from bot.demo import people
from bot.demo.playground.host import Host
from bot.demo.playground.web import HEADER, listen
from bot.platform.config import Settings
from tests.demo.playground_support import Page, local

if TYPE_CHECKING:
    from bot.demo.playground.browser import Found

REQUIRE_BROWSER = os.environ.get("SAMORDNA_REQUIRE_BROWSER") == "1"
# Tuesday 3 March 2026, 09:30: a working day that is not a distribution day.
TUESDAY = local(2026, 3, 3, 9, 30)
_skipped_browser: list[str] = []


def _browser() -> tuple[Found | None, str]:
    """The machine's Chromium and driver, or why there is none."""
    try:
        from bot.demo.playground import browser
    except ImportError:
        return None, "selenium is not installed (pip install -e '.[dev]')"
    return browser.find(), browser.missing_reason() or ""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_browser:
        terminalreporter.write_line(
            f"{_browser()[1]}: {len(_skipped_browser)} browser test(s) skipped",
            yellow=True,
        )


@pytest.fixture
def playground_start() -> datetime:
    return TUESDAY


@pytest.fixture
def playground_languages() -> dict[str, str]:
    return {person.key: "en" for person in people.CAST}


@pytest.fixture
async def playground(
    tmp_path: Path, playground_start: datetime, playground_languages: dict[str, str]
) -> AsyncIterator[Page]:
    """A fresh playground; its clock stands still except when the page moves it."""
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    host = Host(
        settings,
        tmp_path / "data" / "playground",
        start=playground_start,
        wall=lambda: playground_start,
        languages=playground_languages,
    )
    listening = listen(host, 0)
    port = listening.port
    await host.open()
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={HEADER: "1"},
            params={"lang": "en"},
            timeout=30,
        ) as client:
            yield Page(host, client, port, listening.addresses)
    finally:
        listening.server.stop()
        await host.close()


@pytest.fixture
def chromium(request: pytest.FixtureRequest) -> Found:
    """The machine's Chromium, or a skip (a failure where it is required, as in CI)."""
    found, reason = _browser()
    if found is None:
        if REQUIRE_BROWSER:
            pytest.fail(f"a browser is required here (SAMORDNA_REQUIRE_BROWSER=1): {reason}")
        _skipped_browser.append(request.node.nodeid)
        pytest.skip(reason)
    return found
