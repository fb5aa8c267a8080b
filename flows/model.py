"""How a flow is written down: steps with a prompt, a kind of answer and where to go next."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.models import FlowState
    from bot.platform.clock import Clock
    from bot.platform.i18n import Translator

Answers = Mapping[str, Any]


class AnswerKind(StrEnum):
    CHOICE = "choice"
    MULTI = "multi"
    TEXT = "text"
    DATETIME = "datetime"
    SCALE = "scale"
    INFO = "info"


@dataclass(frozen=True)
class Option:
    """A choice; ``translate`` is False for proper names such as a unit's name."""

    code: str
    label: str
    translate: bool = True


@dataclass(frozen=True)
class Step:
    """One question. ``next`` may name a step, or decide from the answers so far."""

    id: str
    prompt: str
    kind: AnswerKind
    title: str = ""
    options: tuple[Option, ...] = ()
    skippable: bool = False
    max_length: int = 300
    next: str | Callable[[Answers], str | None] | None = None
    columns: int = 1
    scale_labels: tuple[str, ...] = ()
    skip_label: str = ""
    context_options: str | None = None

    def choices(self, context: Mapping[str, Any]) -> tuple[Option, ...]:
        """Static options, after those the flow was started with (``context_options``)."""
        if not self.context_options:
            return self.options
        extra = tuple(
            Option(str(code), str(label), translate=False)
            for code, label in context.get(self.context_options, [])
        )
        return extra + self.options

    def option(self, code: str, context: Mapping[str, Any] | None = None) -> Option | None:
        return next((o for o in self.choices(context or {}) if o.code == code), None)


Finisher = Callable[["AsyncSession", "Clock", "FlowState", "Translator"], Awaitable[str]]
Starter = Callable[["AsyncSession", "FlowState", "Translator"], Awaitable[str | None]]
FinishLabel = Callable[[Mapping[str, Any], "Translator"], str]


@dataclass(frozen=True)
class Flow:
    """A whole conversation. With ``review`` the person sees every answer and may change any.

    ``finish_label_for`` words the review's last button from the flow's context, when it
    depends on it (such as whom the answers go to).
    """

    name: str
    version: int
    title: str
    steps: tuple[Step, ...]
    done_text: str
    review: bool = False
    review_intro: str = ""
    finish_label: str = ""
    finish_label_for: FinishLabel | None = None
    finisher: Finisher | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"flow {self.name}: step ids repeat")
        for step in self.steps:
            if isinstance(step.next, str) and step.next not in ids:
                raise ValueError(f"flow {self.name}: step {step.id} goes to unknown {step.next}")
            has_options = step.options or step.context_options
            if step.kind in (AnswerKind.CHOICE, AnswerKind.MULTI) and not has_options:
                raise ValueError(f"flow {self.name}: step {step.id} has no options")

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    def following(self, step: Step, answers: Answers) -> str | None:
        """The step after ``step``; None means the flow is complete."""
        if callable(step.next):
            return step.next(answers)
        if step.next is not None:
            return step.next
        position = self.index(step.id)
        return self.steps[position + 1].id if position + 1 < len(self.steps) else None
