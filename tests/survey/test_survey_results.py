"""/results over the Bot API test double, and the same numbers from ``samordna report``."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.models import Role
from tests import factories
from tests.conftest import RunningBot
from tests.survey.support import HOUR, Team, answer, held, person, png_text, send_due, team

# Twelve people answer every question with the same step; the last skips the final question.
STEPS = [5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 3, 1]
FIRST = "I could decide what we talked about"
LAST = "I believe this will help me"
TOO_FEW = "There are too few answers yet to show results: at least 5 are needed."


async def answered_meetings(bot: RunningBot, units: Team, first_id: int, steps: list[int]) -> None:
    services, double, clock = bot.services, bot.double, bot.clock
    for offset, _step in enumerate(steps):
        individual = await person(services, clock, first_id + offset, [units.unit])
        await held(services, clock, units, individual, units=[units.unit])
    clock.advance(HOUR)
    await send_due(services, double)
    for offset, step in enumerate(steps):
        chat = double.user(first_id + offset)
        await chat.wait_for_messages(1, since=0)
        last = 0 if offset == len(steps) - 1 else step
        await answer(chat, [step] * 6 + [last])


def report_csv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bot: RunningBot, unit: str
) -> list[list[str]]:
    settings = bot.services.settings
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAMORDNA_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("SAMORDNA_KEY_FILE", str(settings.resolved_key_file))
    monkeypatch.setenv("SAMORDNA_DATA_DIR", str(settings.data_dir))
    output = tmp_path / "report.csv"
    wanted = ["--unit", unit, "--format", "csv", "--language", "en", "--output", str(output)]
    code = cli.main(["report", "--from", "2026-03", "--to", "2026-03", *wanted])
    assert code == 0
    return list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))


def row(rows: list[list[str]], section: str, question: str = "") -> dict[str, str]:
    header = rows[0]
    for line in rows[1:]:
        if line[0] == section and line[2] == question:
            return dict(zip(header, line, strict=True))
    raise AssertionError(f"no {section} row {question!r}")


async def test_twelve_answered_meetings_give_a_chart_with_n_and_both_rates(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    units = await team(running_bot.services, running_bot.clock)
    await answered_meetings(running_bot, units, 3000, STEPS)
    staff = running_bot.double.user(2001, language_code="en")

    reply = await staff.say("/results")
    assert reply.kind == "photo"
    assert reply.photo is not None
    double = running_bot.double
    await double.wait_until(lambda: len(double.calls_of("sendPhoto")) == 1, what="a sendPhoto")
    assert "Answers: n = 12" in reply.text
    assert "Offered the survey: 100% (12 of 12 meetings)" in reply.text
    assert "Response rate: 100% (12 of 12 offered)" in reply.text
    assert "Meetings declined in consent: 0" in reply.text

    shown = png_text(reply.photo)
    assert "Participation after shared meetings" in shown
    assert "n = 12" in shown
    assert "n = 11" in shown and "Rather not answer: 1" in shown
    assert shown.count("100%") >= 2  # offered and response rate
    assert "12 of 12 meetings" in shown and "12 of 12 offered" in shown
    assert FIRST in shown and "50%" in shown and "25%" in shown

    rows = await asyncio.to_thread(report_csv, monkeypatch, tmp_path, running_bot, units.unit.name)
    total = row(rows, "total")
    assert total["n"] == "12"
    assert total["Offered"] == "12" and total["Offered rate (%)"] == "100.0"
    assert total["Responses"] == "12" and total["Response rate (%)"] == "100.0"
    assert total["Declined in consent"] == "0"
    first = row(rows, "question", FIRST)
    assert first["n"] == "12"
    assert [first[f"{step} (%)"] for step in range(1, 6)] == ["8.3", "0.0", "16.7", "25.0", "50.0"]
    last = row(rows, "question", LAST)
    assert last["n"] == "11" and last["Rather not answer"] == "1"
    assert row(rows, "month")["n"] == "12"


async def test_a_group_of_three_answers_is_suppressed_everywhere(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    services, clock = running_bot.services, running_bot.clock
    units = await team(services, clock)
    await answered_meetings(running_bot, units, 3000, [5, 4, 2])
    staff = running_bot.double.user(2001, language_code="en")

    reply = await staff.say("/results")
    assert reply.kind == "photo" and reply.photo is not None
    assert reply.text.splitlines()[3] == TOO_FEW
    assert "n = 3" not in reply.text and "3 of 3" not in reply.text
    shown = png_text(reply.photo)
    assert TOO_FEW in shown
    assert FIRST not in shown
    assert "Rather not answer" not in shown
    assert "n =" not in shown and "%" not in shown

    rows = await asyncio.to_thread(report_csv, monkeypatch, tmp_path, running_bot, units.unit.name)
    assert row(rows, "total")["Note"] == "Too few answers to show"
    assert row(rows, "total")["n"] == "" and row(rows, "total")["Responses"] == ""
    first = row(rows, "question", FIRST)
    assert first["n"] == "" and first["Note"] == "Too few answers to show"
    assert all(first[f"{step} (%)"] == "" for step in range(1, 6))
    assert not any(line[0] == "answered by" for line in rows)
    assert row(rows, "month")["n"] == "" and row(rows, "month")["Response rate (%)"] == ""


async def test_one_meeting_with_one_answer_tells_nobody_who_answered(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What staff saw before: "n = 1", "Response rate 100% (1 of 1 offered)" and a month
    point with n = 1. Now only that there are too few answers yet."""
    services, clock = running_bot.services, running_bot.clock
    units = await team(services, clock)
    await answered_meetings(running_bot, units, 3000, [4])
    staff = running_bot.double.user(2001, language_code="en")

    reply = await staff.say("/results")
    assert reply.photo is not None
    assert reply.text.splitlines()[2:4] == ["", TOO_FEW]
    shown = png_text(reply.photo)
    assert TOO_FEW in shown
    assert "n = 1" not in shown and "1 of 1" not in shown and "100%" not in shown

    rows = await asyncio.to_thread(report_csv, monkeypatch, tmp_path, running_bot, units.unit.name)
    assert [cell for line in rows[1:] for cell in line[3:-1] if cell] == []


async def test_results_are_only_for_staff_and_only_their_units(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    await person(services, clock, 1001, [units.unit])
    refused = await double.user(1001).say("/results")
    assert refused.text == "Survey results are only for staff."
    stranger = await double.user(1009).say("/results")
    assert stranger.text == "Survey results are only for staff."

    async with services.db.transaction() as session:
        await factories.staff(
            session, clock, 2002, {units.unit: Role.STAFF, units.other: Role.STAFF}, language="en"
        )
    both = double.user(2002, language_code="en")
    menu = await both.say("/results")
    assert menu.text.startswith("Which unit's results do you want to see?")
    assert menu.button_texts == [units.other.name, units.unit.name, "All my units"]
    await both.click(units.other.name)
    picture = both.last
    assert picture is not None and picture.kind == "photo"
    assert units.other.name in picture.text
    assert picture.text.splitlines()[3] == TOO_FEW and "n = 0" not in picture.text
