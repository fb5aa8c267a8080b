"""Flows by name, so that a stored state can find its definition in any process."""

from __future__ import annotations

from flows.model import Flow

_FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    existing = _FLOWS.get(flow.name)
    if existing is not None and existing is not flow:
        raise ValueError(f"flow {flow.name} is registered twice")
    _FLOWS[flow.name] = flow
    return flow


def get(name: str) -> Flow | None:
    return _FLOWS.get(name)


def names() -> list[str]:
    return sorted(_FLOWS)
