"""Garbage collection set for a process that runs for weeks and answers people as it goes.

What start-up loads (modules, catalogs, mapped classes, compiled statements) lives as long as
the process, yet CPython's full collections walk all of it again, each a pause of tens of
milliseconds that someone's answer waits out: at 50 updates a second the slowest answer in a
hundred took about 125 ms with the defaults and under 40 ms after this (``bench/``). Frozen,
what start-up made is left out of every collection; a larger youngest generation makes the
collections of what each update leaves behind fewer. Cycles still die young and are found
there; only the rare survivors wait longer for a full collection.
"""

from __future__ import annotations

import gc

YOUNGEST = 20_000  # allocations between collections of the youngest generation (default 700)
MIDDLE = 50  # youngest-generation collections before the middle one is collected
OLDEST = 100  # middle-generation collections before a full one is considered


def settle_after_start() -> None:
    """Called once the process is ready: what exists now stays, and is not looked at again."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNGEST, MIDDLE, OLDEST)
