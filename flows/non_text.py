"""A photo, sticker, voice message, file, place or contact where a flow waits for an answer.

The flow cannot use it, and silence would look like the bot stopped working; so the person
gets one line saying what the current step needs.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.i18n import N_, Translator
from flows import texts
from flows.engine import REVIEW, FlowEngine
from flows.model import AnswerKind, Step
from flows.screens import Outcome, Screen

TYPE_THE_ANSWER = N_(
    "I can only read text you type here. Please write your answer, at most {limit}."
)
TYPE_OR_SKIP = N_(
    "I can only read text you type here. Please write your answer, at most {limit}, "
    "or press {skip}."
)


async def answer(
    engine: FlowEngine, session: AsyncSession, telegram_id: int, tr: Translator
) -> Outcome | None:
    """One line for the step the person is at; None when no flow waits for them."""
    state = await engine.active_state(session, telegram_id)
    if state is None:
        return None
    step = None
    if state.step != REVIEW and not state.context.get("_confirm_cancel"):
        step = _step(engine, state.flow, state.step)
    return Outcome([Screen(_need(step, tr))], replace=False)


def _step(engine: FlowEngine, flow_name: str, step_id: str) -> Step | None:
    flow = engine.flows.get(flow_name)
    if flow is None:
        return None
    try:
        return flow.step(step_id)
    except KeyError:
        return None


def _need(step: Step | None, tr: Translator) -> str:
    if step is not None and step.kind is AnswerKind.TEXT:
        most = tr.counted_marked(texts.CHARACTERS, step.max_length)
        if step.skippable:
            skip = tr.gettext(step.skip_label or texts.SKIP)
            return tr.gettext(TYPE_OR_SKIP).format(limit=most, skip=skip)
        return tr.gettext(TYPE_THE_ANSWER).format(limit=most)
    if step is not None and step.kind is AnswerKind.DATETIME:
        return tr.gettext(texts.BAD_DATETIME)
    return tr.gettext(texts.USE_BUTTONS)
