"""One case from request to closure over the Bot API test double, with the clock moved by hand.

Folke's consent covers the clinic (the region) and social services (the municipality), so a
SIP must be offered. Sara (the clinic) requests a GFI; Dina assigns Lars and Maja from social
services; the GFI is held, a SIP is established there and Folke is referred to Socialtjänst
Väster. Väster's distributor stays silent, which comes back to Sara and then to the clinic's
distributor; then Väster confirms and Folke says it works. Sara closes the case, and Folke is
told what that means.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.chat.turn import Services
from bot.meetings import sip_duties
from bot.models import Consent, Individual, OutboxMessage, OutboxStatus, Role, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.models.nudges import TransitionCheck
from bot.models.process import CaseClosure, SipPlan
from bot.models.survey import SurveyInvitation
from bot.nudges import reminders
from bot.survey import invite as survey
from tests import factories
from tests.conftest import RunningBot
from tests.meetings.support import (
    DINA,
    FOLKE,
    LARS,
    SARA,
    People,
    local,
    press,
    requested,
    seed,
    seen,
    text_seen,
)

MAJA, OLLE, CILLA = 2004, 2009, 2010


async def _more_people(services: Services, people: People) -> int:
    """Maja at social services; Cilla distributes at the clinic; Folke's consent also covers
    Socialtjänst Väster, where Olle distributes. Returns Väster's id."""
    clock = services.clock
    async with services.db.transaction() as session:
        social = await session.get(Unit, people.social_id)
        clinic = await session.get(Unit, people.clinic_id)
        vaster = await session.scalar(select(Unit).where(Unit.name == "Socialtjänst Väster"))
        consent = await session.scalar(
            select(Consent).where(Consent.individual_id == people.individual_id)
        )
        assert social and clinic and vaster and consent
        await factories.staff(
            session, clock, MAJA, {social: Role.STAFF}, name="Maja Öberg", language="en"
        )
        await factories.staff(
            session, clock, CILLA, {clinic: Role.DISTRIBUTOR}, name="Cilla Chef", language="en"
        )
        await session.refresh(consent, ["units"])
        consent.units = [*consent.units, vaster]
        return vaster.id


async def _rows(services: Services, kind: str) -> list[OutboxMessage]:
    async with services.db.transaction() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


async def _at(bot: RunningBot, moment: datetime) -> None:
    """Move the clock; the running dispatcher sends what is due within a fraction of a second."""
    bot.clock.set(moment)


async def test_a_case_from_request_to_closure(running_bot: RunningBot) -> None:
    bot, double, services = running_bot, running_bot.double, running_bot.services
    people = await seed(services)
    await _more_people(services, people)
    sara, dina, lars, maja, folke, olle, cilla = (
        double.user(i, language_code="en") for i in (SARA, DINA, LARS, MAJA, FOLKE, OLLE, CILLA)
    )
    case = people.case_ref

    # ---- SIP duty: both organisations and no SIP. /case says so; a nudge and a word, once.
    opened = await sara.say(f"/case {case}")
    assert "Units of both the municipality and the region work with this person" in opened.text
    assert "Book a SIP meeting" in opened.button_texts
    async with services.db.transaction() as session:
        assert await sip_duties.bring_up_duties(session, bot.clock) == 2
    async with services.db.transaction() as session:
        assert await sip_duties.bring_up_duties(session, bot.clock) == 0
    await _at(bot, local(2026, 3, 3, 10, 0))
    nudge = await text_seen(bot, sara, "has units of both the municipality and the region")
    assert nudge.text.startswith(f"{case} has units of both the municipality and the region")
    assert nudge.button_texts == ["Book a SIP meeting", "Open the case"]
    told = await text_seen(bot, folke, "you can ask for a SIP")
    assert "A SIP is a plan you make together with the units" in told.text
    assert "Call Beroendemottagningen Rådmannen on 040-33 00 00." in told.text

    # ---- The request card tells Dina whom to assign; she assigns two people.
    meeting_id = await requested(services, people, bot.clock.now())
    listing = await dina.say("/meetings")
    await press(dina, listing, next(t for t in listing.button_texts if case in t))
    card = await seen(bot, dina, lambda m: "Assign to me" in m.button_texts, "the card")
    assert "Assign the people who would work with" in card.text
    assert "You can assign more than one person." in card.text
    await press(dina, card, "Someone else…")
    who = await seen(bot, dina, lambda m: "Lars Larsson" in m.button_texts, "the staff list")
    await press(dina, who, "Lars Larsson")
    assigned = await text_seen(bot, dina, "Assigned to Lars Larsson.")
    await press(dina, assigned, "Add another person…")
    also = await text_seen(bot, dina, "Who else at Socialtjänst Innerstaden should come")
    await press(dina, also, "Maja Öberg")
    both = await text_seen(bot, dina, "Maja Öberg comes as well.")
    assert "• Socialtjänst Innerstaden: Lars Larsson, Maja Öberg" in both.text
    await text_seen(bot, maja, "Dina Chef assigned you to the GFI")

    # ---- Sara proposes Tuesday 10 March 10:00; Lars, Maja and Folke say yes.
    ready = await text_seen(bot, sara, "Everyone is assigned for the GFI")
    await press(sara, ready, "Propose times")
    picker = await text_seen(bot, sara, "First time: pick a day")
    for label in ("Tue 10 Mar", "10:00", "No, that is all", "1 hour"):
        await press(sara, picker, label)
    await press(sara, picker, "Beroendemottagningen Rådmannen, Storgatan 1")
    for colleague in (lars, maja):
        ask = await text_seen(bot, colleague, "proposes times for the GFI")
        await press(colleague, ask, "Answer the times")
        times = await text_seen(bot, colleague, "Proposed times for the GFI")
        await press(colleague, times, "✓ 1")
    invitation = await text_seen(bot, folke, "You are invited to a meeting")
    await press(folke, invitation, "I'll come")
    await text_seen(bot, sara, "Confirmed: the GFI for")

    # ---- During the meeting Sara says it is over: Folke gets the survey now, before 11:00.
    await _at(bot, local(2026, 3, 10, 10, 40))
    await sara.say("/meetings")
    overview = await text_seen(bot, sara, "Your meetings")
    await press(sara, overview, next(t for t in overview.button_texts if case in t))
    card = await seen(bot, sara, lambda m: "The meeting is over" in m.button_texts, "the card")
    assert "The person did not come" in card.button_texts
    await press(sara, card, "The meeting is over")
    question = await text_seen(bot, sara, "How did the GFI for")
    await survey.run(services)
    questions = await text_seen(bot, folke, "You took part in an information meeting (GFI)")
    assert questions.button_texts == ["Answer the questions", "No, thanks"]

    # ---- Held; a SIP established there, and a referral to Socialtjänst Väster.
    await press(sara, question, "It was held")
    steps = await text_seen(bot, sara, "What are the next steps?")
    assert "SIP closed: goals reached, or no longer needed" not in steps.button_texts
    await press(sara, steps, "SIP established at the meeting")
    await press(sara, steps, "Referred to another unit")
    await press(sara, steps, "Done ✔")
    units = await text_seen(bot, sara, "Referred to which unit?")
    await press(sara, units, "Socialtjänst Väster")
    form = await text_seen(bot, sara, "Were the units whose efforts are to be coordinated")
    assert "Saved: the GFI was held." in form.text
    form_user = sara
    await press(form_user, form, "No, some were missing or had no mandate")
    missing = await text_seen(bot, sara, "Which units were missing")
    await press(form_user, missing, "A unit that is not in Samordna")
    await press(form_user, missing, "Done ✔")
    main = await text_seen(bot, sara, "Who is the main responsible person")
    assert main.button_texts[:3] == [
        "Sara Sjuksköterska (Beroendemottagningen Rådmannen)",
        "Lars Larsson (Socialtjänst Innerstaden)",
        "Maja Öberg (Socialtjänst Innerstaden)",
    ]
    await press(form_user, main, "Lars Larsson (Socialtjänst Innerstaden)")
    day = await text_seen(bot, sara, "When is the plan followed up?")
    assert day.button_texts[:2] == ["Tuesday 24 March (in 2 weeks)", "Tuesday 7 April (in 4 weeks)"]
    await press(form_user, day, "Tuesday 7 April (in 4 weeks)")
    hour = await text_seen(bot, sara, "At what time?")
    await press(form_user, hour, "13:00")
    plan = await text_seen(bot, sara, "The plan for interruptions")
    await press(form_user, plan, "The main responsible person contacts the individual")
    await press(form_user, plan, "The individual knows whom to call")
    await press(form_user, plan, "Done ✔")
    await text_seen(bot, sara, "A short note on the plan for interruptions")
    await sara.say("Vid återfall: kontakt inom en vecka")
    review = await text_seen(bot, sara, "Please check the answers")
    await press(form_user, review, "Save the SIP")
    saved = await text_seen(bot, sara, "Saved: the SIP for")
    record = saved.text.split("Text for the regional SIP system (copy and paste):\n\n")[1]
    assert record.splitlines() == [
        "SIP upprättad i samband med GFI den 10 mars 2026.",
        "Närvarande: den enskilde samt Beroendemottagningen Rådmannen och "
        "Socialtjänst Innerstaden.",
        "Alla verksamheter vars insatser ska samordnas var inte företrädda med mandat. "
        "Saknades eller utan mandat: en verksamhet som inte finns i Samordna. Planen "
        "upprättades så långt det gick och slutförs vid uppföljningen.",
        "Huvudansvarig: Lars Larsson, Socialtjänst Innerstaden.",
        "Uppföljning: tisdag 7 april 13:00.",
        "Plan vid avbrott: den huvudansvarige kontaktar den enskilde; den enskilde vet vem hen "
        "ska ringa.",
        "Anteckning om avbrott: Vid återfall: kontakt inom en vecka",
    ]
    assert "No separate meeting" not in saved.text and "med mandat att besluta" not in record

    # The follow-up is proposed to the same people, and booked the usual way.
    async with services.db.transaction() as session:
        plan_row = await session.scalar(select(SipPlan))
        followup = await session.get(Meeting, plan_row.followup_meeting_id if plan_row else 0)
        assert plan_row is not None and followup is not None
        assert plan_row.mandate is False and plan_row.missing_other is True
        assert followup.type == MeetingType.SIP_FOLLOWUP
        assert followup.previous_meeting_id == meeting_id
    for colleague in (lars, maja):
        ask = await text_seen(bot, colleague, "proposes times for the SIP follow-up")
        await press(colleague, ask, "Answer the times")
        times = await text_seen(bot, colleague, "Proposed times for the SIP follow-up")
        assert "1. Tuesday 7 April 13:00" in times.text
        await press(colleague, times, "✓ 1")
    invited = await seen(
        bot, folke, lambda m: "You are invited" in m.text and "7 April" in m.text, "the follow-up"
    )
    await press(folke, invited, "I'll come")
    await text_seen(bot, sara, "Confirmed: the SIP follow-up")
    sip_nudges = await _rows(services, reminders.KIND_SIP_STAFF)
    assert {row.chat_id for row in sip_nudges} == {SARA, LARS, MAJA}

    # ---- The transition: Väster's distributor is asked at once, and stays silent.
    ask = await text_seen(bot, olle, "was referred to Socialtjänst Väster by Sara Sjuksköterska")
    assert "at the latest by 17 March 2026" in ask.text
    assert ask.button_texts == ["Contact has started", "Not started yet"]
    await _at(bot, local(2026, 3, 17, 9, 0))
    silent = await text_seen(bot, sara, "Socialtjänst Väster has not confirmed that contact")
    assert silent.button_texts == ["I have followed it up"]
    await _at(bot, local(2026, 3, 20, 9, 0))
    stuck = await text_seen(bot, cilla, "A referral from Beroendemottagningen Rådmannen is stuck")
    assert "Socialtjänst Väster has not confirmed that contact has started." in stuck.text
    opened = await sara.say(f"/case {case}")
    assert "Open transitions:" in opened.text
    assert (
        "→ Socialtjänst Väster, referred on 10 March 2026: unit: not confirmed yet "
        "(by 17 March 2026); person: will be asked on 24 March 2026"
    ) in opened.text
    assert "SIP established on 10 March 2026. Main responsible: Lars Larsson." in opened.text

    await press(olle, ask, "Contact has started")
    await text_seen(bot, olle, "Sara Sjuksköterska has been told")
    await text_seen(bot, sara, f"Socialtjänst Väster confirms that contact with {case}")

    # Folke is asked after fourteen days, and it works: the transition is closed.
    await _at(bot, local(2026, 3, 24, 10, 0))
    how = await text_seen(bot, folke, "How is it going with Socialtjänst Väster?")
    await press(folke, how, "It has started and works")
    await text_seen(bot, sara, f"{case} says their contact with Socialtjänst Väster has started")
    async with services.db.transaction() as session:
        check = await session.scalar(select(TransitionCheck))
        assert check is not None and check.closed_reason == "done"

    # ---- Closing: a closing meeting is proposed first; what is open is listed.
    await _at(bot, local(2026, 3, 25, 14, 0))
    opened = await sara.say(f"/case {case}")
    await press(sara, opened, "Close the case")
    closing = await text_seen(bot, sara, f"Closing case {case}")
    assert "A case is best closed at a closing meeting (slutsamtal)" in closing.text
    assert "Meetings still ahead (they are cancelled when the case is closed):" in closing.text
    assert "• SIP follow-up, Tuesday 7 April 13:00" in closing.text
    assert "A SIP is active, established on 10 March 2026." in closing.text
    assert "Open transitions" not in closing.text
    assert closing.button_texts == [
        "Book a closing meeting",
        "Close without a closing meeting…",
        "Not now",
    ]
    await press(sara, closing, "Close without a closing meeting…")
    why = await text_seen(bot, sara, f"Why is case {case} closed without a closing meeting?")
    await press(sara, why, "The person has moved, or gets their support elsewhere")
    sure = await text_seen(bot, sara, f"Close case {case}?")
    assert "deleted on 24 April 2026" in sure.text
    await press(sara, sure, "Yes, close it")
    await text_seen(bot, sara, f"Case {case} is closed. The person has been told.")

    closed = await text_seen(bot, folke, "Your case with the units is now closed.")
    assert "If you want to come back, you are always welcome. Call Beroendemottagningen " in (
        closed.text
    )
    assert "it is deleted on 24 April 2026" in closed.text
    assert closed.button_texts == ["End my consent now"]
    await text_seen(bot, lars, "cancelled the SIP follow-up")
    await press(folke, closed, "End my consent now")
    ended = await text_seen(bot, folke, "Done: your consent has ended")
    assert "deleted on 24 April 2026" in ended.text
    async with services.db.transaction() as session:
        person = await session.get(Individual, people.individual_id)
        closure = await session.scalar(select(CaseClosure))
        plan_row = await session.scalar(select(SipPlan))
        followup = await session.get(Meeting, plan_row.followup_meeting_id if plan_row else 0)
        invitation = await session.scalar(
            select(SurveyInvitation).where(SurveyInvitation.meeting_id == meeting_id)
        )
        consent = await session.scalar(select(Consent))
    assert person is not None and person.closed_at is not None
    assert closure is not None and closure.reason == "elsewhere"
    assert plan_row is not None and plan_row.closed_at is not None
    assert followup is not None and followup.status == MeetingStatus.CANCELLED
    assert invitation is not None and invitation.offered_at is not None
    assert consent is not None and consent.withdrawn_at is not None
    assert [r.status for r in await _rows(services, sip_duties.KIND_DUTY_STAFF)] == [
        OutboxStatus.SENT
    ]
