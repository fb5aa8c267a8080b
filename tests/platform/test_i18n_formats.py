"""Dates, counts and lists of unit names read the same on every screen, in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.platform.i18n import translator

THURSDAY = dt.datetime(2027, 5, 27, 12, 0, tzinfo=dt.UTC)  # 14:00 in Stockholm


@pytest.mark.parametrize(
    ("language", "day", "weekday", "meeting", "button", "with_year"),
    [
        (
            "sv",
            "27 maj 2027",
            "torsdag 27 maj",
            "torsdag 27 maj 14:00",
            "tors 27 maj 14:00",
            "27 maj 2027 14:00",
        ),
        (
            "en",
            "27 May 2027",
            "Thursday 27 May",
            "Thursday 27 May 14:00",
            "Thu 27 May 14:00",
            "27 May 2027 14:00",
        ),
    ],
)
def test_named_date_formats(
    language: str, day: str, weekday: str, meeting: str, button: str, with_year: str
) -> None:
    tr = translator(language)
    assert tr.date(THURSDAY) == day
    assert tr.date(THURSDAY.date()) == day
    assert tr.weekday(THURSDAY) == weekday
    assert tr.datetime(THURSDAY) == meeting
    assert tr.short_datetime(THURSDAY) == button
    assert tr.date_time(THURSDAY) == with_year


def test_a_day_late_in_the_evening_is_the_local_day() -> None:
    late = dt.datetime(2027, 5, 27, 22, 30, tzinfo=dt.UTC)  # 00:30 on the 28th in Stockholm
    assert translator("sv").date(late) == "28 maj 2027"


@pytest.mark.parametrize(
    ("language", "one", "two", "fraction"),
    [("sv", "1 dag", "2 dagar", "4,5 dagar"), ("en", "1 day", "2 days", "4.5 days")],
)
def test_counted_picks_the_plural_form(language: str, one: str, two: str, fraction: str) -> None:
    tr = translator(language)
    assert tr.counted("{days} day", "{days} days", 1, days=1) == one
    assert tr.counted("{days} day", "{days} days", 2, days=2) == two
    assert tr.counted("{days} day", "{days} days", 4.5, days=fraction.split()[0]) == fraction


def test_counted_plural_forms_from_the_catalog() -> None:
    from bot.survey.report_texts import OTHER_VERSIONS

    sv = translator("sv")
    assert sv.counted_marked(OTHER_VERSIONS, 1).startswith("1 svar ")
    assert sv.counted_marked(OTHER_VERSIONS, 1).endswith("är inte medräknat.")
    assert sv.counted_marked(OTHER_VERSIONS, 4).endswith("är inte medräknade.")
    en = translator("en")
    assert en.counted_marked(OTHER_VERSIONS, 1).startswith("1 answer to ")
    assert en.counted_marked(OTHER_VERSIONS, 4).startswith("4 answers to ")


def test_unit_names_are_joined_in_the_readers_language() -> None:
    assert translator("sv").join(["Socialtjänsten", "Vårdcentralen", "Frivården"]) == (
        "Socialtjänsten, Vårdcentralen och Frivården"
    )
    assert translator("en").join(["Social services", "Primary care"]) == (
        "Social services and Primary care"
    )
    assert translator("sv").join(["Socialtjänsten"]) == "Socialtjänsten"


def test_a_unit_name_with_a_comma_cannot_be_read_as_two_units() -> None:
    names = ["Vuxenpsykiatri, öppenvård Norr", "Socialtjänsten", "Frivården"]
    joined = translator("sv").join(names)
    assert joined == "Vuxenpsykiatri, öppenvård Norr och Socialtjänsten och Frivården"
    # Between two units there is always "och", never a bare comma.
    assert joined.count(",") == 1


@pytest.mark.parametrize(
    ("language", "one", "ninety"),
    [
        ("sv", "När: 10:00, 1 minut", "När: 10:00, 90 minuter"),
        ("en", "When: 10:00, 1 minute", "When: 10:00, 90 minutes"),
    ],
)
def test_a_queued_count_is_written_in_the_readers_plural_form(
    language: str, one: str, ninety: str
) -> None:
    """A message queued today is written when sent, in the reader's language and form."""
    from bot.outbox import queue as outbox
    from flows import texts

    tr = translator(language)
    line = "When: {when}, {minutes}"
    for minutes, expected in ((1, one), (90, ninety)):
        params = {"when": "10:00", "minutes": outbox.count_param(texts.MINUTES, minutes)}
        assert outbox.render(tr, line, params) == expected


def test_no_screen_brings_its_own_date_format() -> None:
    """Dates reach people only through the Translator's named formats, so a new screen
    cannot bring back "2027-05-27" or a format of its own."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    own_format = re.compile(r"\.(date|datetime|time)\([^()]*(\([^()]*\))?[^()]*,\s*['\"]")
    found = []
    for folder in ("bot", "flows", "handlers"):
        for path in sorted((root / folder).rglob("*.py")):
            if path.name == "i18n.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if own_format.search(line) or (".strftime(" in line and "cli" not in path.parts):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    allowed = {"bot/survey/invite.py"}  # a month key for grouping, never shown
    assert [f for f in found if f.split(":")[0] not in allowed] == []
