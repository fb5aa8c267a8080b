"""Asking after a held meeting, over the Bot API test double: when, whom, and never twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from bot.models import Consent, Individual, OutboxMessage
from bot.models.meetings import MeetingType
from bot.models.survey import InvitationStatus, SurveyInvitation, SurveyResponse
from bot.platform import events
from bot.survey import report as reports
from tests.conftest import RunningBot
from tests.survey.support import (
    HOUR,
    SOCIAL,
    answer,
    held,
    invitation,
    person,
    send_due,
    team,
)

ANNA = 1001
BO = 1002


async def test_a_meeting_recorded_as_held_is_followed_by_the_questions_at_once(
    running_bot: RunningBot,
) -> None:
    """No hour's wait after the outcome: the meeting is over, so the evaluation comes now."""
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit, units.other])
    chat = double.user(ANNA, language_code="en")
    await held(services, clock, units, anna)
    await send_due(services, double)
    [invite] = await chat.wait_for_messages(1, since=0)
    assert invite.text.startswith("Hi! You took part in an information meeting (GFI) on")
    assert "anonymous" in invite.text
    assert f"Questions? Call {SOCIAL} on 040-34 10 00." in invite.text
    assert invite.button_texts == ["Answer the questions", "No, thanks"]

    first = await chat.click("Answer the questions")
    assert first is not None
    assert first.text.startswith("About an information meeting (GFI) on")
    assert "040-34 10 00" in first.text
    assert "Step 1 of 10" in first.text
    question = await chat.click("Continue ▶")
    assert question is not None
    assert "“I could decide what we talked about.”" in question.text
    assert question.button_texts[:6] == ["😞", "🙁", "😐", "🙂", "😄", "I'd rather not answer"]

    for face in ("😄", "🙂", "I'd rather not answer", "😄", "😐", "🙂", "😄"):
        await chat.click(face)
    assert chat.last is not None
    assert "This chat is not watched all the time" in chat.last.text
    await chat.say("Shorter meetings, please")
    done = await chat.click("Someone close to me is helping me")
    assert done is not None
    assert done.text.startswith("Thank you! Your answers are saved without your name.")

    async with services.db.transaction() as session:
        [stored] = list(await session.scalars(select(SurveyResponse)))
    assert stored.answers == {
        "decide_topics": 5,
        "decide_people": 4,
        "listened": None,
        "understood": 5,
        "clear_roles": 3,
        "contact": 4,
        "helpful": 5,
    }
    assert stored.answered_by == "helped"
    assert stored.comment == "Shorter meetings, please"
    assert stored.meeting_type == "gfi"
    assert stored.month == "2026-03"
    assert stored.unit_ids == sorted([units.unit.id, units.other.id])


async def test_one_reminder_after_two_days_only_to_whoever_has_not_answered(
    running_bot: RunningBot,
) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    bo = await person(services, clock, BO, [units.unit])
    anna_chat, bo_chat = double.user(ANNA), double.user(BO)
    await held(services, clock, units, anna)
    bo_meeting = await held(services, clock, units, bo)
    clock.advance(HOUR)
    await send_due(services, double)
    await anna_chat.wait_for_messages(1, since=0)
    await bo_chat.wait_for_messages(1, since=0)
    await answer(anna_chat, [5, 5, 5, 5, 5, 5, 5])

    clock.advance(timedelta(days=2))
    await send_due(services, double)
    [reminder] = await bo_chat.wait_for_messages(1, since=1)
    assert reminder.text.startswith("A reminder: would you answer a few short questions")
    assert "You can answer until" in reminder.text
    assert len(anna_chat.messages) == 2  # the invitation and the questions, no reminder

    clock.advance(timedelta(days=12))
    await send_due(services, double)
    assert (await bo_chat.say("/survey")).text.startswith("You have no questions to answer")
    expired = await invitation(services, bo_meeting)
    assert expired is not None and expired.status == InvitationStatus.EXPIRED


async def test_survey_command_answers_a_pending_one_and_never_twice(
    running_bot: RunningBot,
) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    chat = double.user(ANNA)
    assert (await chat.say("/survey")).text.startswith("You have no questions to answer")
    meeting_id = await held(services, clock, units, anna)
    await send_due(services, double)

    first = await chat.say("/survey")  # before the invitation is due
    assert first.text.startswith("About an information meeting (GFI)")
    done = await answer(chat, [4, 4, 4, 4, 4, 4, 4], start="")
    assert done.startswith("Thank you!")
    assert (await chat.say("/survey")).text.startswith("You have no questions to answer")

    clock.advance(timedelta(days=3))
    await send_due(services, double)
    assert not await chat.wait_for_activity(since=chat.mark(), within=0.3)
    opened = await invitation(services, meeting_id)
    assert opened is not None and opened.offered_at is not None  # it was offered by /survey
    async with services.db.transaction() as session:
        assert len(list(await session.scalars(select(SurveyResponse)))) == 1


async def test_two_pending_meetings_are_offered_as_a_choice(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    await held(services, clock, units, anna)
    await held(services, clock, units, anna, type=MeetingType.SIP)
    await send_due(services, double)
    chat = double.user(ANNA)
    choice = await chat.say("/survey")
    assert choice.text == "Which meeting do you want to answer about?"
    assert choice.button_texts == ["GFI meeting, 2 March 2026", "SIP meeting, 2 March 2026"]
    opened = await chat.click("SIP meeting, 2 March")
    assert opened is not None
    assert opened.text.startswith("About a meeting about your joint plan (SIP)")


async def test_a_staff_only_meeting_triggers_no_survey(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    meeting_id = await held(services, clock, units, anna, type=MeetingType.STAFF_ONLY)
    clock.advance(timedelta(days=3))
    await send_due(services, double)
    chat = double.user(ANNA)
    assert chat.messages == []
    assert await invitation(services, meeting_id) is None
    assert (await chat.say("/survey")).text.startswith("You have no questions to answer")


async def test_declined_in_consent_gets_nothing_and_is_counted_apart(
    running_bot: RunningBot,
) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit], survey_consent=False)
    meeting_id = await held(services, clock, units, anna)
    clock.advance(timedelta(days=3))
    await send_due(services, double)
    assert double.user(ANNA).messages == []
    declined = await invitation(services, meeting_id)
    assert declined is not None and declined.status == InvitationStatus.DECLINED
    async with services.db.transaction() as session:
        assert list(await session.scalars(select(OutboxMessage))) == []


async def test_no_thanks_stops_the_reminder(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    meeting_id = await held(services, clock, units, anna)
    clock.advance(HOUR)
    await send_due(services, double)
    chat = double.user(ANNA)
    await chat.wait_for_messages(1, since=0)
    reply = await chat.click("No, thanks")
    assert reply is not None
    assert reply.text == "That's fine. I will not ask about this meeting again."
    clock.advance(timedelta(days=3))
    await send_due(services, double)
    assert len(chat.messages) == 2
    closed = await invitation(services, meeting_id)
    assert closed is not None and closed.status == InvitationStatus.CLOSED
    assert (await chat.say("/survey")).text.startswith("You have no questions to answer")


async def test_a_meeting_not_held_after_all_is_not_asked_about(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    no_show = await held(services, clock, units, anna, outcome="no_show")
    assert await invitation(services, no_show) is None
    corrected = await held(services, clock, units, anna)
    async with services.db.transaction() as session:  # corrected before the questions went
        await events.emit(
            events.MEETING_OUTCOME, session, clock, meeting_id=corrected, outcome="no_show"
        )
    clock.advance(timedelta(days=3))
    await send_due(services, double)
    assert double.user(ANNA).messages == []
    cancelled = await invitation(services, corrected)
    assert cancelled is not None and cancelled.status == InvitationStatus.CANCELLED

    async with services.db.transaction() as session:  # corrected back: it was held after all
        await events.emit(
            events.MEETING_OUTCOME, session, clock, meeting_id=corrected, outcome="held"
        )
    await send_due(services, double)
    [invite] = await double.user(ANNA).wait_for_messages(1, since=0)
    assert invite.button_texts == ["Answer the questions", "No, thanks"]


async def test_withdrawn_consent_stops_a_waiting_invitation(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    meeting_id = await held(services, clock, units, anna)
    async with services.db.transaction() as session:
        consent = await session.scalar(select(Consent).where(Consent.individual_id == anna.id))
        assert consent is not None
        consent.withdrawn_at = clock.now()
        await events.emit(events.CONSENT_WITHDRAWN, session, clock, individual_id=anna.id)
    clock.advance(timedelta(days=3))
    await send_due(services, double)
    assert double.user(ANNA).messages == []
    stopped = await invitation(services, meeting_id)
    assert stopped is not None and stopped.status == InvitationStatus.DECLINED


async def test_erasing_the_person_keeps_only_the_counts(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    await held(services, clock, units, anna)
    clock.advance(HOUR)
    await send_due(services, double)
    await double.user(ANNA).wait_for_messages(1, since=0)
    async with services.db.transaction() as session:  # as retention erases: event, then rows
        await events.emit(events.INDIVIDUAL_ERASED, session, clock, individual_id=anna.id)
        await session.execute(delete(Individual).where(Individual.id == anna.id))
    async with services.db.transaction() as session:
        [kept] = list(await session.scalars(select(SurveyInvitation)))
        report = await reports.build(
            session, services.settings, clock, reports.ReportQuery("2026-03", "2026-03")
        )
    assert kept.meeting_id is None and kept.individual_id is None
    assert kept.month == "2026-03" and units.unit.id in kept.unit_ids
    assert kept.offered_at is not None or kept.outbox_id is not None  # it counts as offered
    assert report.suppressed and report.rates == reports.Rates()  # one meeting: too few to show


async def test_the_questions_in_swedish(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit], language="sv")
    await held(services, clock, units, anna, type=MeetingType.SIP_FOLLOWUP)
    clock.advance(HOUR)
    await send_due(services, double)
    chat = double.user(ANNA, language_code="sv")
    [invite] = await chat.wait_for_messages(1, since=0)
    assert invite.text.startswith("Hej! Du var med på en uppföljning av din samordnade plan (SIP)")
    assert f"Frågor? Ring {SOCIAL} på 040-34 10 00." in invite.text
    await chat.click("Svara på frågorna")
    question = await chat.click("Fortsätt ▶")
    assert question is not None
    assert "”Jag kunde bestämma vad vi pratade om.”" in question.text
    assert "Jag vill inte svara" in question.button_texts


async def test_help_names_the_survey_for_individuals_and_results_for_staff(
    running_bot: RunningBot,
) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    await person(services, clock, ANNA, [units.unit])
    individual_help = await double.user(ANNA).say("/help")
    assert "/survey – answer a few questions about a meeting you took part in" in (
        individual_help.text
    )
    assert "/results" not in individual_help.text
    staff_help = await double.user(2001).say("/help")
    assert "/results – participation survey results for your units" in staff_help.text
