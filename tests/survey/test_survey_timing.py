"""The survey at the meeting's end: at the booked end time (moved with the meeting), never after
a no-show or a cancellation, and offered on paper or by phone when the chat cannot be used."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.chat import buttons
from bot.chat.turn import Services
from bot.meetings import lifecycle
from bot.models import Individual, Staff
from bot.models.meetings import Meeting, MeetingStatus
from bot.models.survey import InvitationStatus
from bot.platform import events
from bot.platform.clock import ManualClock
from bot.survey import report as reports
from bot.survey import report_formats
from flows import survey as survey_flow
from tests import factories
from tests.conftest import RunningBot
from tests.survey.support import Team, held, invitation, send_due, team
from tests.survey.test_reports import given, response
from tests.survey.test_reports import invitation as stored_invitation

ANNA = 1001
STAFF = 2001


async def anna(services: Services, clock: ManualClock, units: Team, *, survey: bool = True) -> int:
    """Without consent to reminders, so that only the survey ever reaches her."""
    async with services.db.transaction() as session:
        person = await factories.individual(
            session, clock, ANNA, [units.unit], reminders=False, survey=survey, language="en"
        )
        return person.id


async def booked(
    services: Services, clock: ManualClock, units: Team, individual_id: int, starts_at: datetime
) -> int:
    """A confirmed one-hour meeting, as booking leaves it."""
    async with services.db.transaction() as session:
        staff = await session.get(Staff, units.staff.id)
        person = await session.get(Individual, individual_id)
        assert staff is not None
        meeting = await factories.meeting(
            session,
            clock,
            individual=person,
            requester=staff,
            units={units.other: staff},
            starts_at=starts_at,
        )
        meeting.requester_unit_id = units.unit.id
        await events.emit(events.MEETING_CONFIRMED, session, clock, meeting_id=meeting.id)
        return meeting.id


def questions(bot: RunningBot) -> list[str]:
    return [m.text for m in bot.double.user(ANNA).messages if "You took part in" in m.text]


async def open_card(bot: RunningBot, meeting_id: int) -> None:
    staff = bot.double.user(STAFF, language_code="en")
    anchor = await staff.say("/help")
    async with bot.services.db.transaction() as session:
        data = await buttons.issue(
            session, bot.clock, STAFF, lifecycle.OPEN_CARD, {"meeting_id": meeting_id}
        )
    await staff.click_data(data, anchor.message_id)


async def test_the_questions_come_at_the_booked_end_and_move_with_the_meeting(
    running_bot: RunningBot,
) -> None:
    bot, services, clock = running_bot, running_bot.services, running_bot.clock
    units = await team(services, clock)
    person = await anna(services, clock, units)
    start = clock.now() + timedelta(minutes=30)
    meeting_id = await booked(services, clock, units, person, start)

    clock.set(start + timedelta(minutes=59))
    await send_due(services, bot.double)
    assert questions(bot) == []

    async with services.db.transaction() as session:  # moved to 14:00 the same day
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.starts_at = start + timedelta(hours=4)
        meeting.ics_sequence += 1
        await events.emit(events.MEETING_RESCHEDULED, session, clock, meeting_id=meeting_id)
    clock.set(start + timedelta(hours=1))
    await send_due(services, bot.double)
    assert questions(bot) == []

    clock.set(start + timedelta(hours=5))
    await send_due(services, bot.double)
    [text] = questions(bot)
    assert text.startswith(
        "Hi! You took part in an information meeting (GFI) on Monday 2 March 14:30."
    )
    waiting = await invitation(services, meeting_id)
    assert waiting is not None and waiting.due_at == start + timedelta(hours=5)


async def test_a_no_show_recorded_during_the_meeting_means_no_questions(
    running_bot: RunningBot,
) -> None:
    bot, services, clock = running_bot, running_bot.services, running_bot.clock
    units = await team(services, clock)
    person = await anna(services, clock, units)
    start = clock.now() + timedelta(minutes=30)
    meeting_id = await booked(services, clock, units, person, start)

    clock.set(start + timedelta(minutes=20))
    await open_card(bot, meeting_id)
    staff = bot.double.user(STAFF, language_code="en")
    card = staff.last
    assert card is not None
    assert {"The meeting is over", "The person did not come"} <= set(card.button_texts)
    saved = await staff.click("The person did not come", message_id=card.message_id)
    assert saved is not None and "did not come" in saved.text

    clock.set(start + timedelta(hours=2))
    await send_due(services, bot.double)
    assert questions(bot) == []
    assert [m.text for m in bot.double.user(ANNA).messages if "We missed you" in m.text]
    cancelled = await invitation(services, meeting_id)
    assert cancelled is not None and cancelled.status == InvitationStatus.CANCELLED


async def test_a_cancelled_meeting_and_one_the_person_cannot_come_to_are_not_asked_about(
    running_bot: RunningBot,
) -> None:
    bot, services, clock = running_bot, running_bot.services, running_bot.clock
    units = await team(services, clock)
    person = await anna(services, clock, units)
    start = clock.now() + timedelta(minutes=30)
    cancelled = await booked(services, clock, units, person, start)
    cannot = await booked(services, clock, units, person, start + timedelta(hours=2))
    async with services.db.transaction() as session:
        meeting = await lifecycle.load(session, cancelled)
        assert meeting is not None
        await lifecycle.cancel(session, clock, meeting, who="Sara", reason="illness")
        other = await session.get(Meeting, cannot)
        assert other is not None
        other.individual_answer = "cannot_come"

    clock.set(start + timedelta(hours=4))
    await send_due(services, bot.double)
    assert questions(bot) == []
    gone = await invitation(services, cancelled)
    assert gone is not None and gone.status == InvitationStatus.CANCELLED

    async with services.db.transaction() as session:  # she came after all
        meeting = await session.get(Meeting, cannot)
        assert meeting is not None
        meeting.status = MeetingStatus.HELD
        await events.emit(events.MEETING_OUTCOME, session, clock, meeting_id=cannot, outcome="held")
    await send_due(services, bot.double)
    assert len(questions(bot)) == 1


async def test_offered_on_paper_counts_as_offered(running_bot: RunningBot) -> None:
    """Anna said no to questions in the chat; Sara hands her the paper form instead."""
    bot, services, clock = running_bot, running_bot.services, running_bot.clock
    units = await team(services, clock)
    anna_id = await anna(services, clock, units, survey=False)
    async with services.db.transaction() as session:
        person = await session.get(Individual, anna_id)
    meeting_id = await held(services, clock, units, person)
    missed = await held(services, clock, units, person, outcome="no_show")
    await send_due(services, bot.double)
    declined = await invitation(services, meeting_id)
    assert declined is not None and declined.status == InvitationStatus.DECLINED

    await open_card(bot, missed)
    staff = bot.double.user(STAFF, language_code="en")
    assert staff.last is not None
    assert "Survey offered on paper or by phone" not in staff.last.button_texts
    await open_card(bot, meeting_id)
    card = staff.last
    assert card is not None and "Survey offered on paper or by phone" in card.button_texts
    how = await staff.click("Survey offered on paper or by phone", message_id=card.message_id)
    assert how is not None and how.button_texts == ["On paper", "By phone", "◀ Back"]
    done = await staff.click("On paper", message_id=how.message_id)
    assert done is not None and done.text.startswith("Saved: the survey was offered on paper.")
    assert "Survey offered on paper or by phone" not in done.button_texts

    offered = await invitation(services, meeting_id)
    assert offered is not None and offered.offered_via == "paper"
    assert offered.status == InvitationStatus.ELSEWHERE
    assert bot.double.user(ANNA).messages == []
    async with services.db.transaction() as session:  # four more meetings, all answered
        for _ in range(4):
            session.add(stored_invitation([units.unit], InvitationStatus.EXPIRED, now=clock.now()))
        for _ in range(5):
            session.add(response([units.unit], given(4)))
    async with services.db.transaction() as session:
        query = reports.ReportQuery("2026-03", "2026-03", frozenset({units.unit.id}))
        report = await reports.build(session, services.settings, clock, query)
    assert (report.rates.meetings, report.rates.declined, report.rates.offered) == (5, 0, 5)
    assert report.rates.offered_rate == 1.0


def test_the_html_report_has_a_printable_page_with_the_seven_statements(
    services: Services,
) -> None:
    tr = services.tr("sv")
    empty = reports.Report(
        query=reports.ReportQuery("2026-03", "2026-03"),
        min_group=5,
        unit_names=(),
        rates=reports.Rates(),
        answers=0,
        questions=(),
    )
    page = report_formats.html_page(empty, tr, b"\x89PNG")
    paper = page[page.index('<section class="paper">') :]
    assert "<h1>Om mötet du var med på</h1>" in paper
    statements = [tr.gettext(q.title) for q in survey_flow.questions()]
    assert len(statements) == 7
    for statement in statements:
        assert f"<td>“{statement}”</td>" + "<td>☐</td>" * 6 in paper
    assert "☐ Jag svarar själv" in paper and "Skriv inte ditt namn" in paper
    assert "section.paper { break-before: page;" in page
