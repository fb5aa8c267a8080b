"""Demo data: two units, a staff member, and a fresh link for the demo user to join as an
individual. Safe to run on every demo start: the demo database is kept between runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from bot.chat import access
from bot.chat.turn import Services
from bot.models import (
    ChatUser,
    Individual,
    IndividualInvite,
    Organisation,
    Role,
    Staff,
    StaffMembership,
    Unit,
)
from bot.people import individuals, units
from bot.platform.i18n import N_, translator

DEMO_STAFF_ID = 2001
UNITS = (
    ("Socialtjänst Innerstaden, vuxen/missbruk", Organisation.MUNICIPALITY, "040-34 10 00"),
    ("Beroendemottagning Rådmannen", Organisation.REGION, "040-33 10 00"),
)
JOIN_LINE = N_("To join as an individual, type: /start {token}")
ALREADY_LINE = N_("You are already case {case_ref}: try /consent, /mydata or /help.")


async def seed_people(services: Services, demo_user_id: int) -> list[str]:
    """A unit, a staff member and an invite for the demo user; the lines go above the chat."""
    clock = services.clock
    tr = translator(services.settings.default_locale, services.settings.timezone)
    async with services.db.transaction() as session:
        made: list[Unit] = []
        for name, organisation, phone in UNITS:
            existing = await session.scalar(select(Unit).where(Unit.name == name))
            made.append(
                existing
                or await units.add(
                    session, clock, name=name, organisation=organisation, phone=phone
                )
            )
        member = await session.scalar(select(Staff).where(Staff.telegram_id == DEMO_STAFF_ID))
        if member is None:
            now = clock.now()
            member = Staff(
                telegram_id=DEMO_STAFF_ID, name="Sara Demo", phone="040-34 10 01", created_at=now
            )
            session.add(member)
            await session.flush()
            session.add(StaffMembership(staff_id=member.id, unit_id=made[0].id, role=Role.ADMIN))
            session.add(
                ChatUser(telegram_id=DEMO_STAFF_ID, language="sv", created_at=now, last_seen_at=now)
            )
            await session.flush()
        joined = await access.individual_by_telegram(session, demo_user_id)
        if joined is not None:
            return [tr.gettext(ALREADY_LINE).format(case_ref=joined.case_ref)]
        unused = select(IndividualInvite.individual_id).where(
            IndividualInvite.created_by_staff_id == member.id,
            IndividualInvite.used_at.is_(None),
        )
        await session.execute(delete(Individual).where(Individual.id.in_(unused)))
        token, _invite, _case = await individuals.create_invite(
            session,
            clock,
            member,
            made,
            valid_for=timedelta(days=services.settings.individual_invite_days),
        )
    return [tr.gettext(JOIN_LINE).format(token=token)]
