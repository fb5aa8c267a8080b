"""Preparing early and in the meeting's own shape: the person is offered the förmöte as soon as
a meeting with them is requested; what they want is on the request card before any time is
proposed; staff add whom they asked for in one tap. A GFI is explained as a GFI and never
shows the mötescirkel; a SIP meeting shows every point of it; a follow-up asks what worked."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.models import AuditEntry, Consent, Organisation, OutboxMessage
from bot.models.meetings import Meeting, MeetingStatus, MeetingType, MeetingUnit, UnitRequestStatus
from bot.platform.config import Settings
from tests import factories
from tests.conftest import RunningBot
from tests.meetings.support import DINA, FOLKE, SARA, newest_meeting, press, seed, text_seen
from tests.preparation.test_preparation import Person, make_case

CLINIC = "Beroendemottagningen Rådmannen"
SOCIAL = "Socialtjänst Innerstaden"
HEALTH_CENTRE = "Vårdcentral Centrum"
CRISIS = "Emergency: 112 · Självmordslinjen 90101 · /help"
CIRCLE = (
    "1. Everyone says who they are and why you meet.",
    "2. What works well for you right now.",
    "3. You tell how things are and what you need help with. You speak first.",
    "4. Each unit tells what it sees and what it can offer.",
    "5. Together you agree on goals.",
    "6. You agree who does what, and when.",
    "7. You agree who is the main responsible person, the one who keeps it all together.",
    "8. You agree what happens if something stops working.",
    "9. You agree when to follow up the plan.",
    "10. You get a copy of the plan.",
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"dispatch_interval": 0.1})


async def _request_gfi(bot: RunningBot, case_ref: str) -> None:
    """Sara asks for a GFI with the social services, the paper form as a chat."""
    sara = bot.double.user(SARA, language_code="en")
    picker = await sara.say("/gfi")
    await press(sara, picker, case_ref)
    form = await text_seen(bot, sara, "What is it about?")
    await press(sara, form, "Alcohol")
    await press(sara, form, "Done ✔")
    note = await text_seen(bot, sara, "A short note for the units")
    await press(sara, note, "Skip")
    units = await text_seen(bot, sara, "Which units should take part?")
    await press(sara, units, SOCIAL)
    await press(sara, units, "Done ✔")
    windows = await text_seen(bot, sara, "Which times would suit?")
    await press(sara, windows, "Any time")
    await press(sara, windows, "Done ✔")
    review = await text_seen(bot, sara, "Here is your request.")
    await press(sara, review, "Send request")
    await text_seen(bot, sara, "Sent. The GFI request")


async def test_wishes_reach_the_request_card_before_any_time_and_are_added_in_one_tap(
    running_bot: RunningBot,
) -> None:
    bot, services = running_bot, running_bot.services
    people = await seed(services)
    async with services.db.transaction() as session:
        centre = await factories.unit(
            session, services.clock, HEALTH_CENTRE, Organisation.REGION, "040-10 20 30"
        )
        consent = await session.scalar(
            select(Consent)
            .options(selectinload(Consent.units))
            .where(Consent.individual_id == people.individual_id)
        )
        assert consent is not None
        consent.units.append(centre)
        centre_id = centre.id
    await _request_gfi(bot, people.case_ref)

    folke = bot.double.user(FOLKE, language_code="en")
    offer = await text_seen(bot, folke, "wants to plan a GFI meeting with you")
    assert offer.text.startswith(f"Sara Sjuksköterska at {CLINIC} wants to plan a GFI meeting")
    assert "Before any times are set, you can tell them who you want there" in offer.text
    assert offer.text.endswith(f"📞 {CLINIC} 040-33 00 00 · {CRISIS}")
    assert offer.button_texts == ["Get ready now", "Later"]

    first = await press(folke, offer, "Get ready now")
    assert first is not None
    assert first.text.startswith(
        "Getting ready for your GFI meeting. No time is set yet, so what you say can still "
        "shape who is invited."
    )
    assert "Nothing has to be decided at a GFI." in first.text
    assert not any(point in first.text for point in CIRCLE)
    assert first.text.endswith(f"📞 {CLINIC} 040-33 00 00 · {CRISIS}")
    tell = await folke.click("Continue ▶")
    assert tell is not None and "What do you want to tell the units about?" in tell.text
    assert tell.text.endswith(f"📞 {CLINIC} 040-33 00 00 · {CRISIS}")
    for label in ("Housing", "Done ✔", "What each unit can offer me", "Done ✔"):
        await folke.click(label)
    who = folke.last
    assert who is not None and "Who do you want at the meeting?" in who.text
    assert who.button_texts[:3] == [CLINIC, SOCIAL, HEALTH_CENTRE]
    for label in (
        HEALTH_CENTRE,
        "A support person",
        "Done ✔",
        "An interpreter",
        "Morning is best",
        "Done ✔",
        "Arabic",
        "Here in the chat",
    ):
        await folke.click(label)
    review = await folke.click("Skip")
    assert review is not None and "Here are your answers." in review.text
    done = await folke.click("Send to Sara Sjuksköterska")
    assert done is not None and done.text.startswith(
        "Thank you. I have sent your answers to Sara Sjuksköterska."
    )

    meeting = await newest_meeting(services)
    assert meeting.status == MeetingStatus.REQUESTED
    sara = bot.double.user(SARA, language_code="en")
    dina = bot.double.user(DINA, language_code="en")
    told = f"{people.case_ref} has said what they want for the GFI meeting being planned"
    notice = await text_seen(bot, sara, told)
    dina_notice = await text_seen(bot, dina, told)
    card = await press(sara, notice, "Open request")
    assert card is not None
    wishes = [
        f"What {people.case_ref} wants (förmöte, shared 2 March 2026 10:00):",
        "• Wants to tell about: Housing",
        "• Wants to know: What each unit can offer me",
        f"• Wants at the meeting: {HEALTH_CENTRE}, A support person",
        "• Needs to take part: An interpreter, Morning is best",
        "• Interpreter language: Arabic",
        "• Contact about the meeting: Here in the chat",
    ]
    assert "\n".join(wishes) in card.text
    assert card.button_texts[:2] == [f"➕ Add {HEALTH_CENTRE}", "➕ Welcome: a support person"]

    added = await press(sara, card, f"➕ Add {HEALTH_CENTRE}")
    assert added is not None and added.text.startswith(
        f"{HEALTH_CENTRE} is added to the request. Its distributors have it in their queue."
    )
    assert f"➕ Add {HEALTH_CENTRE}" not in added.button_texts
    welcomed = await press(sara, added, "➕ Welcome: a support person")
    assert welcomed is not None
    assert "Also welcome at the meeting: a support person" in welcomed.text
    async with services.db.transaction() as session:
        stored = await session.get(Meeting, meeting.id)
        assert stored is not None and stored.guests == ["support_person"]
        target = await session.scalar(
            select(MeetingUnit).where(
                MeetingUnit.meeting_id == meeting.id, MeetingUnit.unit_id == centre_id
            )
        )
        assert target is not None and target.status == UnitRequestStatus.WAITING
        opened = list(
            await session.scalars(
                select(AuditEntry.actor).where(AuditEntry.action == "preparation_opened")
            )
        )
        assert opened, "reading the wishes on the card is audited"
        offers = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "preparation_offer")
            )
        )
    assert len(offers) == 1

    dina_card = await press(dina, dina_notice, "Open request")  # a digest may come after
    assert dina_card is not None and "• Interpreter language: Arabic" in dina_card.text
    assert not any(label.startswith("➕") for label in dina_card.button_texts)


async def test_later_starts_nothing_and_says_how_to_come_back(running_bot: RunningBot) -> None:
    bot = running_bot
    people = await seed(bot.services)
    await _request_gfi(bot, people.case_ref)
    folke = bot.double.user(FOLKE, language_code="en")
    offer = await text_seen(bot, folke, "wants to plan a GFI meeting with you")
    later = await press(folke, offer, "Later")
    assert later is not None
    assert later.text == "Okay. Send /prepare whenever you want to get ready for it."
    again = await folke.say("/prepare")
    assert again.text.startswith("Getting ready for your GFI meeting. No time is set yet")


async def test_each_meeting_type_is_prepared_in_its_own_shape(running_bot: RunningBot) -> None:
    services = running_bot.services
    case = await make_case(services, meeting_type=MeetingType.SIP)
    person = Person(services)
    sip = await person.prepare()
    text = sip.screens[-1].text
    assert all(point in text for point in CIRCLE), text
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, case.meeting_id)
        assert meeting is not None
        meeting.type = MeetingType.GFI
    await person.click("✖ Cancel", "Yes, stop")
    gfi = await person.prepare()
    assert "Nothing has to be decided at a GFI." in gfi.screens[-1].text
    assert not any(point in gfi.screens[-1].text for point in CIRCLE)
    await person.click("Continue ▶")
    assert "What do you want to tell the units about?" in person.text
    await person.click("✖ Cancel", "Yes, stop")
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, case.meeting_id)
        assert meeting is not None
        meeting.type = MeetingType.SIP_FOLLOWUP
    follow_up = await person.prepare()
    assert "what has worked since it was made" in follow_up.screens[-1].text
    await person.click("Continue ▶")
    assert "What has worked well since the plan was made?" in person.text
    await person.click("Housing", "Done ✔")
    assert "What has not worked, or should change?" in person.text
