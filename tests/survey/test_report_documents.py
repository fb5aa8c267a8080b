"""The report as files people open: a CSV that Swedish Excel reads as it is, an Excel workbook
with numbers as numbers, a chart whose thin months are gaps marked as such, and a command
line that says in one line what to write instead."""

from __future__ import annotations

import csv
import io
import math
import warnings
from pathlib import Path
from typing import cast

import pytest
from openpyxl import load_workbook

from bot.chat.turn import Services
from bot.cli import main as cli
from bot.models.survey import InvitationStatus
from bot.platform.clock import ManualClock
from bot.platform.config import Settings
from bot.survey import report as reports
from bot.survey import report_chart, report_formats, report_texts, report_xlsx
from tests.survey.support import png_text
from tests.survey.test_reports import (
    MARCH,
    build,
    five_answers_for_the_command_line,
    given,
    invitation,
    response,
    two_units,
)

BOM = b"\xef\xbb\xbf"


async def thin_february(services: Services, clock: ManualClock) -> reports.Report:
    """Six answers in January, none in February (left out), six in March; all offered."""
    now = clock.now()
    async with services.db.transaction() as session:
        unit, _other = await two_units(session, clock)
        for month, steps in (
            ("2026-01", (5, 4, 5, 2, 4, 3)),
            (MARCH, (4, 4, 5, 5, 1, 4)),
        ):
            for step in steps:
                session.add(response([unit], given(step), month=month))
                session.add(invitation([unit], InvitationStatus.EXPIRED, month=month, now=now))
    query = reports.ReportQuery("2026-01", MARCH, frozenset({unit.id}))
    return await build(services, query)


async def test_csv_for_swedish_excel_and_for_english(
    services: Services, clock: ManualClock
) -> None:
    report = await thin_february(services, clock)

    swedish = report_formats.csv_bytes(report, services.tr("sv"))
    assert swedish.startswith(BOM)
    rows = list(csv.reader(io.StringIO(swedish[len(BOM) :].decode("utf-8")), delimiter=";"))
    assert rows[0][:4] == ["Del", "Månad", "Fråga", "n"]
    assert all(len(row) == len(rows[0]) for row in rows)
    january = next(row for row in rows if row[:2] == ["månad", "2026-01"])
    named = dict(zip(rows[0], january, strict=True))
    assert named["n"] == "6" and named["Andel erbjudna (%)"] == "100,0"
    assert named["Svarade 4 eller 5 (%)"] == "66,7"
    february = next(row for row in rows if row[:2] == ["månad", "2026-02"])
    assert february[2:-1] == [""] * 18 and february[-1] == "För få svar för att visa"

    english = report_formats.csv_bytes(report, services.tr("en"))
    assert english.startswith(BOM)
    rows = list(csv.reader(io.StringIO(english.decode("utf-8-sig"))))
    january = next(row for row in rows if row[:2] == ["month", "2026-01"])
    assert dict(zip(rows[0], january, strict=True))["Answered 4 or 5 (%)"] == "66.7"


async def test_the_workbook_has_a_sheet_per_table_with_numbers_as_numbers(
    services: Services, clock: ManualClock
) -> None:
    report = await thin_february(services, clock)
    book = load_workbook(io.BytesIO(report_xlsx.xlsx_bytes(report, services.tr("sv"))))

    assert book.sheetnames == [
        "Sammanfattning",
        "Per fråga",
        "Månad för månad",
        "Vem som svarade",
        "Målens siffror",
    ]
    summary = [row for row in book["Sammanfattning"].iter_rows(values_only=True) if any(row)]
    assert summary[0] == ("Delaktighet efter gemensamma möten", None, None)
    assert ("Svar", 12, None) in summary
    offered = next(row for row in summary if row[0] == "Erbjudna")
    assert offered[1] == 12 and offered[2] == pytest.approx(1.0)

    months = book["Månad för månad"]
    rows = list(months.iter_rows(values_only=True))
    assert rows[0][:2] == ("Månad", "n")
    assert rows[1][:4] == ("januari 2026", 6, 6, 0)
    assert rows[1][6] == pytest.approx(0.666667, abs=1e-5)
    assert months.cell(row=2, column=7).number_format == "0.0%"
    assert rows[2][:2] == ("februari 2026", "För få svar för att visa")
    assert all(cell is None for cell in rows[2][2:])
    assert rows[3][:2] == ("mars 2026", 6)

    questions = list(book["Per fråga"].iter_rows(values_only=True))
    first = questions[1]
    assert isinstance(first[1], int) and sum(first[2:7]) == pytest.approx(1.0)
    assert not book["Sammanfattning"].sheet_view.rightToLeft


async def test_a_thin_month_is_a_marked_gap_in_the_trend(
    services: Services, clock: ManualClock
) -> None:
    report = await thin_february(services, clock)
    tr = services.tr("sv")
    figure = report_chart.draw(report, tr)

    [trend] = [a for a in figure.get_axes() if a.get_title(loc="left") == "Månad för månad"]
    lines = trend.get_lines()
    assert len(lines) == 3
    for line in lines:
        values = [float(v) for v in cast(list[float], line.get_ydata())]
        assert not math.isnan(values[0]) and not math.isnan(values[2])
        assert math.isnan(values[1])  # no point, so no segment from January to March
    marks = [t for t in trend.texts if t.get_text() == "för få svar"]
    assert [t.get_position()[0] for t in marks] == [1]
    assert "för få svar" in png_text(report_chart.render_png(report, tr))


async def test_an_arabic_chart_has_a_font_for_its_letters(
    services: Services, clock: ManualClock
) -> None:
    """matplotlib's own font has no Arabic letters: they would be drawn as empty boxes."""
    report = await thin_february(services, clock)
    tr = services.tr("ar")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
        png = report_chart.render_png(report, tr)
    assert tr.gettext(report_texts.TITLE) in png_text(png)


@pytest.fixture
def command_line(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ManualClock:
    """The command line against a database with five answers in March 2026."""
    return five_answers_for_the_command_line(settings, tmp_path, monkeypatch)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_command_line_refuses_what_it_would_have_to_guess(
    command_line: ManualClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    march = ["report", "--from", "2026-03", "--to", "2026-03", "--format", "csv"]

    assert cli.main([*march, "--output", "reports/march.csv"]) == 2
    assert one_line(capsys) == (
        "samordna: --output reports/march.csv: the folder reports does not exist; "
        "create it first or choose another place"
    )
    assert not (tmp_path / "reports").exists()
    assert cli.main([*march, "--output", str(tmp_path)]) == 2
    assert "that is a folder" in one_line(capsys)

    mid = ["report", "--from", "2026-01-15", "--to", "2026-03", "--format", "csv"]
    assert cli.main(mid) == 2
    assert one_line(capsys) == (
        "samordna: --from 2026-01-15: the report counts whole months, so a day can only be "
        "the first of its month; write --from 2026-01 for all of it"
    )
    assert cli.main(["report", "--from", "2026-01", "--to", "2026-03-15", "--format", "csv"]) == 2
    assert "the last of its month; write --to 2026-03" in one_line(capsys)
    assert cli.main(["report", "--from", "2026-13", "--to", "2026-03", "--format", "csv"]) == 2
    assert one_line(capsys) == "samordna: --from 2026-13: not a month; write it like --from 2026-03"

    # Whole months are fine in either form; February's last day is the 28th in 2026.
    whole = ["--from", "2026-02-01", "--to", "2026-03-31", "--format", "csv", "--output", "a.csv"]
    assert cli.main(["report", *whole]) == 0
    assert cli.main(["report", "--from", "2026-02", "--to", "2026-02-28", "--format", "csv"]) == 0
    assert cli.main(["report", "--from", "2026-02", "--to", "2026-02-27", "--format", "csv"]) == 2


def test_command_line_writes_the_workbook(command_line: ManualClock, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    args = ["report", "--from", "2026-03", "--to", "2026-03", "--format", "xlsx"]
    assert cli.main([*args, "--language", "en", "--output", "out/march.xlsx"]) == 0
    book = load_workbook(tmp_path / "out" / "march.xlsx")
    assert book.sheetnames[0] == "Summary"
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert ("Answers", 5, None) in summary
