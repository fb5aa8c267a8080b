"""An edited earlier message never answers the step the person is at now."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import FlowState
from tests import factories
from tests.conftest import RunningBot

ANNA = 1001
NOT_READ = "I do not read edited messages. Please send the text again as a new message."


async def _walk_to_the_note(bot: RunningBot) -> None:
    """Through the förmöte to its last text step, with 'Tigrinska' typed as the language."""
    await factories.individual_with_meeting(bot.services, ANNA, language="en")
    anna = bot.double.user(ANNA, language_code="en")
    await anna.say("/start")
    await anna.say("/prepare")
    await anna.click("Continue ▶")
    await anna.click("Housing")
    await anna.click("Done ✔")
    await anna.click("A clear plan: who does what, and when")
    await anna.click("Someone close to me")
    await anna.click("Done ✔")
    await anna.click("An interpreter")
    await anna.click("Done ✔")
    await anna.click("Another language")
    contact = await anna.say("Tigrinska")
    assert "How do you want us to contact you" in contact.text
    note = await anna.click("Here in the chat")
    assert note is not None and "anything else you want the others to know" in note.text


async def _state(bot: RunningBot) -> FlowState:
    async with bot.services.db.transaction() as session:
        state = await session.scalar(select(FlowState).where(FlowState.telegram_id == ANNA))
    assert state is not None
    return state


async def test_an_edited_earlier_answer_is_not_taken_as_the_current_step(
    running_bot: RunningBot,
) -> None:
    await _walk_to_the_note(running_bot)
    anna = running_bot.double.user(ANNA)
    mark = anna.mark()
    anna.edit("Somaliska")
    replies = await anna.wait_for_messages(1, since=mark)
    assert [r.text for r in replies] == [NOT_READ]
    assert not await anna.wait_for_activity(since=mark + 1, within=0.3)

    state = await _state(running_bot)
    assert state.step == "note"
    assert state.answers["language_other"] == "Tigrinska"
    assert "note" not in state.answers

    review = await anna.say("Please book a quiet room")
    assert "Here are your answers." in review.text
    state = await _state(running_bot)
    assert state.answers["note"] == "Please book a quiet room"


async def test_the_edit_notice_is_in_the_persons_language(running_bot: RunningBot) -> None:
    anna = running_bot.double.user(ANNA, language_code="sv")
    await anna.say("/start")
    await anna.click("Svenska")
    reply = await anna.say("hej")
    assert "Självmordslinjen 90101" in reply.text  # a text I cannot read: the crisis line
    mark = anna.mark()
    anna.edit("/prepare")
    (notice,) = await anna.wait_for_messages(1, since=mark)
    assert notice.text == (
        "Jag läser inte ändrade meddelanden. Skicka texten igen som ett nytt meddelande."
    )
