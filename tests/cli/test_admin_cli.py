"""``samordna units``, ``samordna staff`` and ``samordna audit`` as an admin types them."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.chat.turn import Services
from bot.cli import main as cli
from bot.cli import main as cli_main
from bot.models import Role, Staff, StaffInvite
from bot.people import staff
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from bot.runner import open_services
from tests import factories
from tests.conftest import START

UNIT = ["--name", "Socialtjänst Innerstaden", "--organisation", "municipality"]


def run(settings: Settings, *argv: str) -> int:
    return cli_main.run_admin(list(argv), settings, ManualClock(START))


def in_db(settings: Settings, work: object) -> object:
    async def go() -> object:
        services = await asyncio.to_thread(open_services, settings, ManualClock(START))
        try:
            return await work(services)  # type: ignore[operator]
        finally:
            await services.db.dispose()

    return asyncio.run(go())


def test_units_add_list_and_edit(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, "units", "add", *UNIT, "--phone", "040-34 10 00") == 0
    argv = ["--name", "Beroendemottagning Rådmannen", "--organisation", "region"]
    assert (
        run(settings, "units", "add", *argv, "--phone", "040-33 10 00", "--address", "Box 1") == 0
    )
    capsys.readouterr()
    assert run(settings, "units", "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        "ID  NAME                          ORGANISATION  PHONE         ADDRESS",
        "2   Beroendemottagning Rådmannen  region        040-33 10 00  Box 1",
        "1   Socialtjänst Innerstaden      municipality  040-34 10 00",
    ]
    assert (
        run(settings, "units", "edit", "Socialtjänst Innerstaden", "--phone", "040-34 99 99") == 0
    )
    assert run(settings, "units", "list") == 0
    assert "040-34 99 99" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["units", "add", "--name", "Norr", "--organisation", "region", "--phone", "ring oss"],
            "does not look like a phone number",
        ),
        (["units", "edit", "Nowhere", "--phone", "040-1234567"], "no unit 'Nowhere'"),
        (["units", "edit", "1"], "nothing to change"),
        (["staff", "invite", "--unit", "1", "--role", "staff", "--expires", "soon"], "7d, 12h"),
        (["staff", "remove", "99"], "no active staff member 99"),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(
    settings: Settings, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(settings, "units", "add", *UNIT, "--phone", "040-34 10 00") == 0
    capsys.readouterr()
    assert run(settings, *argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("samordna: ") and message in error
    assert len(error.strip().splitlines()) == 1


def test_a_duplicate_unit_name_is_refused(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(settings, "units", "add", *UNIT, "--phone", "040-34 10 00") == 0
    assert run(settings, "units", "add", *UNIT, "--phone", "040-34 10 01") == 2
    assert "already exists" in capsys.readouterr().err


def test_staff_invite_prints_a_code_whose_hash_alone_is_stored(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    named = settings.model_copy(update={"bot_username": "@samordna_bot"})
    assert run(named, "units", "add", *UNIT, "--phone", "040-34 10 00") == 0
    capsys.readouterr()
    assert run(named, "staff", "invite", "--unit", "1", "--role", "admin", "--expires", "2w") == 0
    out = capsys.readouterr().out
    code = re.search(r"/start (\w+)", out)
    assert code is not None
    lines = out.splitlines()
    assert lines[0] == f"code for Socialtjänst Innerstaden (admin): {staff.display(code.group(1))}"
    assert lines[1] == "works once, until 2026-03-16 10:00 (Europe/Stockholm)"
    assert lines[2] == f"link: https://t.me/samordna_bot?start={code.group(1)}"

    async def stored(services: Services) -> list[str]:
        async with services.db.transaction() as session:
            return list(await session.scalars(select(StaffInvite.code_hash)))

    hashes = in_db(settings, stored)
    assert hashes == [staff.code_hash(code.group(1))]
    assert code.group(1) not in str(hashes)

    assert run(settings, "staff", "invite", "--unit", "1", "--role", "staff") == 0
    assert "link: unknown until SAMORDNA_BOT_USERNAME" in capsys.readouterr().out


def test_staff_list_and_remove(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    clock = ManualClock(START)

    async def seed(services: Services) -> int:
        async with services.db.transaction() as session:
            social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
            clinic = await factories.unit(session, clock, "Beroendemottagning Rådmannen")
            sara = await factories.staff(
                session, clock, 2001, {social: Role.ADMIN, clinic: Role.STAFF}
            )
            return sara.id

    sara_id = in_db(settings, seed)
    capsys.readouterr()
    assert run(settings, "staff", "list") == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"{sara_id}   Sara Socialsekreterare  040-11 22 33  "
        "Beroendemottagning Rådmannen (staff), Socialtjänst Innerstaden (admin)"
    )
    assert run(settings, "staff", "remove", str(sara_id), "--unit", "Socialtjänst Innerstaden") == 0
    assert capsys.readouterr().out.strip() == (
        f"removed staff member {sara_id} from Socialtjänst Innerstaden"
    )
    assert run(settings, "staff", "list", "--unit", "Socialtjänst Innerstaden") == 0
    assert capsys.readouterr().out.startswith("no staff yet")
    assert run(settings, "staff", "remove", str(sara_id)) == 0

    async def gone(services: Services) -> Staff | None:
        async with services.db.transaction() as session:
            return await session.get(Staff, sara_id)

    member = in_db(settings, gone)
    assert isinstance(member, Staff)
    assert member.removed_at is not None and member.telegram_id is None


def test_audit_shows_one_case_without_telegram_ids(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ManualClock(START)

    async def seed(services: Services) -> str:
        from bot.people import consent

        async with services.db.transaction() as session:
            unit = await factories.unit(session, clock)
            person = await factories.individual(session, clock, 3_141_592, [unit])
            clock.advance(timedelta(hours=1))
            await consent.withdraw(
                session, clock, person, retention=timedelta(days=30), actor=person.case_ref
            )
            return person.case_ref

    ref = in_db(settings, seed)
    assert isinstance(ref, str)
    capsys.readouterr()
    assert run(settings, "audit", "--case", ref.lower()) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["TIME", "WHAT", "WHO", "DETAIL"]
    assert out[1].startswith(f"2026-03-02 11:00  consent_withdrawn  {ref}")
    assert "3141592" not in "\n".join(out)
    assert run(settings, "audit", "--case", "K-NONE") == 0
    assert capsys.readouterr().out.strip() == "no audit entries for K-NONE"


def test_the_commands_are_part_of_samordna(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["staff", "--help"])
    assert "invite" in capsys.readouterr().out
