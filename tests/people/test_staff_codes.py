"""Join codes: only hashes are kept, a code works once, and guessing is stopped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.chat.turn import Services
from bot.models import Role, StaffInvite, StaffMembership
from bot.people import staff
from bot.platform.clock import ManualClock
from tests import factories


def test_codes_are_typed_forgivingly() -> None:
    assert staff.normalise(" abcde-fghjk ") == "ABCDEFGHJK"
    assert staff.code_hash("abcde fghjk") == staff.code_hash("ABCDEFGHJK")
    assert staff.looks_like_code("ABCDE-FGHJK")
    assert not staff.looks_like_code("i_abcdefghijk")
    assert not staff.looks_like_code("hej")
    assert staff.parse_duration("12h") == timedelta(hours=12)
    assert staff.parse_duration("2w") == timedelta(days=14)


async def test_five_wrong_codes_within_an_hour_lock_the_account_for_an_hour(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        for _ in range(4):
            await staff.record_wrong(session, clock, 4004)
            clock.advance(timedelta(minutes=14))
        assert await staff.locked_until(session, clock, 4004) is None
        await staff.record_wrong(session, clock, 4004)  # the fifth, 56 minutes after the first
        locked = clock.now() + timedelta(hours=1)
        assert await staff.locked_until(session, clock, 4004) == locked
        assert await staff.locked_until(session, clock, 5005) is None
        clock.advance(timedelta(hours=1))
        assert await staff.locked_until(session, clock, 4004) is None


async def test_wrong_codes_spread_over_more_than_an_hour_do_not_lock(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        for _ in range(8):
            await staff.record_wrong(session, clock, 4004)
            clock.advance(timedelta(minutes=16))
        assert await staff.locked_until(session, clock, 4004) is None


async def test_a_second_code_adds_a_unit_and_only_the_hash_is_stored(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        clinic = await factories.unit(session, clock, "Beroendemottagning Rådmannen")
        first, _ = await staff.create_invite(
            session, clock, social, Role.STAFF, valid_for=timedelta(days=1), actor="test"
        )
        second, _ = await staff.create_invite(
            session, clock, clinic, Role.DISTRIBUTOR, valid_for=timedelta(days=1), actor="test"
        )
        assert (await staff.join(session, clock, 2001, first)).new_member
        joined = await staff.join(session, clock, 2001, second)
        assert joined.status is staff.JoinStatus.JOINED and not joined.new_member
        roles = {m.unit_id: m.role for m in await session.scalars(select(StaffMembership))}
        assert roles == {social.id: Role.STAFF, clinic.id: Role.DISTRIBUTOR}
        hashes = list(await session.scalars(select(StaffInvite.code_hash)))
        assert first not in hashes and second not in hashes
