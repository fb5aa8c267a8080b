"""Explicit wiring: features mark their functions, the composition root collects them.

A decorator such as ``@actions.action("name")`` only writes a mark on the function; importing
a module changes nothing anywhere else. ``bot/composition.py`` lists the feature modules and
hands each to :meth:`Wiring.collect`, so what runs in a process is decided in one place, and a
test can build a process with exactly the features it wants.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
MARKS = "__wiring_marks__"


@dataclass(frozen=True)
class Mark:
    """What a function is for (``kind``), under which name (``key``), with which options."""

    kind: str
    key: str
    options: tuple[tuple[str, Any], ...] = ()

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.options).get(name, default)


def mark(kind: str, key: str, **options: Any) -> Callable[[F], F]:
    """A decorator that notes ``kind`` and ``key`` on the function and returns it unchanged."""

    def decorate(function: F) -> F:
        marks: list[Mark] = function.__dict__.setdefault(MARKS, [])
        marks.append(Mark(kind, key, tuple(sorted(options.items()))))
        return function

    return decorate


def marks_of(function: object) -> list[Mark]:
    return list(getattr(function, MARKS, []))


@dataclass
class Wiring:
    """Everything the composition root collected, by kind and key."""

    _entries: dict[str, dict[str, list[tuple[Mark, Callable[..., Any]]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    _data: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, kind: str, key: str, function: Callable[..., Any], **options: Any) -> None:
        entry = (Mark(kind, key, tuple(sorted(options.items()))), function)
        existing = self._entries[kind][key]
        if any(f is function for _, f in existing):
            return
        if existing and kind in UNIQUE_KINDS:
            raise ValueError(f"{kind} {key!r} is wired twice")
        existing.append(entry)

    def add_data(self, kind: str, values: dict[str, Any]) -> None:
        """Plain data a feature declares in a module attribute (see :data:`DATA_ATTRIBUTES`)."""
        self._data[kind].update(values)

    def collect(self, *modules: ModuleType) -> None:
        """Take every marked function and declared table of these modules, in source order."""
        for module in modules:
            for value in vars(module).values():
                if getattr(value, "__module__", None) != module.__name__:
                    continue
                for found in marks_of(value):
                    self.add(found.kind, found.key, value, **dict(found.options))
            for attribute, kind in DATA_ATTRIBUTES.items():
                declared = getattr(module, attribute, None)
                if isinstance(declared, dict):
                    self.add_data(kind, declared)

    def one(self, kind: str, key: str) -> Callable[..., Any] | None:
        found = self._entries[kind].get(key)
        return found[0][1] if found else None

    def all(self, kind: str, key: str) -> list[Callable[..., Any]]:
        return [function for _, function in self._entries[kind].get(key, [])]

    def entries(self, kind: str) -> Iterable[tuple[Mark, Callable[..., Any]]]:
        """Every entry of a kind, sorted by key, so start-up order never depends on imports."""
        for key in sorted(self._entries[kind]):
            yield from self._entries[kind][key]

    def keys(self, kind: str) -> list[str]:
        return sorted(key for key, found in self._entries[kind].items() if found)

    def data(self, kind: str) -> dict[str, Any]:
        return dict(self._data[kind])


UNIQUE_KINDS = frozenset({"action", "job", "outbox_guard", "outbox_live_params"})
DATA_ATTRIBUTES = {"OUTBOX_KINDS": "outbox_kind"}
