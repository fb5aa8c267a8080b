"""Förmöte over the Bot API test double: the individual prepares with buttons in English, the
Swedish-speaking coordinator reads it in Swedish, and nothing goes out without a sharing
consent or to staff outside the meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bot_api_double import SentMessage, UserHandle
from bot.chat.turn import Services
from bot.models import AuditEntry, Organisation, OutboxMessage, Role
from bot.models.meetings import MeetingType, Preparation
from bot.outbox import queue as outbox
from bot.platform import events
from bot.platform.config import Settings
from bot.preparation.service import SUMMARY_ACTION
from tests import factories
from tests.conftest import RunningBot

ANNA = 1001
SARA = 2001
LARS = 2002
OLLE = 2003
SOCIAL = "Socialtjänst Innerstaden, vuxen/missbruk"
CLINIC = "Beroendemottagning Rådmannen"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Outbox rows go out within a fraction of a second, so tests wait briefly."""
    return settings.model_copy(update={"dispatch_interval": 0.1})


@dataclass
class World:
    meeting_id: int
    case_ref: str
    sara_id: int
    olle_id: int


async def make_world(
    services: Services,
    *,
    sharing: bool = True,
    meetings: int = 1,
    meeting_type: MeetingType = MeetingType.SIP,
) -> World:
    clock = services.clock
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, SOCIAL)
        clinic = await factories.unit(
            session, clock, CLINIC, Organisation.REGION, phone="040-33 70 00"
        )
        elsewhere = await factories.unit(session, clock, "Socialtjänst Väster")
        sara = await factories.staff(session, clock, SARA, {social: Role.STAFF})
        lars = await factories.staff(session, clock, LARS, {clinic: Role.STAFF}, name="Lars")
        olle = await factories.staff(session, clock, OLLE, {elsewhere: Role.ADMIN}, name="Olle")
        anna = await factories.individual(
            session, clock, ANNA, [social, clinic], sara, sharing=sharing, language="en"
        )
        first = None
        for n in range(meetings):
            meeting = await factories.meeting(
                session,
                clock,
                individual=anna,
                requester=sara,
                units={social: sara, clinic: lars},
                starts_at=clock.now() + timedelta(days=7 + n),
                type=meeting_type if n == 0 else MeetingType.GFI,
            )
            first = first or meeting
        assert first is not None
        return World(first.id, anna.case_ref, sara.id, olle.id)


async def walk_to_review(anna: UserHandle) -> SentMessage:
    """The whole preparation with buttons only, up to the review."""
    first = await anna.say("/prepare")
    assert "Getting ready for your SIP meeting on Monday 9 March 10:00." in first.text
    assert f"Questions? Call {SOCIAL} 040-34 10 00." in first.text
    for label in (
        "Continue ▶",
        "Housing",
        "Mental health",
        "Done ✔",
        "A clear plan: who does what, and when",
        CLINIC,
        "A support person",
        "Done ✔",
        "An interpreter",
        "Afternoon is best",
        "Done ✔",
        "Arabic",
        "A phone call",
    ):
        await anna.click(label)
    review = await anna.click("Skip")
    assert review is not None and "Here are your answers." in review.text
    return review


async def test_individual_prepares_in_english_and_coordinator_reads_swedish(
    running_bot: RunningBot,
) -> None:
    world = await make_world(running_bot.services)
    double = running_bot.double
    anna = double.user(ANNA, language_code="en")
    sara = double.user(SARA, language_code="sv")
    review = await walk_to_review(anna)
    assert "• Important to talk about: Housing, Mental health" in review.text
    assert f"• Who I want there: {CLINIC}, A support person" in review.text
    assert "Send to Sara Socialsekreterare" in review.button_texts

    done = await anna.click("Send to Sara Socialsekreterare")
    assert done is not None
    assert done.text.startswith("Thank you. I have sent your answers to Sara Socialsekreterare.")

    notice = (await sara.wait_for_messages(1, since=0))[-1]
    assert notice.text.startswith(f"{world.case_ref} har förberett sig inför sitt SIP-möte")
    assert "måndag 9 mars 10:00" in notice.text
    assert notice.button_texts == ["Visa sammanfattningen"]
    summary = await sara.click("Visa sammanfattningen")
    assert summary is not None
    assert summary.text.splitlines()[:2] == [
        "Förberedelse inför SIP-möte måndag 9 mars 10:00",
        f"Ärende {world.case_ref} · skickad 2 mars 2026 10:00",
    ]
    for line in (
        "• Viktigt att prata om: Boende, Psykisk hälsa",
        "• Vill få ut av mötet: En tydlig plan: vem gör vad, och när",
        f"• Vill ha med på mötet: {CLINIC}, En stödperson",
        "• Behöver för att kunna delta: Tolk, Eftermiddag passar bäst",
        "• Språk för tolk: Arabiska",
        "• Kontakt om mötet: Ett telefonsamtal",
    ):
        assert line in summary.text


async def test_without_sharing_consent_nothing_reaches_the_coordinator(
    running_bot: RunningBot,
) -> None:
    world = await make_world(running_bot.services, sharing=False)
    double = running_bot.double
    anna = double.user(ANNA, language_code="en")
    sara = double.user(SARA, language_code="sv")
    first = await anna.say("/prepare")
    assert "your answers stay here with you" in first.text
    review = await walk_to_review_again(anna)
    assert "Save my answers" in review.button_texts
    assert not any(t.startswith("Send to") for t in review.button_texts)

    done = await anna.click("Save my answers")
    assert done is not None
    assert "I have not sent them to anyone" in done.text

    async with running_bot.services.db.transaction() as session:
        saved = await session.scalar(select(Preparation))
        assert saved is not None and saved.meeting_id == world.meeting_id
        assert saved.answers["topics"] == ["housing"]
        assert saved.shared_answers is None and saved.shared_at is None
        to_sara = await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == SARA))
        assert list(to_sara) == []
    listing = await sara.say("/summary")
    assert listing.text == "Inget av dina kommande möten har någon delad förberedelse än."
    assert [m.text for m in sara.messages] == [listing.text]


async def walk_to_review_again(anna: UserHandle) -> SentMessage:
    """A short walk from an already shown first screen."""
    for label in ("Continue ▶", "Housing", "Done ✔", "I'm not sure yet", CLINIC, "Done ✔"):
        await anna.click(label)
    for label in ("Nothing special", "Done ✔", "Here in the chat"):
        await anna.click(label)
    review = await anna.click("Skip")
    assert review is not None
    return review


async def test_a_staff_member_outside_the_meeting_cannot_open_it(running_bot: RunningBot) -> None:
    world = await make_world(running_bot.services)
    services = running_bot.services
    double = running_bot.double
    anna = double.user(ANNA, language_code="en")
    await walk_to_review(anna)
    await anna.click("Send to Sara Socialsekreterare")

    # Olle holds a summary button for the meeting (as a reminder would carry), but he is not
    # taking part in it.
    async with services.db.transaction() as session:
        await outbox.enqueue(
            session,
            services.clock,
            chat_id=OLLE,
            kind="test",
            message="Show the summary",
            dedupe_key="olle-summary",
            buttons=[
                [
                    {
                        "label": "Show the summary",
                        "action": SUMMARY_ACTION,
                        "payload": {"meeting_id": world.meeting_id},
                    }
                ]
            ],
        )
    olle = double.user(OLLE, language_code="sv")
    await olle.wait_for_messages(1, since=0)
    refused = await olle.click("Visa sammanfattningen")
    assert refused is not None
    assert refused.text == "Bara personal som deltar i mötet kan öppna förberedelsen."
    assert "Boende" not in olle.transcript()
    assert (await olle.say("/summary")).text.startswith("Inget av dina kommande möten")

    lars = double.user(LARS, language_code="sv")
    listing = await lars.say("/summary")
    assert listing.text == "Delade förberedelser inför dina kommande möten:"
    opened = await lars.click(listing.button_texts[0])
    assert opened is not None and "• Viktigt att prata om: Boende, Psykisk hälsa" in opened.text

    async with services.db.transaction() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    refusals = [e for e in entries if e.action == "preparation_refused"]
    assert [(e.actor, e.case_ref) for e in refusals] == [(f"staff:{world.olle_id}", world.case_ref)]
    assert any(e.action == "preparation_opened" for e in entries)
    for entry in entries:
        flat = f"{entry.actor} {entry.detail}"
        assert not any(str(n) in flat for n in (ANNA, SARA, LARS, OLLE))


async def test_a_later_change_sends_an_update_that_shows_what_changed(
    running_bot: RunningBot,
) -> None:
    await make_world(running_bot.services)
    double = running_bot.double
    anna = double.user(ANNA, language_code="en")
    sara = double.user(SARA, language_code="sv")
    await walk_to_review(anna)
    await anna.click("Send to Sara Socialsekreterare")
    await sara.wait_for_messages(1, since=0)

    again = await anna.say("/prepare")
    assert again.text.startswith("Here are the answers you gave before.")
    await anna.click("Change: Important to talk about")
    await anna.click("Money")
    back = await anna.click("Done ✔")
    assert back is not None and "• Important to talk about: Housing, Money, Mental health" in (
        back.text
    )
    done = await anna.click("Send to Sara Socialsekreterare")
    assert done is not None and done.text.startswith("Thank you. I have sent your answers")

    update = (await sara.wait_for_messages(1, since=1))[-1]
    assert "har ändrat sin förberedelse" in update.text
    shown = await sara.click("Visa vad som ändrats")
    assert shown is not None
    assert "Ändrat sedan förra versionen: markerat med ✎" in shown.text
    assert (
        "✎ Viktigt att prata om: Boende, Pengar, Psykisk hälsa "
        "(tidigare: Boende, Psykisk hälsa)" in shown.text
    )
    assert "• Språk för tolk: Arabiska" in shown.text

    unchanged = await anna.say("/prepare")
    assert unchanged.text.startswith("Here are the answers you gave before.")
    same = await anna.click("Send to Sara Socialsekreterare")
    assert same is not None and "Nothing has changed" in same.text


async def test_prepare_without_a_meeting_says_so_with_the_units_phone(
    running_bot: RunningBot,
) -> None:
    services = running_bot.services
    async with services.db.transaction() as session:
        social = await factories.unit(session, services.clock, SOCIAL)
        await factories.individual(session, services.clock, ANNA, [social], language="en")
    anna = running_bot.double.user(ANNA, language_code="en")
    reply = await anna.say("/prepare")
    assert reply.text.startswith("You have no meeting coming up to get ready for right now.")
    assert f"Questions? Call {SOCIAL} 040-34 10 00." in reply.text
    stranger = running_bot.double.user(4242, language_code="en")
    await stranger.say("/start")
    await stranger.click("English")
    assert (await stranger.say("/prepare")).text.startswith("I can help you get ready")


async def test_with_several_meetings_the_individual_picks_one(running_bot: RunningBot) -> None:
    await make_world(running_bot.services, meetings=2)
    anna = running_bot.double.user(ANNA, language_code="en")
    choice = await anna.say("/prepare")
    assert choice.text.startswith("Which meeting do you want to get ready for?")
    assert choice.button_texts == [
        "SIP meeting · Monday 9 March 10:00",
        "GFI meeting · Tuesday 10 March 10:00",
    ]
    await anna.click("GFI meeting · Tuesday 10 March 10:00")
    started = anna.last
    assert started is not None
    assert started.text.startswith("Getting ready for your GFI meeting on Tuesday 10 March 10:00.")
    assert "A GFI is a first, open meeting" in started.text
    stale = await anna.click_data(choice.buttons[0][0].callback_data or "", choice.message_id)
    assert stale == "That button has already been used."


async def test_a_confirmed_meeting_offers_the_preparation(running_bot: RunningBot) -> None:
    world = await make_world(running_bot.services, meeting_type=MeetingType.GFI)
    services = running_bot.services
    async with services.db.transaction() as session:
        await events.emit(
            events.MEETING_CONFIRMED, session, services.clock, meeting_id=world.meeting_id
        )
        await events.emit(
            events.MEETING_CONFIRMED, session, services.clock, meeting_id=world.meeting_id
        )
    anna = running_bot.double.user(ANNA, language_code="en")
    offer = (await anna.wait_for_messages(1, since=0))[-1]
    assert offer.text.startswith("Your GFI meeting is booked for Monday 9 March 10:00.")
    assert offer.text.endswith(
        f"📞 {SOCIAL} 040-34 10 00 · Emergency: 112 · Självmordslinjen 90101 · /help"
    )
    assert offer.button_texts == ["Get ready now", "Later"]
    await anna.click("Get ready now")
    started = anna.last
    assert started is not None
    assert started.text.startswith("Getting ready for your GFI meeting on Monday 9 March 10:00.")
    assert "Nothing has to be decided at a GFI." in started.text
    assert "Everyone says who they are" not in started.text
    async with services.db.transaction() as session:
        offers = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "preparation_offer")
        )
        assert len(list(offers)) == 1
