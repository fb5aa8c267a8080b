"""The goals' figures on hand-made data: each one right, and each hidden below the minimum group
size in every format (the default minimum is five)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.turn import Services
from bot.models import Individual, Organisation, Role, Staff, Unit
from bot.models.meetings import Meeting, MeetingStatus, MeetingType
from bot.models.nudges import TransitionCheck
from bot.models.process import SipPlan
from bot.models.survey import InvitationStatus, SurveyInvitation
from bot.platform.clock import ManualClock
from bot.survey import report as reports
from bot.survey import report_chart, report_formats
from tests import factories
from tests.survey.support import png_text

MARCH = reports.ReportQuery("2026-03", "2026-03")


async def _world(session: AsyncSession, clock: ManualClock) -> tuple[Unit, Unit, Staff]:
    social = await factories.unit(session, clock, "Socialtjänst Innerstaden")
    clinic = await factories.unit(
        session, clock, "Beroendemottagning Rådmannen", Organisation.REGION
    )
    staff = await factories.staff(session, clock, 2001, {social: Role.STAFF}, language="en")
    return social, clinic, staff


async def _people(
    session: AsyncSession, clock: ManualClock, units: list[Unit], count: int, first: int
) -> list[Individual]:
    return [
        await factories.individual(session, clock, first + n, units, language="en")
        for n in range(count)
    ]


def _sip(person: Individual, units: list[Unit], at: datetime) -> SipPlan:
    return SipPlan(
        individual_id=person.id,
        unit_ids=[u.id for u in units],
        established_at=at,
        mandate=True,
        missing_unit_ids=[],
        main_staff_id=None,
        followup_at=at + timedelta(weeks=6),
        interruption_plan=["person_calls"],
    )


def _offer(person: Individual, at: datetime, via: str | None) -> SurveyInvitation:
    return SurveyInvitation(
        individual_id=person.id,
        status=InvitationStatus.EXPIRED if via == "chat" else InvitationStatus.ELSEWHERE,
        meeting_type="sip",
        unit_ids=[],
        meeting_at=at,
        month="2026-03",
        offered_at=at if via else None,
        offered_via=via,
        recorded_at=at,
        updated_at=at,
    )


async def _meeting(
    session: AsyncSession,
    clock: ManualClock,
    person: Individual,
    staff: Staff,
    unit: Unit,
    *,
    requested: datetime,
    held_at: datetime,
    status: MeetingStatus = MeetingStatus.HELD,
    previous: int | None = None,
) -> Meeting:
    meeting = await factories.meeting(
        session,
        clock,
        individual=person,
        requester=staff,
        units={unit: staff},
        starts_at=held_at,
        status=status,
    )
    meeting.created_at = requested
    meeting.previous_meeting_id = previous
    return meeting


async def _build(services: Services, clock: ManualClock) -> reports.Report:
    async with services.db.transaction() as session:
        return await reports.build(session, services.settings, clock, MARCH)


async def test_each_goal_figure_on_hand_made_data(services: Services, clock: ManualClock) -> None:
    """March 2026, the clock at the end of the month."""
    day = datetime(2026, 3, 5, 10, tzinfo=clock.now().tzinfo)
    clock.set(datetime(2026, 3, 31, 12, tzinfo=day.tzinfo))
    async with services.db.transaction() as session:
        social, clinic, staff = await _world(session, clock)
        both = await _people(session, clock, [social, clinic], 6, 1000)
        only_social = await _people(session, clock, [social], 2, 1100)
        for person in both[:3]:
            person.created_at = day
        # SIPs: the first five people (two of them only with social services).
        with_sip = [*both[:3], *only_social]
        for person in with_sip:
            session.add(_sip(person, [social, clinic], day))
        # Offered the survey: four of the five, one of them on paper.
        for person, via in zip(with_sip, ["chat", "chat", "paper", "phone", None], strict=True):
            session.add(_offer(person, day, via))
        # GFIs held in March: 3, 5, 7, 10 and 20 days after the request; the 20 is a new time
        # after a no-show, counted from the first request.
        gfi_days = (3, 5, 7, 10)
        for person, days in zip(both, gfi_days, strict=False):
            await _meeting(
                session, clock, person, staff, clinic, requested=day, held_at=day + timedelta(days)
            )
        missed = await _meeting(
            session,
            clock,
            both[4],
            staff,
            clinic,
            requested=day - timedelta(days=2),
            held_at=day + timedelta(days=8),
            status=MeetingStatus.NO_SHOW,
        )
        await _meeting(
            session,
            clock,
            both[4],
            staff,
            clinic,
            requested=day + timedelta(days=9),
            held_at=day + timedelta(days=18),
            previous=missed.id,
        )
        # Referrals in March: two still open after 14 days, one open but recent, two closed.
        for referred, closed in (
            (day, None),
            (day + timedelta(days=1), None),
            (day + timedelta(days=20), None),
            (day, day + timedelta(days=3)),
            (day, day + timedelta(days=9)),
        ):
            meeting = await _meeting(
                session, clock, both[5], staff, clinic, requested=day, held_at=referred
            )
            meeting.type = MeetingType.SIP
            session.add(
                TransitionCheck(
                    meeting_id=meeting.id,
                    individual_id=both[5].id,
                    unit_id=clinic.id,
                    referring_unit_id=social.id,
                    referred_at=referred,
                    ask_at=referred + timedelta(days=14),
                    closed_at=closed,
                    created_at=referred,
                )
            )

    goals = (await _build(services, clock)).goals
    assert (goals.sip_offered.part, goals.sip_offered.whole) == (4, 5)
    assert (goals.both_with_sip.part, goals.both_with_sip.whole) == (3, 6)
    assert goals.gfi_days.shown and goals.gfi_days.n == 5
    assert goals.gfi_days.days == 7.0
    # Eleven meetings with the person took place or were missed in March: one was missed.
    assert (goals.no_shows.part, goals.no_shows.whole) == (1, 11)
    assert (goals.open_transitions.part, goals.open_transitions.whole) == (2, 5)

    report = await _build(services, clock)
    tr = services.tr("en")
    caption = report_formats.caption(report, tr)
    assert "People with a SIP who were offered the survey: 80% (4 of 5 people)" in caption
    assert "Cases with both organisations that have a SIP: 50% (3 of 6 cases)" in caption
    assert "From GFI request to meeting (median): 7 days (5 GFIs)" in caption
    assert "Meetings the person did not come to: 9% (1 of 11 meetings)" in caption
    assert "Referrals still open after 14 days: 40% (2 of 5 referrals)" in caption
    shown = png_text(report_chart.render_png(report, tr))
    assert "The goals' figures" in shown and "4 of 5 people" in shown and "7 days" in shown
    rows = list(csv.reader(io.StringIO(report_formats.csv_bytes(report, tr).decode("utf-8-sig"))))
    header = rows[0]
    goals_rows = [dict(zip(header, line, strict=True)) for line in rows if line[0] == "goal"]
    assert [
        (g["Question"], g["n"], g["Count"], g["Value (percent or days)"]) for g in goals_rows
    ] == [
        ("People with a SIP who were offered the survey", "5", "4", "80.0"),
        ("Cases with both organisations that have a SIP", "6", "3", "50.0"),
        ("From GFI request to meeting (median)", "5", "", "7.0"),
        ("Meetings the person did not come to", "11", "1", "9.1"),
        ("Referrals still open after 14 days", "5", "2", "40.0"),
    ]
    page = report_formats.html_page(report, tr, b"\x89PNG")
    assert "<tr><td>People with a SIP who were offered the survey</td><td>80%</td>" in page


async def test_each_goal_figure_is_hidden_below_the_minimum_group(
    services: Services, clock: ManualClock
) -> None:
    """Four of everything: no share, no count, no median anywhere."""
    day = datetime(2026, 3, 5, 10, tzinfo=clock.now().tzinfo)
    clock.set(datetime(2026, 3, 31, 12, tzinfo=day.tzinfo))
    async with services.db.transaction() as session:
        social, clinic, staff = await _world(session, clock)
        people = await _people(session, clock, [social, clinic], 4, 1000)
        for number, person in enumerate(people):
            person.created_at = day
            session.add(_sip(person, [social, clinic], day))
            session.add(_offer(person, day, "chat"))
            meeting = await _meeting(
                session,
                clock,
                person,
                staff,
                clinic,
                requested=day,
                held_at=day + timedelta(days=number + 1),
                status=MeetingStatus.NO_SHOW if number == 0 else MeetingStatus.HELD,
            )
            meeting.type = MeetingType.GFI
            session.add(
                TransitionCheck(
                    meeting_id=meeting.id,
                    individual_id=person.id,
                    unit_id=clinic.id,
                    referring_unit_id=social.id,
                    referred_at=day,
                    ask_at=day + timedelta(days=14),
                    created_at=day,
                )
            )
    report = await _build(services, clock)
    goals = report.goals
    for share in (goals.sip_offered, goals.both_with_sip, goals.no_shows, goals.open_transitions):
        assert (share.shown, share.part, share.whole, share.rate) == (False, 0, 0, None)
    assert (goals.gfi_days.shown, goals.gfi_days.days, goals.gfi_days.n) == (False, None, 0)

    tr = services.tr("en")
    lines = report_formats.caption(report, tr).splitlines()
    goal_lines = lines[lines.index("The goals' figures") + 1 :]
    assert goal_lines and all(line.endswith(": too few to show") for line in goal_lines)
    shown = png_text(report_chart.render_png(report, tr))
    assert " of " not in shown and "GFIs" not in shown and "%" not in shown
    rows = list(csv.reader(io.StringIO(report_formats.csv_bytes(report, tr).decode("utf-8-sig"))))
    for line in (line for line in rows if line[0] == "goal"):
        assert line[3:-1] == [""] * 17 and line[-1] == "too few to show"
    page = report_formats.html_page(report, tr, b"\x89PNG")
    assert "4 of 4" not in page and "1 of 4" not in page
