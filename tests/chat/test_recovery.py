"""A process killed after a commit but before its reply leaves no one stuck: a button of the
last screen shown, or /resume, shows where the person is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bot_api_double import BotApiDouble, Fault
from bot.bot_api_double.records import SentMessage
from bot.bot_api_double.users import UserHandle
from bot.chat.turn import Services
from bot.models import Consent, FlowState, Role
from bot.models.meetings import MeetingType
from bot.people import individuals
from bot.platform.clock import SystemClock
from bot.platform.config import Settings
from tests import factories
from tests.conftest import RunningBot
from tests.processes import BotProcess
from tests.survey import support as survey_support

SARA = 2001
ANNA = 1001
STALE = "That button belongs to an earlier question. Here is where you are now."
ENDED = "That conversation has already ended."


@pytest.fixture
def bot_process(settings: Settings, tmp_path: Path, services: Services) -> Iterator[BotProcess]:
    process = BotProcess(settings, tmp_path / "bot.log", SAMORDNA_INBOX_LEASE_SECONDS="1")
    yield process
    process.stop()


async def _invite(services: Services) -> str:
    clock = SystemClock()
    async with services.db.transaction() as session:
        home = await factories.unit(session, clock, "Socialtjänst Innerstaden")
        sara = await factories.staff(session, clock, SARA, {home: Role.STAFF})
        token, _, _ = await individuals.create_invite(
            session, clock, sara, [home], valid_for=timedelta(days=14)
        )
    return token


async def _reply_lost(
    double: BotApiDouble, bot: BotProcess, user: UserHandle, button: str, method: str
) -> None:
    """Press; hold the bot's reply (sent only after the commit) and kill the process."""
    double.inject(Fault(method=method, timeout=60, chat_id=user.chat_id))
    before = len([c for c in double.calls_of(method) if c.chat_id == user.chat_id])
    user.press(button)
    await double.wait_until(
        lambda: len([c for c in double.calls_of(method) if c.chat_id == user.chat_id]) > before,
        timeout=20,
        what=f"the held {method}",
    )
    bot.kill()
    double.clear_faults()
    await bot.start_and_wait(double)


def _message(user: UserHandle, message_id: int) -> SentMessage:
    return next(m for m in user.messages if m.message_id == message_id)


async def _consents(services: Services) -> int:
    async with services.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Consent)) or 0)


async def test_consent_goes_on_after_a_lost_reply_from_an_old_button_or_resume(
    double: BotApiDouble, bot_process: BotProcess, services: Services
) -> None:
    token = await _invite(services)
    await bot_process.start_and_wait(double)
    anna = double.user(ANNA, "Anna", language_code="en")
    ask = await anna.say(f"/start {token}")
    assert ask.button_texts == ["Yes", "No thanks", "Tell me more"]

    await _reply_lost(double, bot_process, anna, "Yes", "editMessageText")
    assert anna.last is not None and anna.last.text == ask.text  # the reply never came

    resumed = await anna.say("/resume", expect=2, timeout=20)
    assert resumed.text.startswith("Part 1 of 3: Reminders in the chat")
    assert resumed.button_texts == ["Yes", "No thanks", "◀ Back"]
    assert anna.inbox_since(anna.mark() - 2)[0].text == "Welcome back. Here is where you left off."

    toast = await anna.click_data(ask.buttons[0][0].callback_data or "", ask.message_id)
    assert toast == STALE
    assert _message(anna, ask.message_id).text.startswith("Part 1 of 3")

    for choice in ("Yes", "Yes", "Yes", "6 months (suggested)", "Yes, I agree"):
        await anna.click(choice, message_id=ask.message_id)
    done = _message(anna, ask.message_id)
    assert done.text.startswith("Thank you! Your consent is saved.")
    assert await _consents(services) == 1


async def test_a_lost_yes_is_shown_as_joined_when_its_button_is_pressed_again(
    double: BotApiDouble, bot_process: BotProcess, services: Services
) -> None:
    token = await _invite(services)
    await bot_process.start_and_wait(double)
    anna = double.user(ANNA, "Anna", language_code="en")
    await anna.say(f"/start {token}")
    for choice in ("Yes", "Yes", "Yes", "Yes", "6 months (suggested)"):
        await anna.click(choice)
    summary = anna.last
    assert summary is not None and summary.text.startswith("This is what you say yes to:")

    await _reply_lost(double, bot_process, anna, "Yes, I agree", "editMessageText")
    assert await _consents(services) == 1

    mark = anna.mark()
    toast = await anna.click_data(summary.buttons[0][0].callback_data or "", summary.message_id)
    assert toast is None
    (joined,) = anna.inbox_since(mark)
    assert joined.text == "You have already joined. /consent shows your consent."
    resumed = await anna.say("/resume")
    assert resumed.text == "You have already joined. /consent shows your consent."
    assert await _consents(services) == 1


async def test_a_finished_preparation_says_its_last_words_again(
    double: BotApiDouble, bot_process: BotProcess, services: Services
) -> None:
    await factories.individual_with_meeting(services, ANNA, language="en", clock=SystemClock())
    await bot_process.start_and_wait(double)
    anna = double.user(ANNA, first_name="Anna", language_code="en")
    await anna.say("/prepare")
    for choice in (
        "Continue ▶",
        "Housing",
        "Done ✔",
        "A clear plan: who does what, and when",
        "Someone close to me",
        "Done ✔",
        "Nothing special",
        "Done ✔",
        "Here in the chat",
        "Skip",
    ):
        await anna.click(choice)
    review = anna.last
    assert review is not None and "Here are your answers." in review.text
    finish = next(text for text in review.button_texts if text.startswith("Send to"))

    await _reply_lost(double, bot_process, anna, finish, "editMessageText")
    async with services.db.transaction() as session:
        state = await session.scalar(select(FlowState).where(FlowState.telegram_id == ANNA))
    assert state is not None and state.status == "done"

    mark = anna.mark()
    data = next(b.callback_data for row in review.buttons for b in row if b.text == finish)
    toast = await anna.click_data(data or "", review.message_id)
    assert toast == ENDED
    (closing,) = anna.inbox_since(mark)
    assert closing.text.startswith("Thank you. I have sent your answers to")
    resumed = await anna.say("/resume")
    assert resumed.text.startswith(f"{ENDED}\n\nThank you. I have sent your answers to")


async def test_a_used_button_that_opened_a_conversation_shows_it(running_bot: RunningBot) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await survey_support.team(services, clock)
    anna = await survey_support.person(services, clock, ANNA, [units.unit])
    await survey_support.held(services, clock, units, anna)
    await survey_support.held(services, clock, units, anna, type=MeetingType.SIP)
    await survey_support.send_due(services, double)
    chat = double.user(ANNA, language_code="en")
    choice = await chat.say("/survey")
    opened = await chat.click("SIP meeting, 2 March")
    assert opened is not None and "Step 1 of 10" in opened.text

    mark = chat.mark()
    data = choice.buttons[1][0].callback_data or ""
    toast = await chat.click_data(data, choice.message_id)
    assert toast == "That button has already been used."
    shown = chat.inbox_since(mark)[-1]
    assert "Step 1 of 10" in shown.text
    assert shown.text.startswith("Welcome back. Here is where you left off.")
