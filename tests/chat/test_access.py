"""Who may open a case: the responsible staff member, or staff of a unit the consent covers."""

from __future__ import annotations

from datetime import timedelta

from bot.chat import access
from bot.chat.turn import Services
from bot.models import Organisation, Role
from tests import factories


async def test_case_is_visible_only_through_consented_units(services: Services) -> None:
    clock = services.clock
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        clinic = await factories.unit(
            session, clock, "Beroendemottagning Rådmannen", Organisation.REGION
        )
        elsewhere = await factories.unit(session, clock, "Socialtjänst Väster")
        sara = await factories.staff(session, clock, 2001, {social: Role.STAFF})
        lars = await factories.staff(session, clock, 2002, {clinic: Role.STAFF}, name="Lars")
        olle = await factories.staff(session, clock, 2003, {elsewhere: Role.ADMIN}, name="Olle")
        person = await factories.individual(session, clock, 3001, [social, clinic], sara)
        now = clock.now()
        assert await access.can_open_case(session, sara, person, now)
        assert await access.can_open_case(session, lars, person, now)
        assert not await access.can_open_case(session, olle, person, now)
        later = now + timedelta(days=365)
        assert not await access.can_open_case(session, lars, person, later)  # consent ran out


def test_roles_rank_admin_over_distributor_over_staff() -> None:
    roles = {1: Role.DISTRIBUTOR, 2: Role.STAFF}
    assert access.has_role(roles, Role.STAFF, 1)
    assert access.has_role(roles, Role.DISTRIBUTOR, 1)
    assert not access.has_role(roles, Role.DISTRIBUTOR, 2)
    assert not access.has_role(roles, Role.ADMIN)
    assert not access.has_role(roles, Role.STAFF, 3)
