"""Writing audit entries; they name case references and staff ids, never Telegram ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import AuditEntry
from bot.platform.clock import Clock


def record(
    session: AsyncSession,
    clock: Clock,
    action: str,
    *,
    actor: str,
    case_ref: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEntry(at=clock.now(), action=action, actor=actor, case_ref=case_ref, detail=detail)
    )
