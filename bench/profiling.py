"""Where the time goes: a pyinstrument session as the share of samples per layer (the library
whose code was running) and as the top of its call tree."""

from __future__ import annotations

import sysconfig
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pyinstrument.frame import Frame
from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.session import Session

# The first match on a frame's file path names its layer; frames without one (C functions,
# and the standard library's helpers such as urllib or contextlib) belong to their caller's.
LAYERS: tuple[tuple[str, str], ...] = (
    ("/selectors.py", "waiting for the network (idle)"),
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/aiosqlite/", "SQLite driver"),
    ("/sqlite3/", "SQLite driver"),
    ("/sqlite_inline.py", "SQLite driver"),  # runs sqlite3's calls (C) on the loop's thread
    ("/psycopg", "PostgreSQL driver"),
    ("/httpx/", "HTTP client (httpx, httpcore)"),
    ("/httpcore/", "HTTP client (httpx, httpcore)"),
    ("/h11/", "HTTP client (httpx, httpcore)"),
    ("/aiohttp/", "HTTP client (aiohttp)"),
    ("/yarl/", "HTTP client (aiohttp)"),
    ("/multidict/", "HTTP client (aiohttp)"),
    ("/http_client.py", "HTTP client (aiohttp)"),
    ("/anyio/", "HTTP client (httpx, httpcore)"),
    ("/sniffio/", "HTTP client (httpx, httpcore)"),
    ("/ssl.py", "HTTP client (httpx, httpcore)"),
    ("/telegram/", "python-telegram-bot"),
    ("/apscheduler/", "scheduler (APScheduler)"),
    ("/babel/", "Babel and gettext"),
    ("/gettext.py", "Babel and gettext"),
    ("/cryptography/", "encryption (cryptography)"),
    ("/json/", "JSON"),
    ("/greenlet/", "SQLAlchemy"),
    ("/asyncio/", "event loop (asyncio)"),
    ("/bot/", "Samordna (bot, flows, handlers)"),
    ("/flows/", "Samordna (bot, flows, handlers)"),
    ("/handlers/", "Samordna (bot, flows, handlers)"),
    ("/bench/", "benchmark harness"),
)
OTHER = "other Python"
STDLIB = sysconfig.get_paths()["stdlib"].replace("\\", "/")


@dataclass
class Profile:
    seconds: float
    layers: list[tuple[str, float]]
    tree: str


def layer_of(path: str | None) -> str | None:
    if not path or path.startswith("<"):
        return None
    normalised = path.replace("\\", "/")
    for marker, layer in LAYERS:
        if marker in normalised:
            return layer
    if normalised.startswith(STDLIB) and "site-packages" not in normalised:
        return None
    return OTHER


def read(path: Path, *, tree_lines: int = 45) -> Profile | None:
    if not path.exists():
        return None
    session = Session.load(str(path))
    root = session.root_frame()
    if root is None:
        return None
    totals: dict[str, float] = defaultdict(float)
    _collect(root, None, totals)
    busy = sum(t for layer, t in totals.items() if "idle" not in layer)
    layers = sorted(
        ((layer, t / busy) for layer, t in totals.items() if "idle" not in layer),
        key=lambda item: -item[1],
    )
    renderer = ConsoleRenderer(unicode=True, color=False, time="percent_of_total")
    lines = [line.rstrip() for line in renderer.render(session).splitlines() if line.strip()]
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("Profile at")), 0)
    tree = "\n".join(lines[start : start + tree_lines])
    return Profile(session.duration, layers, tree)


def _collect(frame: Frame, inherited: str | None, totals: dict[str, float]) -> None:
    layer = layer_of(frame.file_path) or inherited or OTHER
    self_time = frame.total_self_time
    if self_time:
        totals[layer] += self_time
    for child in frame.children:
        if not child.is_synthetic:
            _collect(child, layer, totals)
