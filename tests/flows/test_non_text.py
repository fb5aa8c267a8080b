"""Photos, stickers, voice, files, places and contacts get one line saying what the current
step needs, instead of silence; the step and its answers stay as they were."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bot_api_double.attachments import KINDS
from bot.models import FlowState, Role
from tests import factories
from tests.conftest import RunningBot

ANNA = 1001
SIGRID = 2001


@pytest.mark.parametrize("kind", KINDS)
async def test_at_a_text_step_the_answer_says_to_type_it(
    running_bot: RunningBot, kind: str
) -> None:
    services, clock = running_bot.services, running_bot.clock
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock)
        await factories.staff(session, clock, SIGRID, {home: Role.STAFF}, language="en")
    sigrid = running_bot.double.user(SIGRID, language_code="en")
    asked = await sigrid.say("/profile")
    assert "What is your name?" in asked.text
    mark = sigrid.mark()
    sigrid.send_attachment(kind)
    (reply,) = await sigrid.wait_for_messages(1, since=mark)
    assert reply.text == (
        "I can only read text you type here. Please write your answer, at most 80 characters."
    )
    assert not await sigrid.wait_for_activity(since=sigrid.mark(), within=0.3)
    async with services.db.transaction() as session:
        state = await session.scalar(select(FlowState).where(FlowState.telegram_id == SIGRID))
    assert state is not None and (state.step, state.answers) == ("name", {})
    assert "Which phone number" in (await sigrid.say("Sigrid")).text


async def test_at_a_choice_step_the_answer_points_to_the_buttons(
    running_bot: RunningBot,
) -> None:
    await factories.individual_with_meeting(running_bot.services, ANNA, language="sv")
    anna = running_bot.double.user(ANNA, language_code="sv")
    await anna.say("/start")
    await anna.say("/prepare")
    await anna.click("Fortsätt ▶")
    mark = anna.mark()
    anna.send_attachment("sticker")
    (reply,) = await anna.wait_for_messages(1, since=mark)
    assert reply.text == "Svara med knapparna under frågan."
    assert not await anna.wait_for_activity(since=anna.mark(), within=0.3)


async def test_without_a_flow_the_answer_says_only_text_is_read(running_bot: RunningBot) -> None:
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say("/start")
    await anna.click("English")
    mark = anna.mark()
    anna.send_attachment("voice")
    (reply,) = await anna.wait_for_messages(1, since=mark)
    assert reply.text == "I can only read text you type. /help shows what I can do."
