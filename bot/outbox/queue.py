"""Queueing messages the bot sends on its own initiative, and cancelling them.

Content is a message id and parameters, rendered in the recipient's language only when sent:
``{"$dt": iso}`` becomes a Babel-formatted date and time, ``{"$date": iso}`` a date,
``{"$msg": msgid}`` a translated phrase (with ``"$params"``, itself filled in); anything else
is inserted as it is. Buttons are stored as ``[[{"label": msgid, "action": name,
"payload": {...}}]]`` and become checked button tokens when the message is sent.

The timing rules of :mod:`bot.outbox.timing` are applied here, when a row is queued, and again by
the dispatcher when it claims the row. A feature can register a *guard* for its kind of row:
the dispatcher asks it right before sending whether the row is still wanted (the meeting was
not moved, the question not yet answered), so a missed event never sends a stale nudge. It
can also register *live parameters*, read at send time: free text such as a meeting's place
is encrypted where it lives and never waits in the outbox in the clear.

Every row to an individual ends with a way to a human (:func:`way_to_human`): the phone
number of the unit named in the row's ``$human`` parameter, and the crisis numbers.
``bot.people.contacts.notify_individual``, the one way features write to an individual, sets
that parameter on every row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import OutboxMessage, OutboxStatus
from bot.outbox import timing
from bot.platform.clock import Clock
from bot.platform.context import settings_of, wiring_of
from bot.platform.i18n import N_, Plural, Translator
from bot.platform.wiring import Wiring, mark
from flows import texts

OPEN = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)
HUMAN = "$human"
A_MESSAGE = N_("a message")

Guard = Callable[[AsyncSession, OutboxMessage, datetime], Awaitable[bool]]
LiveParams = Callable[[AsyncSession, OutboxMessage], Awaitable[dict[str, Any]]]


def dt_param(moment: datetime) -> dict[str, str]:
    return {"$dt": moment.isoformat()}


def date_param(moment: datetime | date) -> dict[str, str]:
    """A day for a message, written in the reader's language when it is sent."""
    return {"$date": moment.isoformat()}


def list_param(names: Sequence[str]) -> dict[str, list[str]]:
    """Names (of units) for a message, joined in the reader's language when it is sent."""
    return {"$list": list(names)}


def count_param(message: Plural, n: int) -> dict[str, Any]:
    """A count for a message ("30 minutes"), in the plural form the reader's language needs."""
    return {"$plural": [message.singular, message.plural], "$n": n}


def msg_param(message: str, **params: Any) -> dict[str, Any]:
    if params:
        return {"$msg": message, "$params": params}
    return {"$msg": message}


def render(tr: Translator, message: str, params: dict[str, Any]) -> str:
    values: dict[str, str] = {}
    for name, value in params.items():
        if name.startswith("$"):
            continue
        if isinstance(value, dict) and "$dt" in value:
            values[name] = tr.datetime(datetime.fromisoformat(value["$dt"]))
        elif isinstance(value, dict) and "$date" in value:
            values[name] = tr.date(_day(value["$date"]))
        elif isinstance(value, dict) and "$plural" in value:
            singular, plural = value["$plural"]
            values[name] = tr.counted(singular, plural, int(value["$n"]))
        elif isinstance(value, dict) and "$list" in value:
            values[name] = tr.join(value["$list"])
        elif isinstance(value, dict) and "$msg" in value:
            phrase: str = value["$msg"]
            values[name] = render(tr, phrase, value.get("$params") or {})
        else:
            values[name] = str(value)
    return tr.gettext(message).format(**values)


def _day(value: str) -> date | datetime:
    """A stored day: a plain date, or a moment whose day is taken in the reader's time zone."""
    return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)


def human_param(unit: str | None, phone: str | None) -> dict[str, str]:
    """The ``$human`` parameter: whom the individual can call about this message."""
    return {"unit": unit or "", "phone": phone or ""}


def way_to_human(tr: Translator, text: str, params: dict[str, Any]) -> str:
    """``text`` with the line every message to an individual ends with. The unit's number is
    left out of the line when the text already gives it."""
    contact = params.get(HUMAN)
    unit = phone = None
    if isinstance(contact, dict):
        unit, phone = str(contact.get("unit") or ""), str(contact.get("phone") or "")
    if phone and phone in text:
        unit = phone = None
    return f"{text}\n\n{texts.human_line(tr, unit, phone)}"


def to_individual(row: OutboxMessage) -> bool:
    return row.staff_id is None and row.individual_id is not None


async def render_row(session: AsyncSession, tr: Translator, row: OutboxMessage) -> str:
    """A row as its recipient reads it: live parameters, their language, and for an
    individual the way to a human."""
    params = await params_at_send(session, row)
    text = render(tr, row.message, params)
    return way_to_human(tr, text, params) if to_individual(row) and HUMAN in params else text


GUARD = "outbox_guard"
LIVE_PARAMS = "outbox_live_params"
KIND_NAMES = "outbox_kind"


def guard(kind: str) -> Callable[[Guard], Guard]:
    """Mark a check the dispatcher runs right before sending a row of this kind."""
    return mark(GUARD, kind)


async def still_wanted(session: AsyncSession, row: OutboxMessage, now: datetime) -> bool:
    for check in wiring_of(session).all(GUARD, row.kind):
        if not await check(session, row, now):
            return False
    return True


def live_params(kind: str) -> Callable[[LiveParams], LiveParams]:
    """Mark what a row of this kind reads fresh when it is sent."""
    return mark(LIVE_PARAMS, kind)


async def params_at_send(session: AsyncSession, row: OutboxMessage) -> dict[str, Any]:
    live: LiveParams | None = wiring_of(session).one(LIVE_PARAMS, row.kind)
    if live is None:
        return dict(row.params)
    return {**row.params, **await live(session, row)}


def kind_label(wiring: Wiring, kind: str) -> str:
    """A kind of row named for people, as in "a message to K-7F3Q (a meeting reminder)".

    Features name their kinds in a module attribute ``OUTBOX_KINDS = {kind: N_("...")}``.
    """
    label: str = wiring.data(KIND_NAMES).get(kind, A_MESSAGE)
    return label


async def enqueue(
    session: AsyncSession,
    clock: Clock,
    *,
    chat_id: int,
    kind: str,
    message: str,
    dedupe_key: str,
    params: dict[str, Any] | None = None,
    due_at: datetime | None = None,
    individual_id: int | None = None,
    staff_id: int | None = None,
    subject: str | None = None,
    buttons: list[list[dict[str, Any]]] | None = None,
    expires_at: datetime | None = None,
) -> OutboxMessage | None:
    """Queue one message at the first moment the timing rules allow from ``due_at`` on.

    Returns None when the same ``dedupe_key`` was queued before, or when the rules leave no
    moment before ``expires_at``.
    """
    existing = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if existing is not None:
        return None
    now = clock.now()
    when = timing.Policy.from_settings(settings_of(session)).send_time(
        due=due_at or now,
        now=now,
        to_staff=staff_id is not None,
        to_individual=individual_id is not None,
        expires_at=expires_at,
    )
    if when is None:
        return None
    row = OutboxMessage(
        chat_id=chat_id,
        individual_id=individual_id,
        staff_id=staff_id,
        kind=kind,
        message=message,
        params=params or {},
        buttons=buttons,
        due_at=when,
        expires_at=expires_at,
        status=OutboxStatus.PENDING,
        attempts=0,
        dedupe_key=dedupe_key,
        subject=subject,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:  # queued by a concurrent transaction a moment ago
        return None
    return row


async def cancel(
    session: AsyncSession,
    *,
    subject: str | None = None,
    individual_id: int | None = None,
    kind: str | None = None,
    kinds: Collection[str] | None = None,
    to_staff: bool | None = None,
) -> int:
    """Cancel every open message matching all given filters (a subject or an individual is
    required). ``to_staff`` False keeps to rows for the individual, True to rows for staff."""
    if subject is None and individual_id is None:
        raise ValueError("cancel needs a subject or an individual")
    statement = update(OutboxMessage).where(OutboxMessage.status.in_(OPEN))
    if subject is not None:
        statement = statement.where(OutboxMessage.subject == subject)
    if individual_id is not None:
        statement = statement.where(OutboxMessage.individual_id == individual_id)
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    if kinds is not None:
        statement = statement.where(OutboxMessage.kind.in_(list(kinds)))
    if to_staff is True:
        statement = statement.where(OutboxMessage.staff_id.is_not(None))
    elif to_staff is False:
        statement = statement.where(OutboxMessage.staff_id.is_(None))
    result = await session.execute(
        statement.values(status=OutboxStatus.CANCELLED, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
