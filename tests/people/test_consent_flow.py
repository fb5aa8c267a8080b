"""A staff member invites an individual; the individual opens the link and is asked for consent
in plain words, with buttons only, part by part."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.models import AuditEntry, Consent, Individual, IndividualInvite, Organisation, Role
from bot.platform import events
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from tests import factories
from tests.conftest import RunningBot

SARA = 2001
ANNA = 3_141_592
BOB = 2_718_281

given: list[dict[str, object]] = []


async def _remember_given(event: events.Event) -> None:
    given.append(dict(event.data))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Outbox rows wait for the test to send them, so nothing goes out behind its back."""
    return settings.model_copy(update={"dispatch_interval": 60.0})


async def invite_link(bot: RunningBot, clock: ManualClock) -> tuple[str, str]:
    """Sara, staff at the social services, invites someone for two units; (token, case ref)."""
    async with bot.services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        clinic = await factories.unit(
            session, clock, "Beroendemottagning Rådmannen", Organisation.REGION, "040-33 10 00"
        )
        await factories.staff(session, clock, SARA, {social: Role.STAFF}, language="en")
        del clinic
    sara = bot.double.user(SARA, language_code="en")
    picker = await sara.say("/invite")
    assert picker.button_texts == [
        "Beroendemottagning Rådmannen",
        "✓ Socialtjänst Innerstaden",
        "Create link",
    ]
    await sara.click("Beroendemottagning Rådmannen")
    await sara.click("Create link")
    text, picture = sara.messages[-2], sara.messages[-1]
    assert picture.kind == "photo"
    assert picture.photo is not None and picture.photo.startswith(b"\x89PNG")
    link = re.search(r"https://t\.me/samordna_test_bot\?start=(i_[\w-]+)", text.text)
    case_ref = re.search(r"K-[A-Z0-9]{4}", text.text)
    assert link and case_ref, text.text
    assert "(Beroendemottagning Rådmannen and Socialtjänst Innerstaden)" in text.text
    return link.group(1), case_ref.group(0)


async def test_individual_says_yes_to_reminders_and_survey_but_not_sharing(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    given.clear()
    running_bot.services.wiring.add(events.KIND, events.CONSENT_GIVEN, _remember_given)
    token, case_ref = await invite_link(running_bot, clock)
    anna = running_bot.double.user(ANNA, "Anna", language_code="en")
    ask = await anna.say(f"/start {token}")
    assert ask.text.startswith(
        "Beroendemottagning Rådmannen and Socialtjänst Innerstaden want to work together with you."
    )
    assert "First I need your consent. Consent (samtycke) is your yes to what the units" in ask.text
    assert "For how long: you choose 3, 6 or 12 months." in ask.text
    assert "at any time with /consent" in ask.text
    assert ask.text.endswith(
        "Questions? Call Beroendemottagning Rådmannen 040-33 10 00 or "
        "Socialtjänst Innerstaden 040-34 10 00."
    )
    assert ask.button_texts == ["Yes", "No thanks", "Tell me more"]

    more = await anna.click("Tell me more")
    assert more is not None and "after 30 days" in more.text and "112" in more.text
    assert more.button_texts == ["Yes", "No thanks", "◀ Back"]
    part = await anna.click("Yes")
    assert part is not None and part.text.startswith("Part 1 of 3: Reminders in the chat")
    part = await anna.click("Yes")
    assert part is not None and part.text.startswith("Part 2 of 3")
    assert "Beroendemottagning Rådmannen and Socialtjänst Innerstaden" in part.text
    part = await anna.click("No thanks")
    assert part is not None and part.text.startswith("Part 3 of 3")
    period = await anna.click("Yes")
    assert period is not None
    assert period.button_texts == ["3 months", "6 months (suggested)", "12 months", "◀ Back"]
    summary = await anna.click("6 months (suggested)")
    assert summary is not None
    assert summary.text.splitlines()[:9] == [
        "This is what you say yes to:",
        "✓ Reminders in the chat: yes",
        "✗ Sharing your answers before meetings with Beroendemottagning Rådmannen and "
        "Socialtjänst Innerstaden: no",
        "✓ Getting the question after meetings: yes",
        "",
        "Who: Beroendemottagning Rådmannen and Socialtjänst Innerstaden",
        "Until: 2 September 2026",
        "",
        "You can take back your consent at any time with /consent.",
    ]
    shown = summary.text
    done = await anna.click("Yes, I agree")
    assert done is not None and done.text.startswith("Thank you! Your consent is saved.")
    assert f"Your case number is {case_ref}." in done.text

    async with running_bot.services.db.transaction() as session:
        individual = await session.scalar(select(Individual).where(Individual.telegram_id == ANNA))
        assert individual is not None and individual.case_ref == case_ref
        assert individual.erase_after is None
        consent = await session.scalar(select(Consent).options(selectinload(Consent.units)))
        assert consent is not None
        assert (consent.reminders, consent.sharing, consent.survey) == (True, False, True)
        assert consent.period_months == 6
        assert consent.text_version == 1
        assert consent.text_locale == "en"
        assert consent.text_hash == hashlib.sha256(shown.encode()).hexdigest()
        assert sorted(u.name for u in consent.units) == [
            "Beroendemottagning Rådmannen",
            "Socialtjänst Innerstaden",
        ]
        assert consent.given_at == clock.now()
        assert consent.valid_until == datetime(2026, 9, 2, 22, 0, tzinfo=UTC)  # 3 Sep, 00:00
        invite = await session.scalar(select(IndividualInvite))
        assert invite is not None and invite.used_at == clock.now()
        actions = list(await session.scalars(select(AuditEntry.action)))
        assert "consent_given" in actions
    assert given == [{"individual_id": individual.id, "consent_id": consent.id}]

    sara = running_bot.double.user(SARA)
    mark = sara.mark()
    assert await factories.deliver_due(running_bot.services, running_bot.double) == 1
    note = sara.inbox_since(mark)[-1]
    assert note.text == (
        f"Case {case_ref} has given consent, until 2 September 2026. "
        f"/case {case_ref} shows what it covers."
    )

    again = await anna.say(f"/start {token}")
    assert again.text == "You have already joined. /consent shows your consent."
    bob = running_bot.double.user(BOB, language_code="en")
    used = await bob.say(f"/start {token}")
    assert used.text == "That link has already been used. Please ask the unit for a new one."
    welcome = await anna.say("/start")
    assert welcome.text.startswith("Hi again! /consent shows your consent")
    help_text = (await anna.say("/help")).text
    assert "/consent – see or take back your consent" in help_text
    assert "• Socialtjänst Innerstaden: 040-34 10 00" in help_text
    assert "Självmordslinjen on 90101" in help_text


async def test_no_thanks_stores_nothing_and_tells_the_staff_member(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    token, case_ref = await invite_link(running_bot, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say(f"/start {token}")
    answer = await anna.click("No thanks")
    assert answer is not None
    assert answer.text.startswith("That is okay. I have not stored anything about you.")
    assert "It works until 16 March 2026." in answer.text
    assert await factories.rows_mentioning(running_bot.services, [ANNA]) == []
    sara = running_bot.double.user(SARA)
    mark = sara.mark()
    await factories.deliver_due(running_bot.services, running_bot.double)
    assert sara.inbox_since(mark)[-1].text.startswith(
        f"The person you invited as case {case_ref} said no thanks for now."
    )
    # The link still works, for a change of mind.
    ask = await anna.say(f"/start {token}")
    assert ask.button_texts == ["Yes", "No thanks", "Tell me more"]


async def test_saying_no_to_every_part_is_the_same_as_no_thanks(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    token, _ = await invite_link(running_bot, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say(f"/start {token}")
    await anna.click("Yes")
    for _ in range(3):
        await anna.click("No thanks")
    nothing = await anna.click("12 months")
    assert nothing is not None and nothing.text.startswith("You said no to every part.")
    assert nothing.button_texts == ["Change my answers", "No thanks"]
    back = await anna.click("Change my answers")
    assert back is not None and back.text.startswith("Part 1 of 3")
    assert back.button_texts == ["Yes", "✓ No thanks", "◀ Back"]


async def test_links_that_do_not_work_get_a_clear_answer(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    token, _ = await invite_link(running_bot, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    wrong = await anna.say("/start i_thisisnotalinkatall")
    assert wrong.text.startswith("That link does not work.")
    clock.advance(timedelta(days=15))
    late = await anna.say(f"/start {token}")
    assert late.text == "That link has run out. Please ask the unit for a new one."
    sara = running_bot.double.user(SARA)
    assert (await sara.say(f"/start {token}")).text.startswith("That link has run out.")


async def test_a_pressed_button_after_the_link_ran_out_is_answered_not_obeyed(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    token, _ = await invite_link(running_bot, clock)
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say(f"/start {token}")
    clock.advance(timedelta(days=15))
    answer = await anna.click("Yes")
    assert answer is not None
    assert answer.text == "That link has run out. Please ask the unit for a new one."
    async with running_bot.services.db.transaction() as session:
        assert await session.scalar(select(Consent)) is None


async def agree_to_everything(anna: object, token: str) -> None:
    from bot.bot_api_double import UserHandle

    assert isinstance(anna, UserHandle)
    await anna.say(f"/start {token}")
    for choice in ("Yes", "Yes", "Yes", "Yes", "6 months (suggested)", "Yes, I agree"):
        assert await anna.click(choice) is not None


async def test_a_second_link_adds_units_to_the_same_case(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    from bot.chat import access
    from bot.people import individuals

    services = running_bot.services
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        clinic = await factories.unit(session, clock, "Beroendemottagning Rådmannen")
        sara = await factories.staff(session, clock, SARA, {social: Role.STAFF}, language="en")
        lars = await factories.staff(session, clock, 2002, {clinic: Role.STAFF}, "Lars")
        first, _, case = await individuals.create_invite(
            session, clock, sara, [social], valid_for=timedelta(days=14)
        )
        second, _, dropped = await individuals.create_invite(
            session, clock, lars, [clinic], valid_for=timedelta(days=14)
        )
    anna = running_bot.double.user(ANNA, language_code="en")
    await agree_to_everything(anna, first)
    await agree_to_everything(anna, second)
    assert f"Your case number is {case.case_ref}." in (anna.last.text if anna.last else "")
    async with services.db.transaction() as session:
        cases = list(await session.scalars(select(Individual)))
        assert [c.case_ref for c in cases] == [case.case_ref]
        assert dropped.case_ref != case.case_ref
        units = await access.case_unit_ids(session, cases[0].id, clock.now())
        assert units == {social.id, clinic.id}
        member = await session.get(type(lars), lars.id)
        assert member is not None
        assert await access.can_open_case(session, member, cases[0], clock.now())
