"""The consent conversation as data: each choice moves the draft, nothing else does."""

from __future__ import annotations

from datetime import date

import pytest

from bot.platform.i18n import translator
from flows.consent import Decision, Draft, Stage, add_months, advance, page, summary


def test_each_part_is_answered_on_its_own_and_back_goes_one_step() -> None:
    draft = Draft()
    for choice in ("more", "yes", "yes", "no", "yes", "m12"):
        moved = advance(draft, choice)
        assert isinstance(moved, Draft)
        draft = moved
    assert draft == Draft(Stage.SUMMARY, True, False, True, 12)
    assert advance(draft, "agree") is Decision.AGREE
    changed = advance(draft, "change")
    assert isinstance(changed, Draft) and changed.stage is Stage.REMINDERS
    back = advance(changed, "back")
    assert isinstance(back, Draft) and back.stage is Stage.ASK
    assert advance(Draft(), "no") is Decision.DECLINE


@pytest.mark.parametrize(
    ("draft", "choice"),
    [
        (Draft(), "agree"),
        (Draft(Stage.PERIOD), "m7"),
        (Draft(Stage.SUMMARY, False, False, False, 6), "agree"),
        (Draft(Stage.MORE), "more"),
        (Draft(Stage.REMINDERS), "m6"),
    ],
)
def test_a_choice_the_page_does_not_offer_moves_nothing(draft: Draft, choice: str) -> None:
    assert advance(draft, choice) is None


def test_only_drafts_this_module_wrote_are_read_back() -> None:
    draft = Draft(Stage.SURVEY, True, False, None, None)
    assert Draft.from_payload(draft.payload()) == draft
    assert Draft.from_payload({"stage": "nowhere"}) is None
    assert Draft.from_payload({"stage": "summary", "months": 5}) is None
    assert Draft.from_payload({"stage": "summary", "sharing": "yes"}) is None


def test_months_are_calendar_months_and_short_months_end_early() -> None:
    assert add_months(date(2026, 3, 2), 6) == date(2026, 9, 2)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


class _Unit:
    def __init__(self, name: str) -> None:
        self.name = name


def test_every_page_ends_with_whom_to_call_and_swedish_reads_naturally() -> None:
    tr = translator("sv")
    units = [_Unit("Socialtjänst Innerstaden")]
    call = "Frågor? Ring Socialtjänst Innerstaden 040-34 10 00."
    for stage in Stage:
        shown = page(
            Draft(stage, True, True, False, 6),
            tr,
            units,
            today=date(2026, 3, 2),
            retention_days=30,
            call_line=call,
        )
        assert shown.text.endswith(call)
        assert all(label for row in shown.choices for label, _ in row)
    agreed = summary(
        Draft(Stage.SUMMARY, True, True, False, 6), tr, units, today=date(2026, 3, 2), call_line=""
    )
    assert "Till och med: 2 september 2026" in agreed.text
    assert [label for row in agreed.choices for label, _ in row] == [
        "Ja, jag samtycker",
        "Ändra mina svar",
        "Nej tack",
    ]
