"""The same förmöte and reminders written the plain python-telegram-bot way, for comparison.

The conversation is a ``ConversationHandler`` whose state and answers live in process memory
and reach disk through ``PicklePersistence`` (every ``update_interval`` seconds, 60 by default,
and on a clean shutdown). Reminders are one ``JobQueue.run_once`` job each. Jobs are not
persisted by python-telegram-bot, so, as its documentation suggests, the reminders are kept in
``bot_data`` and scheduled again on start; those not yet marked as sent go out, late ones at
once. Texts, options and buttons are those of our flow, so both bots send the same messages.

Run as ``python -m bench.plain_ptb --persistence FILE`` with ``BENCH_TOKEN`` and
``BENCH_BASE_URL`` in the environment; prints ``READY {json}`` once it polls.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import time
import warnings
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.platform.i18n import Translator, pick_locale, translator
from flows import texts
from flows.engine import describe
from flows.model import AnswerKind, Step
from flows.preparation import PREPARATION

FLOW = PREPARATION
STEP_IDS = [step.id for step in FLOW.steps]
REVIEW = len(FLOW.steps)
PREFIX = "p:"
REMINDER_TEXT = "Reminder: your meeting is {when}."
REMINDER_BUTTONS = (("I'm coming", "yes"), ("I can't come", "no"))
Context = ContextTypes.DEFAULT_TYPE


def _tr(update: Update) -> Translator:
    user = update.effective_user
    return translator(pick_locale(user.language_code if user else None))


def _prep(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    prep: dict[str, Any] = data.setdefault("prep", {"answers": {}, "history": []})
    return prep


# --------------------------------------------------------------------- screens


def _markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text, callback_data=PREFIX + data) for text, data in row]
            for row in rows
        ]
    )


def _nav(prep: dict[str, Any], tr: Translator, *, back: bool = True) -> list[tuple[str, str]]:
    row = [(tr.gettext(texts.BACK), "b")] if back and prep["history"] else []
    return [*row, (tr.gettext(texts.PAUSE), "p"), (tr.gettext(texts.CANCEL), "x")]


def _step_screen(step: Step, prep: dict[str, Any], tr: Translator) -> tuple[str, list[Any]]:
    progress = tr.gettext(texts.STEP_OF).format(n=STEP_IDS.index(step.id) + 1, total=REVIEW)
    lines = [f"{tr.gettext(FLOW.title)} · {progress}", "", tr.gettext(step.prompt)]
    rows: list[list[tuple[str, str]]] = []
    answer = prep["answers"].get(step.id)
    if step.kind is AnswerKind.INFO:
        rows.append([(tr.gettext(texts.CONTINUE), "c")])
    elif step.kind is AnswerKind.CHOICE:
        rows += [
            [(("✓ " if o.code == answer else "") + tr.gettext(o.label), f"o{i}")]
            for i, o in enumerate(step.options)
        ]
    elif step.kind is AnswerKind.MULTI:
        chosen = set(answer or [])
        toggles = [
            (("✓ " if o.code in chosen else "") + tr.gettext(o.label), f"t{i}")
            for i, o in enumerate(step.options)
        ]
        rows += [toggles[i : i + step.columns] for i in range(0, len(toggles), step.columns)]
        rows.append([(tr.gettext(texts.DONE), "ok")])
    elif step.kind is AnswerKind.TEXT:
        most = tr.counted_marked(texts.CHARACTERS, step.max_length)
        lines += ["", tr.gettext(texts.MAX_CHARS).format(limit=most)]
        lines += ["", tr.gettext(texts.NOT_WATCHED)]
    if step.skippable:
        rows.append([(tr.gettext(step.skip_label or texts.SKIP), "s")])
    rows.append(_nav(prep, tr))
    return "\n".join(lines), rows


def _review_screen(prep: dict[str, Any], tr: Translator) -> tuple[str, list[Any]]:
    lines = [tr.gettext(FLOW.title), "", tr.gettext(FLOW.review_intro), ""]
    rows: list[list[tuple[str, str]]] = []
    for position, step in enumerate(FLOW.steps):
        if step.id not in prep["answers"] or step.kind is AnswerKind.INFO:
            continue
        title = tr.gettext(step.title or step.prompt)
        lines.append(f"• {title}: {describe(step, prep['answers'][step.id], tr)}")
        rows.append([(tr.gettext(texts.CHANGE).format(title=title), f"e{position}")])
    rows.append([(tr.gettext(FLOW.finish_label), "fin")])
    rows.append(_nav(prep, tr, back=False))
    return "\n".join(lines), rows


def _screen(state: int, prep: dict[str, Any], tr: Translator) -> tuple[str, list[Any]]:
    if state == REVIEW:
        return _review_screen(prep, tr)
    return _step_screen(FLOW.steps[state], prep, tr)


# --------------------------------------------------------------------- the conversation


async def start(update: Update, context: Context) -> int:
    prep = _prep(context)
    prep.update(answers={}, history=[], review=False)
    text, rows = _screen(0, prep, _tr(update))
    message = update.effective_message
    assert message is not None
    await message.reply_text(text, reply_markup=_markup(rows))
    return 0


def _following(state: int, prep: dict[str, Any]) -> int:
    if prep.get("review"):
        return REVIEW
    step = FLOW.steps[state]
    following = FLOW.following(step, prep["answers"])
    return REVIEW if following is None else STEP_IDS.index(following)


def _answer(state: int, prep: dict[str, Any], value: Any) -> int:
    prep["answers"][FLOW.steps[state].id] = value
    prep["history"].append(state)
    return _following(state, prep)


def _act(state: int, action: str, prep: dict[str, Any]) -> int | str:
    """The next state for a pressed button, or a word for the endings."""
    if action in ("p", "x", "fin"):
        return action
    if action == "b" and prep["history"]:
        return int(prep["history"].pop())
    if state == REVIEW:
        if action.startswith("e") and action[1:].isdigit() and int(action[1:]) < REVIEW:
            prep["review"] = True
            return int(action[1:])
        return state
    step = FLOW.steps[state]
    kind, arg = action[:1], action[1:]
    if action == "c" and step.kind is AnswerKind.INFO:
        return _answer(state, prep, True)
    if action == "s" and step.skippable:
        return _answer(state, prep, None)
    valid = arg.isdigit() and int(arg) < len(step.options)
    if kind == "o" and valid and step.kind is AnswerKind.CHOICE:
        return _answer(state, prep, step.options[int(arg)].code)
    if kind == "t" and valid and step.kind is AnswerKind.MULTI:
        code = step.options[int(arg)].code
        chosen = list(prep["answers"].get(step.id) or [])
        chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
        order = [o.code for o in step.options]
        prep["answers"][step.id] = sorted(chosen, key=order.index)
        return state
    if action == "ok" and step.kind is AnswerKind.MULTI and prep["answers"].get(step.id):
        prep["history"].append(state)
        return _following(state, prep)
    return state


def _on_button(state: int) -> Any:
    async def handle(update: Update, context: Context) -> int:
        query = update.callback_query
        assert query is not None and query.data is not None
        tr = _tr(update)
        prep = _prep(context)
        result = _act(state, query.data.removeprefix(PREFIX), prep)
        if isinstance(result, str):
            ending = {
                "p": texts.PAUSED,
                "x": texts.CANCELLED,
                "fin": FLOW.done_text,
            }[result]
            if result == "fin":
                data = context.user_data
                assert data is not None
                data.setdefault("prepared", []).append(dict(prep["answers"]))
            await query.edit_message_text(tr.gettext(ending))
            await query.answer()
            return ConversationHandler.END
        text, rows = _screen(result, prep, tr)
        await query.edit_message_text(text, reply_markup=_markup(rows))
        await query.answer()
        return result

    return handle


def _on_text(state: int) -> Any:
    async def handle(update: Update, context: Context) -> int:
        message = update.effective_message
        assert message is not None and message.text is not None
        tr = _tr(update)
        prep = _prep(context)
        step = FLOW.steps[state]
        value = message.text.strip()
        if len(value) > step.max_length:
            used = tr.gettext(texts.TOO_LONG).format(
                used=tr.counted_marked(texts.CHARACTERS, len(value)),
                limit=tr.counted_marked(texts.CHARACTERS, step.max_length),
            )
            await message.reply_text(used)
            return state
        following = _answer(state, prep, value)
        text, rows = _screen(following, prep, tr)
        await message.reply_text(text, reply_markup=_markup(rows))
        return following

    return handle


async def ended(update: Update, context: Context) -> None:
    """A button of a conversation this process does not know (any more)."""
    query = update.callback_query
    if query is not None:
        await query.answer(_tr(update).gettext(texts.ENDED))


def conversation() -> ConversationHandler[Any]:
    states: dict[object, list[Any]] = {}
    for position, step in enumerate(FLOW.steps):
        handlers: list[Any] = [CallbackQueryHandler(_on_button(position), pattern=f"^{PREFIX}")]
        if step.kind is AnswerKind.TEXT:
            handlers.append(MessageHandler(filters.TEXT & ~filters.COMMAND, _on_text(position)))
        states[position] = handlers
    states[REVIEW] = [CallbackQueryHandler(_on_button(REVIEW), pattern=f"^{PREFIX}")]
    return ConversationHandler(
        entry_points=[CommandHandler("prepare", start)],
        states=states,
        fallbacks=[CommandHandler("prepare", start)],
        name="preparation",
        persistent=True,
    )


# --------------------------------------------------------------------- reminders


async def send_reminder(context: Context) -> None:
    job = context.job
    assert job is not None
    reminder = context.bot_data["reminders"][job.data]
    tr = translator("sv")
    when = tr.datetime(datetime.fromtimestamp(reminder["meeting"], UTC))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=f"r:{answer}:{job.data}")
                for label, answer in REMINDER_BUTTONS
            ]
        ]
    )
    await context.bot.send_message(
        reminder["chat_id"], REMINDER_TEXT.format(when=when), reply_markup=keyboard
    )
    reminder["sent"] = True


def schedule_reminders(app: Application[Any, Any, Any, Any, Any, Any]) -> tuple[int, float]:
    """One ``run_once`` job per reminder not yet sent; returns (jobs, seconds it took)."""
    queue = app.job_queue
    assert queue is not None
    began = time.perf_counter()
    now = time.time()
    count = 0
    for reminder_id, reminder in app.bot_data.get("reminders", {}).items():
        if reminder["sent"]:
            continue
        when = datetime.fromtimestamp(max(reminder["due"], now), UTC)
        queue.run_once(send_reminder, when=when, data=reminder_id, name=f"r{reminder_id}")
        count += 1
    return count, time.perf_counter() - began


def write_reminders(path: str, reminders: list[tuple[int, float, float]]) -> None:
    """A persistence file holding (chat, due, meeting) reminders in ``bot_data``, as the bot
    would have written it after they were booked."""
    bot_data = {
        "reminders": {
            number: {"chat_id": chat, "due": due, "meeting": meeting, "sent": False}
            for number, (chat, due, meeting) in enumerate(reminders)
        }
    }
    data = {
        "conversations": {},
        "user_data": {},
        "chat_data": {},
        "bot_data": bot_data,
        "callback_data": None,
    }
    with open(path, "wb") as file:
        pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)


# --------------------------------------------------------------------- the process


def build(persistence_file: str, concurrency: int) -> Application[Any, Any, Any, Any, Any, Any]:
    info: dict[str, Any] = {}

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        info["jobs"], info["schedule_seconds"] = schedule_reminders(app)
        queue = app.job_queue
        assert queue is not None
        queue.run_once(ready, when=0, job_kwargs={"misfire_grace_time": None})

    async def ready(_context: Context) -> None:
        print("READY " + json.dumps(info), flush=True)

    app = (
        ApplicationBuilder()
        .token(os.environ["BENCH_TOKEN"])
        .base_url(os.environ["BENCH_BASE_URL"])
        .persistence(PicklePersistence(persistence_file))
        .concurrent_updates(concurrency)
        .post_init(post_init)
        .build()
    )
    app.add_handler(conversation())
    app.add_handler(CallbackQueryHandler(ended))
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persistence", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=PTBUserWarning)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = build(args.persistence, args.concurrency)
    app.run_polling(poll_interval=0.0, timeout=20, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
