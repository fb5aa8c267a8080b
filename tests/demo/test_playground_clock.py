"""Moving the playground's clock makes each kind of nudge appear in the right phone, at its
time and not before, through the page's own API (the clock buttons and what the page shows).

The playground starts on Tuesday 3 March 2026 at 09:30, every phone in English.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from bot.models.meetings import MeetingStatus
from tests.demo.conftest import TUESDAY
from tests.demo.playground_support import Page, local


async def test_the_page_shows_the_bot_time_and_the_clock_only_moves_forward(
    playground: Page,
) -> None:
    assert datetime.fromisoformat((await playground.state())["time"]) == TUESDAY
    moved = await playground.move("hour")
    assert moved == {"moved": True, "note": "The clock is now at Tuesday 3 March 10:30."}
    assert datetime.fromisoformat((await playground.state())["time"]) == local(2026, 3, 3, 10, 30)
    await playground.move("tomorrow")
    assert datetime.fromisoformat((await playground.state())["time"]) == local(2026, 3, 4, 9, 0)
    nowhere = await playground.move("meeting_end")
    assert nowhere == {
        "moved": False,
        "note": "There is no booked meeting yet, so the clock stays where it is.",
    }
    assert datetime.fromisoformat((await playground.state())["time"]) == local(2026, 3, 4, 9, 0)


async def test_anna_is_reminded_a_day_before_and_again_before_the_meeting(
    playground: Page,
) -> None:
    await playground.join_anna()
    await playground.book(local(2026, 3, 5, 13, 0))  # Thursday 13:00
    assert await playground.says("anna", "Reminder:") == []
    await playground.move("tomorrow")  # Wednesday 09:00: a day and four hours before
    assert await playground.says("anna", "Reminder:") == []
    for _ in range(4):
        await playground.move("hour")  # Wednesday 13:00
    [first] = await playground.says("anna", "Reminder:")
    assert "Reminder: your meeting with the units (GFI" in first
    assert "Thursday 5 March 13:00" in first
    await playground.move("meeting_end")  # on the way: Thursday 11:00, two hours before
    assert len(await playground.says("anna", "Reminder:")) == 2
    assert await playground.says("sofia", "Reminder:") == []


async def test_sofia_and_rikard_hear_of_the_meeting_the_working_day_before(
    playground: Page,
) -> None:
    await playground.join_anna()
    await playground.book(local(2026, 3, 5, 13, 0))  # Thursday
    assert await playground.says("sofia", "Coming up:") == []
    await playground.move("tomorrow")  # Wednesday 09:00
    for key in ("sofia", "rikard"):
        [nudge] = await playground.says(key, "Coming up:")
        assert nudge.startswith("Coming up: GFI meeting for K-")
        assert "Thursday 5 March 13:00" in nudge
    assert await playground.says("anna", "Coming up:") == []


async def test_rikard_gets_the_digest_on_the_next_distribution_day(playground: Page) -> None:
    await playground.join_anna()
    await playground.request()
    await playground.move("hour")
    assert await playground.says("rikard", "Requests waiting") == []
    moved = await playground.move("distribution")  # Thursday 08:00
    assert moved["note"] == "The clock is now at Thursday 5 March 08:00."
    [digest] = await playground.says("rikard", "Requests waiting")
    assert digest.startswith("Requests waiting for Beroendemottagning Rådmannen: 1")
    assert "waiting since 3 March 2026" in digest
    assert await playground.says("sofia", "Requests waiting") == []


async def test_sofia_is_asked_for_the_outcome_the_next_morning(playground: Page) -> None:
    await playground.join_anna()
    await playground.book(local(2026, 3, 3, 14, 0))  # today, 14:00–15:00
    await playground.move("meeting_end")
    assert datetime.fromisoformat((await playground.state())["time"]) == local(2026, 3, 3, 15)
    assert await playground.says("sofia", "has no outcome yet") == []
    await playground.move("tomorrow")  # Wednesday 09:00
    [nudge] = await playground.says("sofia", "has no outcome yet")
    assert nudge.startswith("The GFI meeting for K-")
    assert await playground.says("rikard", "has no outcome yet") == []
    assert await playground.says("anna", "has no outcome yet") == []


async def test_a_missed_meeting_is_met_kindly_when_the_quiet_hours_end(
    playground: Page,
) -> None:
    await playground.join_anna()
    meeting_id = await playground.book(local(2026, 3, 3, 18, 30))  # 18:30–19:30
    await playground.move("meeting_end")
    await playground.move("hour")  # 20:30: quiet hours for Anna
    await playground.record("The person did not come")
    await playground.wait_for("sofia", "did not come")
    assert (await playground.meeting(meeting_id)).status == MeetingStatus.NO_SHOW
    await playground.host.current().run_due()
    assert await playground.says("anna", "We missed you") == []
    await playground.move("tomorrow")  # Wednesday 09:00
    [kind] = await playground.says("anna", "We missed you")
    assert "That happens." in kind
    assert "call Socialtjänst Innerstaden, vuxen/missbruk on 040-34 10 00" in kind


async def test_anna_is_asked_the_survey_when_the_meeting_is_over(playground: Page) -> None:
    await playground.join_anna()
    await playground.book(local(2026, 3, 3, 10, 0))
    await playground.move("meeting_end")
    await playground.record("It was held")
    await playground.press("sofia", "Nothing further")
    await playground.press("sofia", "Done ✔")
    await playground.wait_for("sofia", "Saved: the GFI was held.")
    await playground.host.current().run_due()
    invitation = await playground.wait_for("anna", "Would you answer a few short questions")
    assert ["Answer the questions"] in _labels(invitation)


async def test_anna_is_reminded_to_get_ready_at_ten_in_the_days_before(
    playground: Page,
) -> None:
    await playground.join_anna()
    await playground.book(local(2026, 3, 6, 10, 0))  # Friday; reminders at 10:00 before it
    await playground.wait_for("anna", "Do you want to get ready for it here?")
    await playground.move("hour")  # Tuesday 10:30: too soon after the offer at 09:30
    assert await playground.says("anna", "not finished getting ready") == []
    await playground.move("tomorrow")  # Wednesday 09:00
    assert await playground.says("anna", "not finished getting ready") == []
    await playground.move("hour")  # Wednesday 10:00
    [reminder] = await playground.says("anna", "not finished getting ready")
    assert "Friday 6 March 10:00" in reminder


def _labels(message: dict[str, object]) -> list[list[str]]:
    rows = message.get("buttons") or []
    assert isinstance(rows, list)
    return [[button["text"] for button in row] for row in rows]


@pytest.mark.parametrize("move", ["hour", "tomorrow", "distribution"])
async def test_every_move_reaches_its_goal_even_with_nothing_due(
    playground: Page, move: str
) -> None:
    before = datetime.fromisoformat((await playground.state())["time"])
    answer = await playground.move(move)
    after = datetime.fromisoformat((await playground.state())["time"])
    assert answer["moved"] is True
    assert after > before


async def test_two_presses_at_once_move_the_clock_twice(playground: Page) -> None:
    await asyncio.gather(playground.move("hour"), playground.move("hour"))
    assert datetime.fromisoformat((await playground.state())["time"]) == local(2026, 3, 3, 11, 30)
