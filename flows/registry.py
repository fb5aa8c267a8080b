"""Flows by name, so that a stored state can find its definition in any process.

A flow file defines its :class:`Flow` (steps, answer codes, routing); the feature that owns
what happens at the end attaches the finisher when the composition root adds the flow here.
"""

from __future__ import annotations

import dataclasses

from flows.model import Finisher, Flow


class FlowRegistry:
    def __init__(self) -> None:
        self._flows: dict[str, Flow] = {}

    def add(self, flow: Flow, finisher: Finisher | None = None) -> Flow:
        if finisher is not None:
            flow = dataclasses.replace(flow, finisher=finisher)
        if flow.name in self._flows:
            raise ValueError(f"flow {flow.name} is added twice")
        self._flows[flow.name] = flow
        return flow

    def get(self, name: str) -> Flow | None:
        return self._flows.get(name)

    def names(self) -> list[str]:
        return sorted(self._flows)
