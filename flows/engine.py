"""Runs any flow. State is read and written in the caller's transaction, one update at a time.

Callback data is ``f:<state id>:<nonce>:<action>``. The nonce changes on every step, so a button
from an older message, a second tap, or made-up data is recognised and changes nothing.

One concept: the state machine of a conversation (answer, back, skip, pause, review,
finish); split, its transitions would no longer read in one place.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import FlowState
from bot.platform.clock import Clock
from bot.platform.i18n import Translator
from flows import texts
from flows.model import AnswerKind, Flow, Option, Step
from flows.registry import FlowRegistry
from flows.screens import Button, Outcome, Screen, rows

ACTIVE = "active"
PAUSED = "paused"
DONE = "done"
CANCELLED = "cancelled"
REVIEW = "__review__"
OPEN_STATUSES = (ACTIVE, PAUSED)
# Answers key: for each free-text answer, the language it was written in, so that a reader in
# another language knows the words are the person's own and not a translation.
WRITTEN_IN = "_written_in"
DATE_DAYS = 14
TIME_SLOTS = tuple(time(h, m) for h in range(8, 17) for m in (0, 30))


class ForeignButton(Exception):
    """Callback data names a flow state that belongs to someone else."""

    def __init__(self, state_id: int) -> None:
        super().__init__(f"flow state {state_id} is not the presser's")
        self.state_id = state_id


@dataclass(frozen=True)
class ButtonRef:
    state_id: int
    nonce: str
    action: str

    @classmethod
    def parse(cls, data: str) -> ButtonRef | None:
        parts = data.split(":", 3)
        if len(parts) != 4 or parts[0] != "f" or not parts[1].isdigit():
            return None
        return cls(int(parts[1]), parts[2], parts[3])


def _nonce() -> str:
    return secrets.token_urlsafe(6)


class FlowEngine:
    def __init__(self, clock: Clock, flows: FlowRegistry) -> None:
        self.clock = clock
        self.flows = flows

    # ----------------------------------------------------------------- entry points

    async def start(
        self,
        session: AsyncSession,
        telegram_id: int,
        flow_name: str,
        tr: Translator,
        *,
        context: dict[str, Any] | None = None,
        individual_id: int | None = None,
        intro: str | None = None,
        answers: dict[str, Any] | None = None,
        open_states: list[FlowState] | None = None,
    ) -> Outcome:
        """Start a flow, or continue the open one with the same flow and context.

        Earlier ``answers`` open a flow with a review at its review, to change some of them.
        ``open_states`` are the person's open flows when the caller has just read them, in
        this transaction, so that they are not read again.
        """
        flow = self._flow(flow_name)
        context = context or {}
        states = (
            open_states if open_states is not None else await self.open_states(session, telegram_id)
        )
        for state in states:
            if state.flow == flow_name and _public(state.context) == context:
                self._pause(states, keep=state)
                state.status = ACTIVE
                return self._show(state, flow, tr, replace=False, notice=tr.gettext(texts.RESUMED))
        self._pause(states, keep=None)
        now = self.clock.now()
        state = FlowState(
            telegram_id=telegram_id,
            flow=flow.name,
            flow_version=flow.version,
            step=REVIEW if answers and flow.review else flow.steps[0].id,
            status=ACTIVE,
            answers=dict(answers or {}),
            history=[],
            context=dict(context),
            nonce=_nonce(),
            individual_id=individual_id,
            created_at=now,
            updated_at=now,
        )
        session.add(state)
        await session.flush()
        return self._show(state, flow, tr, replace=False, notice=intro)

    async def open_states(self, session: AsyncSession, telegram_id: int) -> list[FlowState]:
        result = await session.scalars(_open_states_query(), {"telegram_id": telegram_id})
        return list(result)

    async def active_state(self, session: AsyncSession, telegram_id: int) -> FlowState | None:
        return await session.scalar(
            select(FlowState)
            .where(FlowState.telegram_id == telegram_id, FlowState.status == ACTIVE)
            .order_by(FlowState.updated_at.desc(), FlowState.id.desc())
            .limit(1)
        )

    async def resume(
        self, session: AsyncSession, telegram_id: int, tr: Translator
    ) -> Outcome | None:
        """Show the newest open flow where the person left it; None if there is none."""
        states = await self.open_states(session, telegram_id)
        if not states:
            return None
        state = states[0]
        flow = self._flow(state.flow)
        self._pause(states, keep=state)
        state.status = ACTIVE
        self._touch(state)
        return self._show(state, flow, tr, replace=False, notice=tr.gettext(texts.RESUMED))

    async def on_text(
        self, session: AsyncSession, telegram_id: int, text: str, tr: Translator
    ) -> Outcome | None:
        """A typed message; None when no flow is waiting for this person."""
        state = await self.active_state(session, telegram_id)
        if state is None:
            return None
        flow = self._flow(state.flow)
        if state.step == REVIEW or state.context.get("_confirm_cancel"):
            return self._nudge_buttons(state, flow, tr)
        step = self._current_step(state, flow)
        value = text.strip()
        if step.kind is AnswerKind.TEXT:
            if len(value) > step.max_length:
                message = tr.gettext(texts.TOO_LONG).format(
                    used=tr.counted_marked(texts.CHARACTERS, len(value)),
                    limit=tr.counted_marked(texts.CHARACTERS, step.max_length),
                )
                return Outcome([Screen(message)], replace=False)
            if not value:
                return self._nudge_buttons(state, flow, tr)
            return await self._answer(session, state, flow, step, value, tr, replace=False)
        if step.kind is AnswerKind.SCALE and value in {"1", "2", "3", "4", "5"}:
            return await self._answer(session, state, flow, step, int(value), tr, replace=False)
        if step.kind is AnswerKind.DATETIME:
            moment = _parse_local_datetime(value)
            if moment is None:
                return Outcome([Screen(tr.gettext(texts.BAD_DATETIME))], replace=False)
            return await self._answer(session, state, flow, step, moment, tr, replace=False)
        return self._nudge_buttons(state, flow, tr)

    async def on_button(
        self, session: AsyncSession, telegram_id: int, data: str, tr: Translator
    ) -> Outcome:
        """A pressed button. Raises :class:`ForeignButton` for someone else's state."""
        ref = ButtonRef.parse(data)
        if ref is None:
            return Outcome(toast=tr.gettext(texts.ENDED), replace=False)
        state = await session.get(FlowState, ref.state_id)
        if state is None:
            return Outcome(toast=tr.gettext(texts.ENDED), replace=False)
        if state.telegram_id != telegram_id:
            raise ForeignButton(ref.state_id)
        if state.status not in OPEN_STATUSES:
            # Where the person is: the end, said again (the first time may not have arrived).
            closing = [Screen(state.closing)] if state.closing else []
            return Outcome(closing, toast=tr.gettext(texts.ENDED), replace=False)
        flow = self._flow(state.flow)
        if ref.nonce != state.nonce:
            await self._pause_others(session, telegram_id, keep=state)
            state.status = ACTIVE
            self._touch(state)
            outcome = self._show(state, flow, tr, replace=False)
            outcome.toast = tr.gettext(texts.STALE)
            return outcome
        state.status = ACTIVE
        return await self._act(session, state, flow, ref.action, tr)

    # ----------------------------------------------------------------- actions

    async def _act(
        self, session: AsyncSession, state: FlowState, flow: Flow, action: str, tr: Translator
    ) -> Outcome:
        if action == "p":
            state.status = PAUSED
            self._touch(state)
            return Outcome([Screen(tr.gettext(texts.PAUSED))])
        if action == "x":
            state.context = {**state.context, "_confirm_cancel": True}
            self._touch(state)
            return self._show(state, flow, tr)
        if action == "xn":
            state.context = {k: v for k, v in state.context.items() if k != "_confirm_cancel"}
            self._touch(state)
            return self._show(state, flow, tr)
        if action == "xy":
            state.status = CANCELLED
            state.answers = {}
            state.closing = tr.gettext(texts.CANCELLED)
            self._touch(state)
            return Outcome([Screen(state.closing)], finished=True)
        if action == "b":
            return self._back(state, flow, tr)
        if state.step == REVIEW:
            return await self._review_action(session, state, flow, action, tr)
        step = self._current_step(state, flow)
        return await self._step_action(session, state, flow, step, action, tr)

    async def _step_action(
        self,
        session: AsyncSession,
        state: FlowState,
        flow: Flow,
        step: Step,
        action: str,
        tr: Translator,
    ) -> Outcome:
        kind, arg = action[:1], action[1:]
        if action == "s" and step.skippable:
            return await self._answer(session, state, flow, step, None, tr)
        if step.kind is AnswerKind.INFO and action == "c":
            return await self._answer(session, state, flow, step, True, tr)
        options = step.choices(state.context)
        if step.kind is AnswerKind.CHOICE and kind == "o" and _index_ok(arg, options):
            return await self._answer(session, state, flow, step, options[int(arg)].code, tr)
        if step.kind is AnswerKind.SCALE and kind == "o" and arg in {"1", "2", "3", "4", "5"}:
            return await self._answer(session, state, flow, step, int(arg), tr)
        if step.kind is AnswerKind.MULTI:
            return await self._multi_action(session, state, flow, step, action, tr)
        if step.kind is AnswerKind.DATETIME:
            return await self._datetime_action(session, state, flow, step, action, tr)
        return Outcome(toast=tr.gettext(texts.ENDED), replace=False)

    async def _multi_action(
        self,
        session: AsyncSession,
        state: FlowState,
        flow: Flow,
        step: Step,
        action: str,
        tr: Translator,
    ) -> Outcome:
        chosen = list(state.answers.get(step.id) or [])
        options = step.choices(state.context)
        if action == "ok":
            if not chosen:
                outcome = self._show(state, flow, tr)
                outcome.toast = tr.gettext(texts.PICK_ONE)
                return outcome
            return await self._answer(session, state, flow, step, chosen, tr)
        if action.startswith("t") and _index_ok(action[1:], options):
            code = options[int(action[1:])].code
            chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
            order = [o.code for o in options]
            state.answers = {**state.answers, step.id: sorted(chosen, key=order.index)}
            self._touch(state)
            return self._show(state, flow, tr)
        return Outcome(toast=tr.gettext(texts.ENDED), replace=False)

    async def _datetime_action(
        self,
        session: AsyncSession,
        state: FlowState,
        flow: Flow,
        step: Step,
        action: str,
        tr: Translator,
    ) -> Outcome:
        if action.startswith("d") and len(action) == 9 and action[1:].isdigit():
            state.context = {**state.context, "_date": action[1:]}
            self._touch(state)
            return self._show(state, flow, tr)
        if action == "dx":
            state.context = {k: v for k, v in state.context.items() if k != "_date"}
            self._touch(state)
            return self._show(state, flow, tr)
        day = state.context.get("_date")
        if action.startswith("h") and len(action) == 5 and action[1:].isdigit() and day:
            value = f"{day[:4]}-{day[4:6]}-{day[6:]}T{action[1:3]}:{action[3:]}"
            state.context = {k: v for k, v in state.context.items() if k != "_date"}
            return await self._answer(session, state, flow, step, value, tr)
        return Outcome(toast=tr.gettext(texts.ENDED), replace=False)

    async def _review_action(
        self, session: AsyncSession, state: FlowState, flow: Flow, action: str, tr: Translator
    ) -> Outcome:
        if action == "fin":
            return await self._finish(session, state, flow, tr)
        if action.startswith("e") and action[1:].isdigit():
            position = int(action[1:])
            if 0 <= position < len(flow.steps):
                state.history = [*state.history, REVIEW]
                state.step = flow.steps[position].id
                state.context = {**state.context, "_return_review": True}
                self._touch(state)
                return self._show(state, flow, tr)
        return Outcome(toast=tr.gettext(texts.ENDED), replace=False)

    def _back(self, state: FlowState, flow: Flow, tr: Translator) -> Outcome:
        if state.history:
            *rest, previous = state.history
            state.history = rest
            state.step = previous
            state.context = {
                k: v for k, v in state.context.items() if k not in ("_date", "_return_review")
            }
            self._touch(state)
        return self._show(state, flow, tr)

    async def _answer(
        self,
        session: AsyncSession,
        state: FlowState,
        flow: Flow,
        step: Step,
        value: Any,
        tr: Translator,
        *,
        replace: bool = True,
    ) -> Outcome:
        state.answers = {**state.answers, step.id: value}
        if step.kind is AnswerKind.TEXT and isinstance(value, str):
            written = dict(state.answers.get(WRITTEN_IN) or {})
            state.answers = {**state.answers, WRITTEN_IN: {**written, step.id: tr.locale}}
        state.history = [*state.history, step.id]
        following = flow.following(step, state.answers)
        if state.context.get("_return_review") and (
            following is None or following in state.answers
        ):
            # Back to the review, unless the changed answer opens a question not yet answered.
            state.context = {k: v for k, v in state.context.items() if k != "_return_review"}
            following = REVIEW
        if following is None and flow.review:
            following = REVIEW
        if following is None:
            return await self._finish(session, state, flow, tr, replace=replace)
        state.step = following
        self._touch(state)
        return self._show(state, flow, tr, replace=replace)

    async def _finish(
        self,
        session: AsyncSession,
        state: FlowState,
        flow: Flow,
        tr: Translator,
        *,
        replace: bool = True,
    ) -> Outcome:
        state.status = DONE
        self._touch(state)
        text = tr.gettext(flow.done_text)
        if flow.finisher is not None:
            text = await flow.finisher(session, self.clock, state, tr)
        if state.status == DONE and state not in session.deleted:
            state.closing = text
        return Outcome([Screen(text)], replace=replace, finished=True)

    # ----------------------------------------------------------------- rendering

    def _show(
        self,
        state: FlowState,
        flow: Flow,
        tr: Translator,
        *,
        replace: bool = True,
        notice: str | None = None,
    ) -> Outcome:
        if state.context.get("_confirm_cancel"):
            screen = Screen(
                tr.gettext(texts.CANCEL_CONFIRM),
                [
                    [
                        Button(tr.gettext(texts.CANCEL_YES), self._data(state, "xy")),
                        Button(tr.gettext(texts.CANCEL_NO), self._data(state, "xn")),
                    ]
                ],
            )
        elif state.step == REVIEW:
            screen = self._review_screen(state, flow, tr)
        else:
            screen = self._step_screen(state, flow, self._current_step(state, flow), tr)
        if notice:
            screen.text = f"{notice}\n\n{screen.text}"
        return Outcome([screen], replace=replace)

    def _step_screen(self, state: FlowState, flow: Flow, step: Step, tr: Translator) -> Screen:
        progress = tr.gettext(texts.STEP_OF).format(
            n=flow.index(step.id) + 1, total=len(flow.steps)
        )
        lines = [f"{tr.gettext(flow.title)} · {progress}", "", tr.gettext(step.prompt)]
        buttons: list[list[Button]] = []
        options = step.choices(state.context)
        if step.kind is AnswerKind.CHOICE:
            current = state.answers.get(step.id)
            choice = [
                Button(_mark(o.code == current) + label(o, tr), self._data(state, f"o{i}"))
                for i, o in enumerate(options)
            ]
            buttons += rows(choice, step.columns)
        elif step.kind is AnswerKind.MULTI:
            chosen = set(state.answers.get(step.id) or [])
            toggles = [
                Button(_mark(o.code in chosen) + label(o, tr), self._data(state, f"t{i}"))
                for i, o in enumerate(options)
            ]
            buttons += rows(toggles, step.columns)
            buttons.append([Button(tr.gettext(texts.DONE), self._data(state, "ok"))])
        elif step.kind is AnswerKind.SCALE:
            labels = step.scale_labels or ("1", "2", "3", "4", "5")
            buttons.append(
                [
                    Button(tr.gettext(label), self._data(state, f"o{i + 1}"))
                    for i, label in enumerate(labels)
                ]
            )
        elif step.kind is AnswerKind.TEXT:
            limit = texts.MAX_CHARS_OPTIONAL if step.skippable else texts.MAX_CHARS
            most = tr.counted_marked(texts.CHARACTERS, step.max_length)
            lines += ["", tr.gettext(limit).format(limit=most)]
            lines += ["", tr.gettext(texts.NOT_WATCHED)]
        elif step.kind is AnswerKind.INFO:
            buttons.append([Button(tr.gettext(texts.CONTINUE), self._data(state, "c"))])
        elif step.kind is AnswerKind.DATETIME:
            buttons += self._datetime_buttons(state, tr)
            day = state.context.get("_date")
            hint = (
                tr.gettext(texts.PICK_TIME).format(day=tr.date(_day(day)))
                if day
                else tr.gettext(texts.PICK_DATE)
            )
            lines += ["", hint]
        if step.skippable:
            skip = tr.gettext(step.skip_label or texts.SKIP)
            buttons.append([Button(skip, self._data(state, "s"))])
        buttons.append(self._nav_row(state, tr))
        contact = state.context.get("contact")
        if isinstance(contact, list) and len(contact) == 2:
            # A person's way to a human stays under every question of the flow.
            lines += ["", texts.human_line(tr, str(contact[0]), str(contact[1]))]
        return Screen("\n".join(lines), buttons)

    def _datetime_buttons(self, state: FlowState, tr: Translator) -> list[list[Button]]:
        day = state.context.get("_date")
        if day:
            slots = [Button(f"{t:%H:%M}", self._data(state, f"h{t:%H%M}")) for t in TIME_SLOTS]
            return [*rows(slots, 4), [Button(tr.gettext(texts.OTHER_DAY), self._data(state, "dx"))]]
        today = self.clock.now().astimezone(tr.tz).date()
        days = [today + timedelta(days=n) for n in range(1, DATE_DAYS + 1)]
        weekdays = [d for d in days if d.weekday() < 5]
        choice = [Button(tr.short_day(d), self._data(state, f"d{d:%Y%m%d}")) for d in weekdays]
        return rows(choice, 3)

    def _review_screen(self, state: FlowState, flow: Flow, tr: Translator) -> Screen:
        lines = [tr.gettext(flow.title), ""]
        if flow.review_intro:
            lines += [tr.gettext(flow.review_intro), ""]
        buttons: list[list[Button]] = []
        for position, step in enumerate(flow.steps):
            if step.id not in state.answers or step.kind is AnswerKind.INFO:
                continue
            title = tr.gettext(step.title or step.prompt)
            value = describe(step, state.answers[step.id], tr, state.context)
            lines.append(f"• {title}: {value}")
            label = tr.gettext(texts.CHANGE).format(title=title)
            buttons.append([Button(label, self._data(state, f"e{position}"))])
        if flow.finish_label_for is not None:
            finish = flow.finish_label_for(state.context, tr)
        else:
            finish = tr.gettext(flow.finish_label or texts.DONE)
        buttons.append([Button(finish, self._data(state, "fin"))])
        buttons.append(self._nav_row(state, tr, back=False))
        return Screen("\n".join(lines), buttons)

    def _nav_row(self, state: FlowState, tr: Translator, *, back: bool = True) -> list[Button]:
        row = []
        if back and state.history:
            row.append(Button(tr.gettext(texts.BACK), self._data(state, "b")))
        row.append(Button(tr.gettext(texts.PAUSE), self._data(state, "p")))
        row.append(Button(tr.gettext(texts.CANCEL), self._data(state, "x")))
        return row

    def _nudge_buttons(self, state: FlowState, flow: Flow, tr: Translator) -> Outcome:
        outcome = self._show(state, flow, tr, replace=False)
        outcome.screens.insert(0, Screen(tr.gettext(texts.USE_BUTTONS)))
        return outcome

    # ----------------------------------------------------------------- helpers

    def _data(self, state: FlowState, action: str) -> str:
        return f"f:{state.id}:{state.nonce}:{action}"

    def _touch(self, state: FlowState) -> None:
        state.nonce = _nonce()
        state.updated_at = self.clock.now()

    async def _pause_others(
        self, session: AsyncSession, telegram_id: int, keep: FlowState | None
    ) -> None:
        self._pause(await self.open_states(session, telegram_id), keep)

    def _pause(self, states: list[FlowState], keep: FlowState | None) -> None:
        """Every active one of ``states`` but ``keep`` waits: one flow is active at a time."""
        for other in states:
            if other is not keep and other.status == ACTIVE:
                other.status = PAUSED
                other.updated_at = self.clock.now()

    def _current_step(self, state: FlowState, flow: Flow) -> Step:
        try:
            return flow.step(state.step)
        except KeyError:
            # The flow changed since this state was saved: go on at the first unanswered step.
            state.step = next(
                (s.id for s in flow.steps if s.id not in state.answers), flow.steps[0].id
            )
            state.flow_version = flow.version
            return flow.step(state.step)

    def _flow(self, name: str) -> Flow:
        flow = self.flows.get(name)
        if flow is None:
            raise LookupError(f"unknown flow {name}")
        return flow


def label(option: Option, tr: Translator) -> str:
    return tr.gettext(option.label) if option.translate else option.label


def _shown(option: Option, tr: Translator) -> str:
    """A label within a line: a name given as it is (a unit's) keeps its own direction."""
    return tr.gettext(option.label) if option.translate else tr.isolate(option.label)


def describe(step: Step, value: Any, tr: Translator, context: dict[str, Any] | None = None) -> str:
    """An answer in the reader's language; answers are stored as codes for exactly this."""
    if value is None:
        return tr.gettext(texts.SKIPPED)
    if step.kind is AnswerKind.CHOICE:
        option = step.option(str(value), context)
        return _shown(option, tr) if option else str(value)
    if step.kind is AnswerKind.MULTI:
        options = [step.option(code, context) for code in value]
        return tr.labels(_shown(o, tr) for o in options if o is not None)
    if step.kind is AnswerKind.SCALE:
        return f"{value}/5"
    if step.kind is AnswerKind.DATETIME:
        return tr.datetime(datetime.fromisoformat(str(value)).replace(tzinfo=tr.tz))
    return str(value)


def _public(context: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in context.items() if not k.startswith("_")}


def _mark(selected: bool) -> str:
    return "✓ " if selected else ""


def _index_ok(arg: str, options: tuple[Option, ...]) -> bool:
    return arg.isdigit() and int(arg) < len(options)


def _day(compact: str) -> date:
    return date(int(compact[:4]), int(compact[4:6]), int(compact[6:]))


def _parse_local_datetime(text: str) -> str | None:
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    return moment.replace(tzinfo=None, second=0, microsecond=0).isoformat(timespec="minutes")


@cache
def _open_states_query() -> Select[FlowState]:
    """Built once: every /prepare and every typed answer reads the open flows."""
    return (
        select(FlowState)
        .where(
            FlowState.telegram_id == bindparam("telegram_id"),
            FlowState.status.in_(OPEN_STATUSES),
        )
        .order_by(FlowState.updated_at.desc(), FlowState.id.desc())
    )
