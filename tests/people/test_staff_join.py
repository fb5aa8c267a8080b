"""Staff join as a new user would: an admin makes units and a code on the command line, the
colleague opens the code in Telegram and gives name and phone; bad codes get clear answers."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import main as cli_main
from bot.models import AuditEntry, Role, Staff, StaffInvite, StaffMembership
from bot.people import staff
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from tests import factories
from tests.conftest import RunningBot

SARA = 2001
OLLE = 2002
EVE = 2666


async def cli(settings: Settings, clock: ManualClock, *argv: str) -> int:
    return await asyncio.to_thread(cli_main.run_admin, list(argv), settings, clock)


async def new_code(
    settings: Settings, clock: ManualClock, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[str, str]:
    capsys.readouterr()
    assert await cli(settings, clock, "staff", "invite", *argv) == 0
    out = capsys.readouterr().out
    code = re.search(r"/start (\w+)", out)
    link = re.search(r"link: (\S+)", out)
    assert code and link, out
    return code.group(1), link.group(1)


async def test_admin_makes_units_and_a_code_and_the_colleague_joins(
    running_bot: RunningBot, settings: Settings, clock: ManualClock, capsys
) -> None:
    for name, organisation, phone in (
        ("Socialtjänst Innerstaden", "municipality", "040-34 10 00"),
        ("Beroendemottagning Rådmannen", "region", "040-33 10 00"),
    ):
        argv = ["--name", name, "--organisation", organisation, "--phone", phone]
        assert await cli(settings, clock, "units", "add", *argv) == 0
    code, link = await new_code(
        settings,
        clock,
        capsys,
        "--unit",
        "Beroendemottagning Rådmannen",
        "--role",
        "distributor",
    )
    assert link == f"https://t.me/samordna_test_bot?start={code}"

    sara = running_bot.double.user(SARA, "Sara", language_code="en")
    reply = await sara.say(f"/start {code}")
    assert "You have joined Beroendemottagning Rådmannen. Your role: Distributor." in reply.text
    assert "What is your name?" in reply.text
    await sara.say("Sara Svensson")
    review = await sara.say("040-11 22 33")
    assert "Sara Svensson" in review.text and "040-11 22 33" in review.text
    done = await sara.click("Save")
    assert done is not None
    assert done.text.startswith("Thank you, Sara Svensson.")
    double = running_bot.double
    await double.wait_until(lambda: bool(double.commands_for(f"chat:{SARA}")), what="staff menu")
    staff_menu = [name for name, _ in double.commands_for(f"chat:{SARA}")[""]]
    assert {"gfi", "invite", "meetings", "results"} <= set(staff_menu)
    individual_menu = [name for name, _ in double.commands["en"]]
    assert "gfi" not in individual_menu
    assert {"meetings", "prepare", "consent", "mydata"} <= set(individual_menu)

    async with running_bot.services.db.transaction() as session:
        member = await session.scalar(select(Staff).where(Staff.telegram_id == SARA))
        assert member is not None
        assert (member.name, member.phone) == ("Sara Svensson", "040-11 22 33")
        roles = list(await session.scalars(select(StaffMembership.role)))
        assert roles == [Role.DISTRIBUTOR]

    welcome = await sara.say("/start")
    assert (
        welcome.text == "Hi! You work at Beroendemottagning Rådmannen. /help shows what you can do."
    )
    help_text = (await sara.say("/help")).text
    assert "/invite – invite a person" in help_text
    assert "• Beroendemottagning Rådmannen: 040-33 10 00" in help_text


async def test_a_used_or_expired_code_gets_a_clear_answer(
    running_bot: RunningBot, settings: Settings, clock: ManualClock, capsys
) -> None:
    argv = ["--name", "Socialtjänst Norr", "--organisation", "municipality", "--phone", "040-1"]
    assert await cli(settings, clock, "units", "add", *argv) == 2  # too short for a phone number
    argv[-1] = "040-34 20 00"
    assert await cli(settings, clock, "units", "add", *argv) == 0
    code, _ = await new_code(settings, clock, capsys, "--unit", "1", "--role", "staff")
    short, _ = await new_code(
        settings, clock, capsys, "--unit", "1", "--role", "staff", "--expires", "1d"
    )
    sara = running_bot.double.user(SARA, language_code="en")
    await sara.say(f"/start {code}")
    olle = running_bot.double.user(OLLE, language_code="en")
    reused = await olle.say(f"/start {code}")
    assert reused.text == "That code has already been used. Please ask your admin for a new one."
    clock.advance(timedelta(days=1, minutes=1))
    late = await olle.say(f"/start {staff.display(short)}")
    assert late.text == "That code has run out. Please ask your admin for a new one."
    async with running_bot.services.db.transaction() as session:
        assert await session.scalar(select(Staff).where(Staff.telegram_id == OLLE)) is None


async def test_the_sixth_wrong_code_within_an_hour_is_refused_without_being_checked(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    services = running_bot.services
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock)
        code, invite = await staff.create_invite(
            session, clock, unit, Role.STAFF, valid_for=timedelta(days=7), actor="test"
        )
    eve = running_bot.double.user(EVE, language_code="en")
    for attempt in range(5):
        reply = await eve.say(f"/start WRONG-CODE{attempt}")
        assert reply.text.startswith("That code does not work."), reply.text
        clock.advance(timedelta(minutes=5))
    refused = await eve.say(f"/start {code}")
    assert refused.text == (
        "Too many links or codes that did not work. Please wait until 11:20 and try again."
    )
    async with services.db.transaction() as session:
        stored = await session.get(StaffInvite, invite.id)
        assert stored is not None and stored.used_at is None
    clock.advance(timedelta(hours=1))
    joined = await eve.say(f"/start {code}")
    assert "What is your name?" in joined.text


async def test_admins_list_units_and_invite_colleagues_in_the_chat(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    services = running_bot.services
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        await factories.unit(session, clock, "Beroendemottagning Rådmannen", phone="040-33 10 00")
        await factories.staff(session, clock, SARA, {social: Role.ADMIN}, language="en")
        await factories.staff(session, clock, OLLE, {social: Role.STAFF}, "Olle", language="en")
    sara = running_bot.double.user(SARA, language_code="en")
    listing = await sara.say("/units")
    assert listing.text.splitlines() == [
        "Units:",
        "• Beroendemottagning Rådmannen · Municipality · 040-33 10 00 · Storgatan 1",
        "• Socialtjänst Innerstaden · Municipality · 040-34 10 00 · Storgatan 1",
    ]
    picker = await sara.say("/invitestaff")
    assert picker.button_texts == ["Socialtjänst Innerstaden"]
    await sara.click("Socialtjänst Innerstaden")
    made = await sara.click("Distributor")
    assert made is not None
    assert made.text.startswith("Code for Socialtjänst Innerstaden (Distributor): ")
    code = re.search(r"/start (\S+)", made.text)
    assert code is not None
    assert "https://t.me/samordna_test_bot?start=" in made.text

    lars = running_bot.double.user(2003, language_code="en")
    joined = await lars.say(f"/start {code.group(1)}")
    assert "You have joined Socialtjänst Innerstaden. Your role: Distributor." in joined.text

    olle = running_bot.double.user(OLLE, language_code="en")
    assert (await olle.say("/units")).text == "That is only for admins."
    assert (await olle.say("/invitestaff")).text == "That is only for admins."
    stranger = running_bot.double.user(4004, language_code="en")
    assert (await stranger.say("/invite")).text == "That is only for staff at a unit."
    async with services.db.transaction() as session:
        refusals = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        )
    olle_id = await _staff_id(running_bot, OLLE)
    assert [(r.actor, r.detail["what"]) for r in refusals] == [
        (f"staff:{olle_id}", "units"),
        (f"staff:{olle_id}", "invitestaff"),
        ("telegram-account", "invite"),
    ]


async def test_an_individual_account_cannot_become_staff(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    services = running_bot.services
    async with services.db.transaction() as session:
        unit = await factories.unit(session, clock)
        await factories.individual(session, clock, 3001, [unit], language="en")
        code, _ = await staff.create_invite(
            session, clock, unit, Role.STAFF, valid_for=timedelta(days=7), actor="test"
        )
    anna = running_bot.double.user(3001, language_code="en")
    reply = await anna.say(f"/start {code}")
    assert reply.text.startswith("This Telegram account is used for a case of your own")


async def _staff_id(bot: RunningBot, telegram_id: int) -> int:
    async with bot.services.db.transaction() as session:
        found = await session.scalar(select(Staff.id).where(Staff.telegram_id == telegram_id))
    assert found is not None
    return found
