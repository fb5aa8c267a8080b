"""Units (verksamheter): created by an admin, named to individuals with their phone number, so
there is always a way to a human."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Organisation, Unit
from bot.platform.clock import Clock
from bot.platform.i18n import N_, Translator

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,30}[0-9]$")

ORGANISATION_LABELS = {
    Organisation.MUNICIPALITY: N_("Municipality"),
    Organisation.REGION: N_("Region"),
}
CALL_LINE = N_("Questions? Call {phones}.")
PHONE_LIST = N_("Phone numbers, if you want to talk to a person:")
STAFF_PHONE_LIST = N_("Phone numbers of your units:")


class UnitError(ValueError):
    """Bad unit input; the message says what to fix, in one line."""


@dataclass(frozen=True)
class UnitInfo:
    """What an individual is shown of a unit."""

    id: int
    name: str
    phone: str


def clean_phone(raw: str) -> str | None:
    """A phone number as people write it (digits, spaces, dashes, a leading +); None if not."""
    value = " ".join(raw.split())
    return value if PHONE.match(value) else None


def parse_organisation(raw: str) -> Organisation:
    value = raw.strip().lower()
    aliases = {"kommun": Organisation.MUNICIPALITY, "region": Organisation.REGION}
    if value in aliases:
        return aliases[value]
    try:
        return Organisation(value)
    except ValueError:
        raise UnitError("organisation must be 'municipality' or 'region'") from None


async def add(
    session: AsyncSession,
    clock: Clock,
    *,
    name: str,
    organisation: Organisation,
    phone: str,
    address: str | None = None,
) -> Unit:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise UnitError("a unit needs a name of at most 120 characters")
    if await _by_name(session, name) is not None:
        raise UnitError(f"a unit named {name!r} already exists")
    cleaned = clean_phone(phone)
    if cleaned is None:
        raise UnitError(f"{phone!r} does not look like a phone number")
    unit = Unit(
        name=name,
        organisation=organisation,
        phone=cleaned,
        address=_address(address),
        send_requests_at_once=True,
        created_at=clock.now(),
    )
    session.add(unit)
    await session.flush()
    return unit


async def edit(
    session: AsyncSession,
    unit: Unit,
    *,
    name: str | None = None,
    organisation: Organisation | None = None,
    phone: str | None = None,
    address: str | None = None,
) -> Unit:
    if name is not None:
        name = " ".join(name.split())
        if not name or len(name) > 120:
            raise UnitError("a unit needs a name of at most 120 characters")
        other = await _by_name(session, name)
        if other is not None and other.id != unit.id:
            raise UnitError(f"a unit named {name!r} already exists")
        unit.name = name
    if organisation is not None:
        unit.organisation = organisation
    if phone is not None:
        cleaned = clean_phone(phone)
        if cleaned is None:
            raise UnitError(f"{phone!r} does not look like a phone number")
        unit.phone = cleaned
    if address is not None:
        unit.address = _address(address)
    await session.flush()
    return unit


async def find(session: AsyncSession, ref: str) -> Unit:
    """A unit by its id or its exact name (case-insensitive)."""
    ref = ref.strip()
    unit = await session.get(Unit, int(ref)) if ref.isdigit() else await _by_name(session, ref)
    if unit is None:
        raise UnitError(f"no unit {ref!r}; 'samordna units list' shows them")
    return unit


async def all_units(session: AsyncSession) -> list[Unit]:
    return list(await session.scalars(select(Unit).order_by(Unit.name)))


async def by_ids(session: AsyncSession, ids: Iterable[int]) -> list[Unit]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(await session.scalars(select(Unit).where(Unit.id.in_(wanted)).order_by(Unit.name)))


def info(units: Iterable[Unit]) -> list[UnitInfo]:
    return [UnitInfo(u.id, u.name, u.phone) for u in units]


def call_line(tr: Translator, units: Iterable[UnitInfo | Unit]) -> str:
    """The one line every question to an individual ends with: whom to call."""
    phones = tr.join([f"{u.name} {u.phone}" for u in units], either=True)
    return tr.gettext(CALL_LINE).format(phones=phones) if phones else ""


def phone_lines(
    tr: Translator, units: Iterable[UnitInfo | Unit], heading: str = PHONE_LIST
) -> list[str]:
    listed = [f"• {tr.isolate(u.name)}: {tr.isolate(u.phone)}" for u in units]
    return [tr.gettext(heading), *listed] if listed else []


def organisation_label(tr: Translator, organisation: str) -> str:
    label = ORGANISATION_LABELS.get(Organisation(organisation), organisation)
    return tr.gettext(label)


async def _by_name(session: AsyncSession, name: str) -> Unit | None:
    return await session.scalar(select(Unit).where(func.lower(Unit.name) == name.lower()))


def _address(address: str | None) -> str | None:
    if address is None:
        return None
    cleaned = " ".join(address.split())
    if len(cleaned) > 200:
        raise UnitError("the address may be at most 200 characters")
    return cleaned or None
