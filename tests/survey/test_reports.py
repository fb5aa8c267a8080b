"""Survey results in aggregate: shares, small groups left out, honest rates, and the formats."""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.turn import Services
from bot.cli import main as cli
from bot.models import Unit
from bot.models.survey import InvitationStatus, SurveyInvitation, SurveyResponse
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from bot.runner import open_services
from bot.survey import report as reports
from bot.survey import report_chart, report_formats
from tests import factories
from tests.survey.support import png_text

CODES = (
    "decide_topics",
    "decide_people",
    "listened",
    "understood",
    "clear_roles",
    "contact",
    "helpful",
)
MARCH = "2026-03"


def given(step: int | None, **other: int | None) -> dict[str, int | None]:
    return {code: other.get(code, step) for code in CODES}


def response(
    units: list[Unit],
    answers: dict[str, int | None],
    *,
    month: str = MARCH,
    kind: str = "gfi",
    version: int = 1,
    comment: str | None = None,
    by: str | None = "self",
) -> SurveyResponse:
    return SurveyResponse(
        id=secrets.token_hex(16),
        survey_version=version,
        meeting_type=kind,
        unit_ids=sorted(u.id for u in units),
        month=month,
        answers=answers,
        answered_by=by,
        comment=comment,
    )


def invitation(
    units: list[Unit],
    status: InvitationStatus,
    *,
    month: str = MARCH,
    kind: str = "gfi",
    offered: bool = True,
    due_in: timedelta = timedelta(hours=-1),
    now: datetime,
) -> SurveyInvitation:
    return SurveyInvitation(
        status=status,
        meeting_type=kind,
        unit_ids=sorted(u.id for u in units),
        meeting_at=now,
        month=month,
        survey_version=1,
        due_at=now + due_in,
        expires_at=now + timedelta(days=14),
        offered_at=now if offered else None,
        recorded_at=now,
        updated_at=now,
    )


async def two_units(session: AsyncSession, clock: ManualClock) -> tuple[Unit, Unit]:
    return (
        await factories.unit(session, clock, "Socialtjänst Innerstaden, vuxen/missbruk"),
        await factories.unit(session, clock, "Beroendemottagning Rådmannen"),
    )


async def build(services: Services, query: reports.ReportQuery) -> reports.Report:
    async with services.db.transaction() as session:
        return await reports.build(session, services.settings, services.clock, query)


def test_months_are_whole_calendar_months() -> None:
    assert reports.months_between("2025-11", "2026-02") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    moment = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)  # already March in Stockholm
    assert reports.last_months(moment, ZoneInfo("Europe/Stockholm"), 12) == ("2025-04", "2026-03")


def test_the_minimum_group_can_never_be_set_below_three() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, survey_min_group_size=2)
    assert Settings(_env_file=None).survey_min_group_size == 5


async def test_shares_per_question_with_skips_and_a_thin_question_left_out(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        unit, _other = await two_units(session, clock)
        steps = [5, 5, 4, 3, 1, 5]
        for index, step in enumerate(steps):
            listened = step if index < 4 else None  # only four answered this one
            session.add(response([unit], given(step, listened=listened)))
    report = await build(services, reports.ReportQuery(MARCH, MARCH, frozenset({unit.id})))
    assert not report.suppressed and report.answers == 6
    first = report.questions[0]
    assert first.code == "decide_topics" and first.shown
    assert first.counts == (1, 0, 1, 1, 3) and first.n == 6 and first.skipped == 0
    assert first.shares[4] == pytest.approx(0.5)
    thin = next(q for q in report.questions if q.code == "listened")
    assert not thin.shown and thin.counts == (0, 0, 0, 0, 0)


async def test_a_small_group_keeps_nothing_of_its_answers(
    services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as session:
        unit, other = await two_units(session, clock)
        for step in (5, 1, 3):
            session.add(response([other], given(step), comment="Rätt bra"))
        for step in (5, 5, 5, 5, 5):
            session.add(response([unit], given(step), comment="Bra <b>möte</b>"))
    small = await build(services, reports.ReportQuery(MARCH, MARCH, frozenset({other.id})))
    assert small.suppressed and small.answers == 0 and small.rates == reports.Rates()
    assert all(not q.shown and q.n == 0 for q in small.questions)
    assert small.comments == () and small.answered_by == {}
    assert small.months[0] == reports.MonthResult(MARCH, reports.Rates(), 0, None, shown=False)

    large = await build(services, reports.ReportQuery(MARCH, MARCH, frozenset({unit.id})))
    assert large.comments == ("Bra <b>möte</b>",) * 5
    tr = services.tr("en")
    page = report_formats.html_page(large, tr, b"\x89PNG")
    assert "Bra &lt;b&gt;möte&lt;/b&gt;" in page and "<b>möte</b>" not in page
    small_page = report_formats.html_page(small, tr, b"\x89PNG")
    assert "Rätt bra" not in small_page
    assert "There are too few answers yet to show results: at least 5 are needed." in small_page
    assert "<td>3</td>" not in small_page and "n = 3" not in small_page


async def test_a_stricter_minimum_from_the_settings(services: Services, clock: ManualClock) -> None:
    strict = services.settings.model_copy(update={"survey_min_group_size": 8})
    async with services.db.transaction() as session:
        unit, _other = await two_units(session, clock)
        for _ in range(6):
            session.add(response([unit], given(4)))
    async with services.db.transaction() as session:
        report = await reports.build(
            session, strict, clock, reports.ReportQuery(MARCH, MARCH, frozenset({unit.id}))
        )
    assert report.suppressed and report.min_group == 8


async def test_versions_are_never_counted_together(services: Services, clock: ManualClock) -> None:
    async with services.db.transaction() as session:
        unit, _other = await two_units(session, clock)
        for _ in range(5):
            session.add(response([unit], given(5)))
        for _ in range(5):
            session.add(response([unit], {"old_question": 1}, version=99))
    report = await build(services, reports.ReportQuery(MARCH, MARCH, frozenset({unit.id})))
    assert report.answers == 5 and report.other_versions == 5
    assert report.questions[0].counts == (0, 0, 0, 0, 5)
    assert report.rates.responses == 10
    lines = report_formats.caption(report, services.tr("en"))
    assert "5 answers to an earlier version of the questions are not included." in lines


async def test_offered_rate_leaves_out_declined_and_not_yet_due(
    services: Services, clock: ManualClock
) -> None:
    now = clock.now()
    async with services.db.transaction() as session:
        unit, other = await two_units(session, clock)
        for _ in range(6):
            session.add(invitation([unit], InvitationStatus.EXPIRED, now=now))
        session.add(invitation([unit], InvitationStatus.DECLINED, offered=False, now=now))
        session.add(
            invitation(
                [unit],
                InvitationStatus.QUEUED,
                offered=False,
                due_in=timedelta(hours=1),
                now=now,
            )
        )
        session.add(invitation([unit], InvitationStatus.UNREACHABLE, offered=False, now=now))
        session.add(invitation([unit], InvitationStatus.CANCELLED, offered=False, now=now))
        session.add(invitation([other], InvitationStatus.EXPIRED, now=now))
        session.add(invitation([unit], InvitationStatus.EXPIRED, kind="sip", now=now))
        for _ in range(5):
            session.add(response([unit], given(4)))
    gfi = await build(
        services, reports.ReportQuery(MARCH, MARCH, frozenset({unit.id}), meeting_type="gfi")
    )
    rates = gfi.rates
    assert (rates.meetings, rates.declined, rates.waiting, rates.offered) == (9, 1, 1, 6)
    assert rates.offerable == 7
    assert rates.offered_rate == pytest.approx(6 / 7)
    assert rates.response_rate == pytest.approx(5 / 6)
    everything = await build(services, reports.ReportQuery(MARCH, MARCH))
    assert everything.rates.meetings == 11 and everything.unit_names == ()


async def test_month_by_month(services: Services, clock: ManualClock) -> None:
    async with services.db.transaction() as session:
        unit, _other = await two_units(session, clock)
        for step in (5, 4, 5, 2, 4):
            session.add(response([unit], given(step), month="2026-01"))
        for step in (5, 5, 5, 5, 1):
            session.add(response([unit], given(step), month="2026-03"))
    report = await build(services, reports.ReportQuery("2026-01", "2026-03", frozenset({unit.id})))
    assert [(m.month, m.answers, m.shown) for m in report.months] == [
        ("2026-01", 5, True),
        ("2026-02", 0, False),
        ("2026-03", 5, True),
    ]
    assert report.months[0].positive == pytest.approx(0.8)
    assert report.months[1] == reports.MonthResult("2026-02", reports.Rates(), 0, None, False)

    async with services.db.transaction() as session:
        session.add(response([unit], given(5), month="2026-02"))
    report = await build(services, reports.ReportQuery("2026-01", "2026-03", frozenset({unit.id})))
    # One answer is never shown on its own, and January goes too: the total would tell.
    assert [(m.month, m.shown) for m in report.months] == [
        ("2026-01", False),
        ("2026-02", False),
        ("2026-03", True),
    ]


async def test_chart_csv_and_caption_say_the_same(services: Services, clock: ManualClock) -> None:
    now = clock.now()
    async with services.db.transaction() as session:
        unit, _other = await two_units(session, clock)
        for step in (5, 5, 4, 4, 4, 1):
            session.add(response([unit], given(step), by="helped" if step == 1 else "self"))
            session.add(invitation([unit], InvitationStatus.EXPIRED, now=now))
        session.add(invitation([unit], InvitationStatus.DECLINED, offered=False, now=now))
    report = await build(services, reports.ReportQuery(MARCH, MARCH, frozenset({unit.id})))
    tr = services.tr("sv")
    shown = png_text(report_chart.render_png(report, tr))
    assert "Delaktighet efter gemensamma möten" in shown
    assert "n = 6" in shown and "100 %" in shown and "6 av 6 möten" in shown
    assert "Möten där enkäten avböjts i samtycket: 1" in shown
    assert "Jag kunde bestämma vad vi pratade om" in shown and "50 %" in shown
    assert "1 – inte alls" in shown and "5 – ja, helt" in shown

    swedish = report_formats.csv_bytes(report, tr).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(swedish), delimiter=";"))
    header, total = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:4] == ["Del", "Månad", "Fråga", "n"]
    assert total["n"] == "6" and total["Andel erbjudna (%)"] == "100,0"
    assert total["Avböjt i samtycket"] == "1"
    by = [line for line in rows if line[0] == "vem som svarade"]
    assert sorted((line[2], line[3]) for line in by) == [
        ("Jag svarar själv", "5"),
        ("Någon som står mig nära hjälper mig", "1"),
    ]
    caption = report_formats.caption(report, tr)
    assert "Svar: n = 6" in caption and "Enkäten erbjuden: 100\xa0%" in caption


def five_answers_for_the_command_line(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    comment: str | None = None,
) -> ManualClock:
    """A database with five answers in March 2026, and the command line run from ``tmp_path``
    against it."""
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    services = open_services(settings, clock)

    async def seed() -> None:
        async with services.db.transaction() as session:
            unit, _other = await two_units(session, clock)
            for step in (5, 4, 3, 5, 5):
                session.add(response([unit], given(step), comment=comment))
                session.add(invitation([unit], InvitationStatus.EXPIRED, now=clock.now()))
        await services.db.dispose()

    asyncio.run(seed())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAMORDNA_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("SAMORDNA_KEY_FILE", str(settings.resolved_key_file))
    monkeypatch.setenv("SAMORDNA_DATA_DIR", str(settings.data_dir))
    return clock


def test_command_line_report(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    five_answers_for_the_command_line(settings, tmp_path, monkeypatch, comment="Tydligare kallelse")
    base = ["report", "--from", "2026-03-01", "--to", "2026-03-31"]
    unit = ["--unit", "Socialtjänst Innerstaden, vuxen/missbruk"]

    assert cli.main([*base, *unit, "--format", "png", "--output", "chart.png"]) == 0
    assert "n = 5" in png_text((tmp_path / "chart.png").read_bytes())
    assert cli.main([*base, "--format", "html", "--language", "en", "--output", "r.html"]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "data:image/png;base64," in page
    assert "Tydligare kallelse" in page
    assert cli.main([*base, "--meeting-type", "sip", "--format", "csv", "--output", "s.csv"]) == 0
    sip_text = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    sip = list(csv.reader(io.StringIO(sip_text), delimiter=";"))
    assert sip[1][3] == "" and sip[1][-1] == "För få svar för att visa"  # no count, not even 0

    assert cli.main([*base, "--unit", "Nowhere", "--format", "csv"]) == 2
    assert cli.main(["report", "--from", "2026-04", "--to", "2026-03", "--format", "csv"]) == 2
    assert cli.main(["report", "--from", "March", "--to", "2026-03", "--format", "csv"]) == 2


async def test_a_month_with_too_few_answers_shows_no_figure_in_any_format(
    services: Services, clock: ManualClock
) -> None:
    """Six answers in January, one in February, five in March. February shows nothing, and
    neither does March: otherwise the total minus January and March would give February's one
    answer away."""
    now = clock.now()
    async with services.db.transaction() as session:
        unit, _other = await two_units(session, clock)
        for month, steps in (("2026-01", (5, 4, 5, 2, 4, 3)), ("2026-02", (5,)), (MARCH, (4,) * 5)):
            for step in steps:
                session.add(response([unit], given(step), month=month))
                session.add(invitation([unit], InvitationStatus.EXPIRED, month=month, now=now))
    report = await build(services, reports.ReportQuery("2026-01", MARCH, frozenset({unit.id})))
    assert [(m.month, m.answers, m.shown) for m in report.months] == [
        ("2026-01", 6, True),
        ("2026-02", 0, False),
        (MARCH, 0, False),
    ]
    tr = services.tr("en")

    shown = png_text(report_chart.render_png(report, tr))
    assert "n = 12" in shown and "n = 6" in shown
    assert "n = 1" not in shown.replace("n = 12", "") and "n = 5" not in shown
    rows = list(csv.reader(io.StringIO(report_formats.csv_bytes(report, tr).decode("utf-8-sig"))))
    for month in ("2026-02", MARCH):
        line = next(line for line in rows if line[:2] == ["month", month])
        assert line[2:-1] == [""] * 18 and line[-1] == "Too few answers to show"
    page = report_formats.html_page(report, tr, b"\x89PNG")
    assert "<tr><td>February 2026</td><td>Too few answers to show</td></tr>" in page
    assert "<tr><td>March 2026</td><td>Too few answers to show</td></tr>" in page


async def test_one_answer_says_only_that_there_are_too_few_yet(
    services: Services, clock: ManualClock
) -> None:
    """One meeting, one answer: no n, no rate, no "1 of 1", no month point, anywhere."""
    async with services.db.transaction() as session:
        unit, _other = await two_units(session, clock)
        session.add(response([unit], given(5)))
        session.add(invitation([unit], InvitationStatus.EXPIRED, now=clock.now()))
    report = await build(services, reports.ReportQuery(MARCH, MARCH, frozenset({unit.id})))
    tr = services.tr("en")
    too_few = "There are too few answers yet to show results: at least 5 are needed."

    caption = report_formats.caption(report, tr)
    assert caption.splitlines()[3] == too_few
    assert caption.splitlines()[5:] == [
        "The goals' figures",
        "People with a SIP who were offered the survey: too few to show",
        "Cases with both organisations that have a SIP: too few to show",
        "From GFI request to meeting (median): too few to show",
        "Meetings the person did not come to: too few to show",
        "Referrals still open after 14 days: too few to show",
    ]
    shown = png_text(report_chart.render_png(report, tr))
    assert too_few in shown
    assert "n =" not in shown and "%" not in shown and "1 of 1" not in shown
    rows = list(csv.reader(io.StringIO(report_formats.csv_bytes(report, tr).decode("utf-8-sig"))))
    figures = [cell for line in rows[1:] for cell in line[3:-1] if cell]
    assert figures == []
    page = report_formats.html_page(report, tr, b"\x89PNG")
    assert too_few in page
    body = page[page.index("<body>") :]
    assert "n = " not in body and "1 of 1" not in body and "100" not in body
