"""``/mydata``'s copy comes as two files: a readable text in the person's language (what is
stored, why, until when, with whom) and the JSON beside it, both named in that language."""

from __future__ import annotations

import json

from bot.chat.turn import Services
from bot.models import Role
from bot.models.meetings import MeetingType, Preparation
from bot.platform.clock import ManualClock
from tests import factories
from tests.conftest import RunningBot

SARA = 2001
ANNA = 3_141_592


async def seed(services: Services, clock: ManualClock, language: str) -> str:
    """Anna: consent without sharing, a SIP meeting, and her answers from preparing for it."""
    async with services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        clinic = await factories.unit(session, clock, "Beroendemottagning Rådmannen")
        sara = await factories.staff(session, clock, SARA, {social: Role.STAFF})
        anna = await factories.individual(
            session, clock, ANNA, [social, clinic], sara, sharing=False, language=language
        )
        meeting = await factories.meeting(
            session,
            clock,
            individual=anna,
            requester=sara,
            units={social: sara, clinic: None},
            type=MeetingType.SIP,
        )
        session.add(
            Preparation(
                meeting_id=meeting.id,
                individual_id=anna.id,
                flow_version=1,
                answers={
                    "topics": ["housing", "money"],
                    "goal": "plan",
                    "needs": ["interpreter"],
                    "language": "ar",
                    "contact": "sms",
                    "note": "Jag vill ha mötet på förmiddagen – tack!",
                },
                shared_revision=0,
                updated_at=clock.now(),
            )
        )
        return anna.case_ref


async def copy_of(running_bot: RunningBot, language: str) -> tuple[list[str], str, bytes]:
    """Ask for the copy; the file names, the readable text and the JSON."""
    anna = running_bot.double.user(ANNA, language_code=language)
    listing = await anna.say("/mydata")
    mark = anna.mark()
    await anna.click(listing.button_texts[0])
    sent = [m for m in anna.inbox_since(mark) if m.kind == "document"]
    assert len(sent) == 2 and all(m.document is not None for m in sent)
    text, data = sent[0].document, sent[1].document
    assert text is not None and data is not None
    return [str(m.filename) for m in sent], text.decode("utf-8"), data


async def test_the_readable_copy_in_swedish(running_bot: RunningBot, clock: ManualClock) -> None:
    case_ref = await seed(running_bot.services, clock, "sv")
    names, text, data = await copy_of(running_bot, "sv")

    assert names == ["mina-uppgifter.txt", "mina-uppgifter.json"]
    assert json.loads(data)["case"]["case_ref"] == case_ref
    lines = text.splitlines()
    assert lines[:3] == ["Allt jag sparar om dig", "=" * 22, "Gjord 2 mars 2026."]
    assert f"• Ditt ärendenummer: {case_ref}. Personalen använder det i stället för ditt namn." in (
        lines
    )
    # The meeting, its answers rendered in Swedish, the free text exactly as written.
    assert "• SIP-möte, 9 mars 2026 10:00: bekräftat" in lines
    assert "   Vem som deltar: Sara Socialsekreterare (Socialtjänst Innerstaden)" in lines
    assert "   • Viktigt att prata om: Boende, Pengar" in lines
    assert "   • Språk för tolk: Arabiska" in lines
    assert "   • Något mer: Jag vill ha mötet på förmiddagen – tack!" in lines
    assert "   Inte delade med någon." in lines
    # Why, until when (Babel's long date), with whom; never an account number but her own.
    assert "• Meddelanden före möten: delen om påminnelser i chatten." in lines
    assert "• Ditt samtycke gäller till och med 29 augusti 2026." in lines
    assert (
        "• När ditt samtycke upphör, eller när du tar tillbaka det, raderas allt om dig "
        "30 dagar senare."
    ) in lines
    units = "Beroendemottagning Rådmannen och Socialtjänst Innerstaden"
    assert f"• Enheterna i ditt samtycke: {units}" in lines
    assert "• Du sa nej till att dela: dina svar från förberedelsen skickas inte till någon." in (
        lines
    )
    assert str(SARA) not in text
    headings = [lines[i - 1] for i, line in enumerate(lines) if line and set(line) == {"-"}]
    assert headings == [
        "Vad som sparas",
        "Dina möten",
        "Dina svar från förberedelser inför möten",
        "Varför det sparas",
        "Hur länge",
        "Med vem",
    ]


async def test_the_readable_copy_in_english(running_bot: RunningBot, clock: ManualClock) -> None:
    case_ref = await seed(running_bot.services, clock, "en")
    names, text, data = await copy_of(running_bot, "en")

    assert names == ["my-data.txt", "my-data.json"]
    assert json.loads(data)["case"]["case_ref"] == case_ref
    lines = text.splitlines()
    assert lines[0] == "Everything I store about you"
    assert "• SIP meeting, 9 March 2026 10:00: confirmed" in lines
    assert "   • Important to talk about: Housing, Money" in lines
    assert "   • Anything else: Jag vill ha mötet på förmiddagen – tack!" in lines
    assert "• Your consent is valid until 29 August 2026." in lines
    assert "• You said no to sharing: your answers from preparing are not sent to anyone." in lines


async def test_staff_get_their_own_copy_without_a_case(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    async with running_bot.services.db.transaction() as session:
        social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        await factories.staff(session, clock, SARA, {social: Role.DISTRIBUTOR}, language="en")
    sara = running_bot.double.user(SARA, language_code="en")
    listing = await sara.say("/mydata")
    mark = sara.mark()
    await sara.click(listing.button_texts[0])
    text_file, data_file = [m for m in sara.inbox_since(mark) if m.kind == "document"]
    assert (text_file.filename, data_file.filename) == ("my-data.txt", "my-data.json")
    assert text_file.document is not None
    lines = text_file.document.decode("utf-8").splitlines()
    assert (
        "• Your name and phone number, which colleagues see: Sara Socialsekreterare, 040-11 22 33"
    ) in lines
    assert "• Your units and roles: Socialtjänst Innerstaden (Distributor)" in lines
    assert "• As long as you are staff. An admin removes you when you stop." in lines
    assert "• Colleagues in your units see your name and phone number." in lines
    assert not any("consent" in line.lower() for line in lines)
