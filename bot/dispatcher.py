"""Sends the outbox: claims due rows atomically, renders each in its recipient's language, sends.

A claim is a lease: a process that dies after claiming leaves rows whose lease runs out, and
any process takes them again, so nothing is lost. On PostgreSQL the claim uses
``FOR UPDATE SKIP LOCKED`` so several processes never take the same row.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot import buttons, outbox, profiles
from bot.i18n import Translator
from bot.models import OutboxMessage, OutboxStatus
from bot.runtime import Services

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)


def worker_name() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}"


@dataclass(frozen=True)
class Claimed:
    """What the sender needs of a row, read inside the claiming transaction."""

    id: int
    chat_id: int
    text: str
    buttons: list[list[dict[str, Any]]] | None
    locale: str


class Dispatcher:
    def __init__(self, services: Services, bot: Bot, *, batch_size: int = 100) -> None:
        self.services = services
        self.bot = bot
        self.batch_size = batch_size
        self.worker = worker_name()

    async def tick(self) -> int:
        """Send what is due now; returns how many messages went out."""
        claimed = await self.claim()
        sent = 0
        for row in claimed:
            if await self.send(row):
                sent += 1
        return sent

    async def claim(self) -> list[Claimed]:
        services = self.services
        now = services.clock.now()
        due = or_(
            and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now),
            and_(OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.claimed_until < now),
        )
        query = (
            select(OutboxMessage)
            .where(due)
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(self.batch_size)
        )
        if services.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed: list[Claimed] = []
        async with services.db.transaction() as session:
            for row in await session.scalars(query):
                row.status = OutboxStatus.CLAIMED
                row.claimed_by = self.worker
                row.claimed_until = now + LEASE
                row.attempts += 1
                locale = await profiles.language_of(session, row.chat_id)
                locale = locale or services.settings.default_locale
                text = outbox.render(services.tr(locale), row.message, row.params)
                claimed.append(Claimed(row.id, row.chat_id, text, row.buttons, locale))
        return claimed

    async def send(self, row: Claimed) -> bool:
        markup = await self._markup(row)
        try:
            await self.bot.send_message(row.chat_id, row.text, reply_markup=markup)
        except Exception as exc:  # any failure leaves the row for a retry
            log.warning("outbox row %s not sent: %s", row.id, exc)
            await self._release(row.id, str(exc)[:200])
            return False
        await self._finish(row.id)
        return True

    async def _markup(self, row: Claimed) -> InlineKeyboardMarkup | None:
        if not row.buttons:
            return None
        tr = self.services.tr(row.locale)
        keyboard: list[list[InlineKeyboardButton]] = []
        async with self.services.db.transaction() as session:
            for line in row.buttons:
                keyboard.append(
                    [
                        InlineKeyboardButton(
                            _label(tr, spec),
                            callback_data=await buttons.issue(
                                session,
                                self.services.clock,
                                row.chat_id,
                                spec["action"],
                                spec.get("payload", {}),
                                group=f"outbox:{row.id}",
                            ),
                        )
                        for spec in line
                    ]
                )
        return InlineKeyboardMarkup(keyboard)

    async def _finish(self, row_id: int) -> None:
        async with self.services.db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is not None:
                row.status = OutboxStatus.SENT
                row.sent_at = self.services.clock.now()
                row.claimed_until = None

    async def _release(self, row_id: int, error: str) -> None:
        async with self.services.db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is not None and row.status == OutboxStatus.CLAIMED:
                row.status = OutboxStatus.PENDING
                row.last_error = error
                row.claimed_until = None


def _label(tr: Translator, spec: dict[str, Any]) -> str:
    label: str = spec["label"]
    return tr.gettext(label)
