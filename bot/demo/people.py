"""The demo's cast: two units, three staff members and Anna, invited as an individual.

Shared by the terminal demo (``/as anna|sofia|rikard|admin``) and the browser playground.
Safe to run on every demo start: the terminal demo keeps its database between runs, so each
part is made only when it is missing, and a fresh link replaces Anna's unused one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from bot.chat import access, profiles
from bot.chat.turn import Services
from bot.models import (
    Individual,
    IndividualInvite,
    Organisation,
    ProcessedUpdate,
    Role,
    Staff,
    StaffMembership,
    Unit,
)
from bot.people import individuals, units
from bot.platform.i18n import N_, translator

SOCIAL, CLINIC = 0, 1
UNITS = (
    (
        "Socialtjänst Innerstaden, vuxen/missbruk",
        Organisation.MUNICIPALITY,
        "040-34 10 00",
        "Södra Förstadsgatan 2",
    ),
    ("Beroendemottagning Rådmannen", Organisation.REGION, "040-33 10 00", "Rådmansgatan 12"),
)


@dataclass(frozen=True)
class Person:
    """One phone of the demo: who holds it and what they are."""

    key: str
    telegram_id: int
    name: str
    role: str  # N_ text: what this person does, in a few words
    unit: int | None = None  # index into UNITS; None for the individual
    staff_role: Role | None = None
    phone: str | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


ANNA = Person("anna", 1001, "Anna", N_("individual"))
SOFIA = Person(
    "sofia",
    2101,
    "Sofia Lind",
    N_("social worker, municipal social services"),
    SOCIAL,
    Role.STAFF,
    "040-34 10 12",
)
RIKARD = Person(
    "rikard",
    2102,
    "Rikard Holm",
    N_("distributor, regional addiction clinic"),
    CLINIC,
    Role.DISTRIBUTOR,
    "040-33 10 21",
)
ADMIN = Person(
    "admin",
    2103,
    "Maria Berg",
    N_("unit head and admin, municipal social services"),
    SOCIAL,
    Role.ADMIN,
    "040-34 10 01",
)
CAST: tuple[Person, ...] = (ANNA, SOFIA, RIKARD, ADMIN)
BY_KEY = {person.key: person for person in CAST}

JOIN_LINE = N_("To join as an individual, type: /start {token}")
ALREADY_LINE = N_("You are already case {case_ref}: try /consent, /mydata or /help.")


@dataclass(frozen=True)
class Seeded:
    """What the demo needs to know after seeding."""

    unit_ids: tuple[int, ...]
    invite_token: str | None  # None when Anna has already joined
    case_ref: str

    def lines(self, locale: str, timezone: str) -> list[str]:
        """The line shown above the terminal chat: how Anna joins, or that she has."""
        tr = translator(locale, timezone)
        if self.invite_token is None:
            return [tr.gettext(ALREADY_LINE).format(case_ref=self.case_ref)]
        return [tr.gettext(JOIN_LINE).format(token=self.invite_token)]


async def seed_people(services: Services, languages: dict[str, str] | None = None) -> Seeded:
    """Units, staff and a fresh link for Anna, each made only when missing.

    ``languages`` gives a person's starting language by key; the default is the configured one.
    """
    clock = services.clock
    wanted = languages or {}
    default = services.settings.default_locale
    async with services.db.transaction() as session:
        made: list[Unit] = []
        for name, organisation, phone, address in UNITS:
            existing = await session.scalar(select(Unit).where(Unit.name == name))
            made.append(
                existing
                or await units.add(
                    session,
                    clock,
                    name=name,
                    organisation=organisation,
                    phone=phone,
                    address=address,
                )
            )
        members: dict[str, Staff] = {}
        for person in CAST[1:]:
            member = await session.scalar(
                select(Staff).where(Staff.telegram_id == person.telegram_id)
            )
            if member is None:
                member = Staff(
                    telegram_id=person.telegram_id,
                    name=person.name,
                    phone=person.phone,
                    created_at=clock.now(),
                )
                session.add(member)
                await session.flush()
                assert person.unit is not None and person.staff_role is not None
                session.add(
                    StaffMembership(
                        staff_id=member.id, unit_id=made[person.unit].id, role=person.staff_role
                    )
                )
                language = wanted.get(person.key, default)
                await profiles.remember(session, clock, person.telegram_id, language)
                await session.flush()
            members[person.key] = member
        unit_ids = tuple(unit.id for unit in made)
        joined = await access.individual_by_telegram(session, ANNA.telegram_id)
        if joined is not None:
            return Seeded(unit_ids, None, joined.case_ref)
        if ANNA.key in wanted:
            await profiles.remember(session, clock, ANNA.telegram_id, wanted[ANNA.key])
        inviter = members[SOFIA.key]
        unused = select(IndividualInvite.individual_id).where(
            IndividualInvite.created_by_staff_id == inviter.id,
            IndividualInvite.used_at.is_(None),
        )
        await session.execute(delete(Individual).where(Individual.id.in_(unused)))
        token, _invite, case = await individuals.create_invite(
            session,
            clock,
            inviter,
            made,
            valid_for=timedelta(days=services.settings.individual_invite_days),
        )
        return Seeded(unit_ids, token, case.case_ref)


async def last_update_id(services: Services) -> int:
    """The highest update id the bot has handled: a new double must number above it."""
    async with services.db.transaction() as session:
        found = await session.scalar(select(func.max(ProcessedUpdate.update_id)))
    return int(found or 0)
