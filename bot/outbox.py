"""Queueing messages the bot sends on its own initiative, and cancelling them.

Content is a message id and parameters, rendered in the recipient's language only when sent:
``{"$dt": iso}`` becomes a Babel-formatted date and time, ``{"$msg": msgid}`` a translated
phrase; anything else is inserted as it is. Buttons are stored as
``[[{"label": msgid, "action": name, "payload": {...}}]]`` and become checked button tokens
when the message is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import Translator
from bot.models import OutboxMessage, OutboxStatus

OPEN = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)


def dt_param(moment: datetime) -> dict[str, str]:
    return {"$dt": moment.isoformat()}


def msg_param(message: str) -> dict[str, str]:
    return {"$msg": message}


def render(tr: Translator, message: str, params: dict[str, Any]) -> str:
    values: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, dict) and "$dt" in value:
            values[name] = tr.datetime(datetime.fromisoformat(value["$dt"]))
        elif isinstance(value, dict) and "$msg" in value:
            phrase: str = value["$msg"]
            values[name] = tr.gettext(phrase)
        else:
            values[name] = str(value)
    return tr.gettext(message).format(**values)


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
) -> OutboxMessage | None:
    """Queue one message; returns None when the same ``dedupe_key`` was queued before."""
    existing = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if existing is not None:
        return None
    now = clock.now()
    row = OutboxMessage(
        chat_id=chat_id,
        individual_id=individual_id,
        staff_id=staff_id,
        kind=kind,
        message=message,
        params=params or {},
        buttons=buttons,
        due_at=due_at or now,
        status=OutboxStatus.PENDING,
        attempts=0,
        dedupe_key=dedupe_key,
        subject=subject,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def cancel(
    session: AsyncSession,
    *,
    subject: str | None = None,
    individual_id: int | None = None,
    kind: str | None = None,
) -> int:
    """Cancel every open message matching all given filters (at least one is required)."""
    if subject is None and individual_id is None:
        raise ValueError("cancel needs a subject or an individual")
    statement = update(OutboxMessage).where(OutboxMessage.status.in_(OPEN))
    if subject is not None:
        statement = statement.where(OutboxMessage.subject == subject)
    if individual_id is not None:
        statement = statement.where(OutboxMessage.individual_id == individual_id)
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    result = await session.execute(statement.values(status=OutboxStatus.CANCELLED))
    return int(getattr(result, "rowcount", 0) or 0)
