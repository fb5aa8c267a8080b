"""Imports every module of a package, so features register themselves without a central list."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def import_all(package: ModuleType) -> list[ModuleType]:
    """Import each submodule of ``package`` in name order and return them."""
    modules = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    return modules


def load_features() -> None:
    """Import every module of ``bot`` and ``flows`` so that all flows, button actions, event
    listeners, jobs and start-link handlers are registered before anything runs."""
    import bot
    import flows

    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        if "._" not in info.name and "migrations" not in info.name:
            importlib.import_module(info.name)
    import_all(flows)
