"""A unit whose name has a comma in it is still read as one unit where the person agrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.platform.i18n import translator
from flows import consent


@dataclass
class _Unit:
    id: int
    name: str
    phone: str | None


UNITS = [
    _Unit(1, "Vuxenpsykiatri, öppenvård Norr", "040-10 00 00"),
    _Unit(2, "Socialtjänsten", "040-20 00 00"),
]


def test_the_consent_summary_names_a_unit_with_a_comma_as_one_unit() -> None:
    draft = consent.Draft(
        stage=consent.Stage.SUMMARY, reminders=True, sharing=True, survey=False, months=6
    )
    page = consent.summary(draft, translator("sv"), UNITS, today=date(2027, 5, 27), call_line="")
    lines = page.text.splitlines()
    assert "Vilka: Vuxenpsykiatri, öppenvård Norr och Socialtjänsten" in lines
    assert (
        "✓ Dela dina svar inför möten med Vuxenpsykiatri, öppenvård Norr och Socialtjänsten: ja"
        in lines
    )
    assert "Till och med: 27 november 2027" in lines


def test_without_a_comma_the_names_read_as_a_plain_list() -> None:
    units = [
        _Unit(1, "Frivården", None),
        _Unit(2, "Socialtjänsten", None),
        _Unit(3, "Vårdcentralen Norr", None),
    ]
    draft = consent.Draft(
        stage=consent.Stage.SUMMARY, reminders=True, sharing=False, survey=False, months=3
    )
    page = consent.summary(draft, translator("sv"), units, today=date(2027, 5, 27), call_line="")
    assert "Vilka: Frivården, Socialtjänsten och Vårdcentralen Norr" in page.text.splitlines()
