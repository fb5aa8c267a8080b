"""``/mydata``: everything stored about the person, in plain words; a copy as a JSON file (the
readable copy beside it is :mod:`bot.people.mydata_document`); and "delete everything".

The copy is built from the tables themselves (every row that names the case or the Telegram
account), so a table a later feature adds is included without anyone remembering to.
Anonymous survey answers are not linked to the person and are therefore not part of it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import access
from bot.models import Base, ChatUser, Individual, Staff
from bot.people import consent, staff

# Shown on their own, or not about one person.
_NOT_RECORDS = frozenset(
    {
        "individuals",
        "consents",
        "consent_units",
        "chat_users",
        "staff",
        "staff_memberships",
        "audit_entries",
        "processed_updates",
    }
)


_LINKS = ("individual_id", "telegram_id", "chat_id")


async def collect(session: AsyncSession, telegram_id: int) -> dict[str, Any]:
    """Everything stored about this Telegram account, as the JSON copy holds it."""
    user = await session.get(ChatUser, telegram_id)
    individual = await access.individual_by_telegram(session, telegram_id)
    member = await access.staff_by_telegram(session, telegram_id)
    data: dict[str, Any] = {
        "telegram_user_id": telegram_id,
        "language": user.language if user else None,
        "first_seen": user.created_at if user else None,
        "last_seen": user.last_seen_at if user else None,
        "case": None,
        "consents": [],
        "staff": None,
    }
    if individual is not None:
        data["case"] = await _case(session, individual)
        data["consents"] = [
            {
                "given_at": c.given_at,
                "valid_until": c.valid_until,
                "period_months": c.period_months,
                "units": [u.name for u in sorted(c.units, key=lambda u: u.name)],
                "reminders": c.reminders,
                "sharing": c.sharing,
                "survey": c.survey,
                "withdrawn_at": c.withdrawn_at,
                "expired_at": c.expired_at,
                "text_version": c.text_version,
                "text_hash": c.text_hash,
                "text_locale": c.text_locale,
            }
            for c in await consent.all_of(session, individual.id)
        ]
    if member is not None:
        roles = await access.roles_of(session, member.id)
        data["staff"] = {
            "name": member.name,
            "phone": member.phone,
            "joined_at": member.created_at,
            "units": [
                {"unit": u.name, "role": str(roles.get(u.id, ""))}
                for u in await staff.units_of(session, member.id)
            ],
        }
    data["records"] = await _records(
        session, individual.id if individual is not None else None, telegram_id
    )
    plain: dict[str, Any] = _plain(data)
    return plain


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


async def _case(session: AsyncSession, individual: Individual) -> dict[str, Any]:
    contact = (
        await session.get(Staff, individual.responsible_staff_id)
        if individual.responsible_staff_id is not None
        else None
    )
    return {
        "case_ref": individual.case_ref,
        "alias": individual.alias,
        "created_at": individual.created_at,
        "contact_person": contact.name if contact is not None and contact.name else None,
        "closed_at": individual.closed_at,
        "erase_after": individual.erase_after,
    }


async def _records(
    session: AsyncSession, individual_id: int | None, telegram_id: int
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in _NOT_RECORDS:
            continue
        condition = _condition(table, individual_id, telegram_id)
        if condition is None:
            continue
        rows = (await session.execute(select(table).where(condition))).mappings().all()
        if rows:
            found[table.name] = [dict(row) for row in rows]
    return found


def _condition(table: Table, individual_id: int | None, telegram_id: int) -> Any:
    tests = []
    for name in _LINKS:
        if name not in table.c:
            continue
        if name == "individual_id":
            if individual_id is not None:
                tests.append(table.c[name] == individual_id)
        else:
            tests.append(table.c[name] == telegram_id)
    return or_(*tests) if tests else None


def _plain(value: Any) -> Any:
    """JSON-ready: times as ISO text, enums as their value."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
