"""The flow engine without Telegram: every answer kind, navigation, and refusing bad buttons."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.chat.turn import Services
from bot.models import FlowState
from flows import preparation
from flows.engine import DONE, PAUSED, ForeignButton, describe
from flows.screens import Outcome

USER = 5001
OTHER = 5002


def press(outcome: Outcome, text: str) -> str:
    """The callback data of the button labelled ``text`` on the outcome's last screen."""
    screen = outcome.screens[-1]
    for row in screen.buttons:
        for button in row:
            if button.text == text or button.text == f"✓ {text}":
                return button.data
    raise AssertionError(f"no button {text!r} in {screen.button_texts()}")


class Chat:
    """Drives the engine as one person would, one transaction per update."""

    def __init__(self, services: Services, telegram_id: int = USER, locale: str = "en") -> None:
        self.services = services
        self.telegram_id = telegram_id
        self.tr = services.tr(locale)
        self.last: Outcome | None = None

    async def start(self, **context: Any) -> Outcome:
        async with self.services.db.transaction() as session:
            self.last = await self.services.engine.start(
                session, self.telegram_id, preparation.NAME, self.tr, context=context
            )
        return self.last

    async def click(self, text: str) -> Outcome:
        assert self.last is not None
        return await self.click_data(press(self.last, text))

    async def click_data(self, data: str) -> Outcome:
        async with self.services.db.transaction() as session:
            outcome = await self.services.engine.on_button(session, self.telegram_id, data, self.tr)
        if outcome.screens:
            self.last = outcome
        return outcome

    async def type(self, text: str) -> Outcome | None:
        async with self.services.db.transaction() as session:
            outcome = await self.services.engine.on_text(session, self.telegram_id, text, self.tr)
        if outcome is not None and outcome.screens:
            self.last = outcome
        return outcome

    async def state(self) -> FlowState:
        async with self.services.db.transaction() as session:
            state = await session.scalar(
                select(FlowState).where(FlowState.telegram_id == self.telegram_id)
            )
        assert state is not None
        return state

    @property
    def text(self) -> str:
        assert self.last is not None
        return self.last.screens[-1].text


async def walk_to_needs(chat: Chat) -> None:
    await chat.start()
    await chat.click("Continue ▶")
    await chat.click("Housing")
    await chat.click("Money")
    await chat.click("Done ✔")
    await chat.click("To meet the people who can help me")
    await chat.click("A support person")
    await chat.click("Done ✔")


async def test_whole_flow_with_buttons_stores_codes_and_finishes(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    assert "What do you need to be able to take part?" in chat.text
    await chat.click("Video meeting")
    await chat.click("Done ✔")
    assert "How do you want us to contact you" in chat.text  # no interpreter: language skipped
    await chat.click("Here in the chat")
    await chat.click("Skip")
    assert "Here are your answers" in chat.text
    assert "Housing, Money" in chat.text
    finished = await chat.click("Save my answers")
    assert finished.finished
    state = await chat.state()
    assert state.status == DONE
    assert state.answers == {
        "circle": True,
        "topics": ["housing", "money"],
        "goal": "know_people",
        "people": ["support_person"],
        "needs": ["video"],
        "contact": "telegram",
        "note": None,
    }


async def test_branch_asks_interpreter_language_only_when_needed(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    await chat.click("An interpreter")
    await chat.click("Done ✔")
    assert "Which language should the interpreter speak?" in chat.text
    await chat.click("Another language")
    assert "Which language? Write it in a word or two." in chat.text
    assert "112" in chat.text and "1177" in chat.text and "90101" in chat.text
    await chat.type("arabiska")
    assert "How do you want us to contact you" in chat.text
    answers = (await chat.state()).answers
    assert (answers["language"], answers["language_other"]) == ("other", "arabiska")


async def test_back_returns_to_previous_step_with_answer_kept(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    await chat.click("◀ Back")
    assert "Who do you want at the meeting?" in chat.text
    assert "✓ A support person" in chat.last.screens[-1].button_texts()  # type: ignore[union-attr]


async def test_multi_choice_needs_one_pick(services: Services) -> None:
    chat = Chat(services)
    await chat.start()
    await chat.click("Continue ▶")
    outcome = await chat.click("Done ✔")
    assert outcome.toast == "Pick at least one, then press Done."
    assert "What is most important" in chat.text


async def test_typing_on_a_button_step_asks_for_buttons_and_keeps_state(
    services: Services,
) -> None:
    chat = Chat(services)
    await chat.start()
    await chat.click("Continue ▶")
    before = await chat.state()
    outcome = await chat.type("housing please")
    assert outcome is not None
    assert outcome.screens[0].text == "Please answer with the buttons under the question."
    after = await chat.state()
    assert (after.step, after.answers) == (before.step, before.answers)


async def test_too_long_text_is_refused_with_the_limit(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    await chat.click("Nothing special")
    await chat.click("Done ✔")
    await chat.click("A phone call")
    outcome = await chat.type("x" * 301)
    assert outcome is not None
    assert "301 characters, at most 300" in outcome.screens[0].text
    assert (await chat.state()).step == "note"


async def test_stale_button_changes_nothing_and_shows_where_you_are(services: Services) -> None:
    chat = Chat(services)
    first = await chat.start()
    await chat.click("Continue ▶")
    stale = press(first, "Continue ▶")
    outcome = await chat.click_data(stale)
    assert outcome.toast == "That button belongs to an earlier question. Here is where you are now."
    assert "What is most important" in outcome.screens[0].text
    assert (await chat.state()).answers == {"circle": True}


async def test_someone_elses_button_is_refused(services: Services) -> None:
    owner = Chat(services, USER)
    await owner.start()
    data = press(owner.last, "Continue ▶")  # type: ignore[arg-type]
    intruder = Chat(services, OTHER)
    with pytest.raises(ForeignButton):
        await intruder.click_data(data)
    assert (await owner.state()).answers == {}


@pytest.mark.parametrize(
    "data", ["f:999999:abc:c", "f:notanumber:x:y", "garbage", "f:1", "f:1:2:3:4:5"]
)
async def test_forged_data_is_answered_calmly(services: Services, data: str) -> None:
    chat = Chat(services)
    await chat.start()
    outcome = await chat.click_data(data)
    assert outcome.toast in {
        "That conversation has already ended.",
        "That button belongs to an earlier question. Here is where you are now.",
    }


async def test_pause_then_resume_days_later_at_the_same_step(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    await chat.click("⏸ Pause")
    assert (await chat.state()).status == PAUSED
    async with services.db.transaction() as session:
        assert await services.engine.on_text(session, USER, "hello", chat.tr) is None
        outcome = await services.engine.resume(session, USER, chat.tr)
    assert outcome is not None
    assert "Welcome back" in outcome.screens[0].text
    assert "What do you need to be able to take part?" in outcome.screens[0].text


async def test_starting_again_continues_the_open_flow(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    again = await chat.start()
    assert "What do you need to be able to take part?" in again.screens[0].text
    async with services.db.transaction() as session:
        count = len(list(await session.scalars(select(FlowState))))
    assert count == 1


async def test_cancel_asks_first_then_deletes_answers(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    await chat.click("✖ Cancel")
    assert "Do you want to stop?" in chat.text
    await chat.click("No, go on")
    assert "What do you need" in chat.text
    await chat.click("✖ Cancel")
    done = await chat.click("Yes, stop")
    assert done.finished
    state = await chat.state()
    assert state.status == "cancelled" and state.answers == {}


async def test_review_change_goes_back_to_review(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    await chat.click("Nothing special")
    await chat.click("Done ✔")
    await chat.click("A letter")
    await chat.click("Skip")
    await chat.click("Change: How to contact me")
    assert "How do you want us to contact you" in chat.text
    await chat.click("A phone call")
    assert "Here are your answers" in chat.text
    assert "How to contact me: A phone call" in chat.text


async def test_answers_render_in_the_readers_language(services: Services) -> None:
    step = preparation.PREPARATION.step("topics")
    swedish = services.tr("sv")
    assert describe(step, ["housing", "mental_health"], swedish) == "Boende, Psykisk hälsa"
    assert describe(step, None, swedish) == "(hoppade över)"


async def test_unit_names_come_from_the_flow_context(services: Services) -> None:
    chat = Chat(services)
    await chat.start(unit_options=[["u1", "Beroendemottagning Rådmannen"]])
    await chat.click("Continue ▶")
    await chat.click("Housing")
    await chat.click("Done ✔")
    await chat.click("I'm not sure yet")
    await chat.click("Beroendemottagning Rådmannen")
    await chat.click("Done ✔")
    assert (await chat.state()).answers["people"] == ["u1"]


async def test_free_text_answers_are_encrypted_at_rest(services: Services) -> None:
    chat = Chat(services)
    await walk_to_needs(chat)
    await chat.click("An interpreter")
    await chat.click("Done ✔")
    await chat.click("Another language")
    await chat.type("tigrinja")
    assert (await chat.state()).answers["language_other"] == "tigrinja"
    async with services.db.engine.connect() as conn:
        raw = (await conn.exec_driver_sql("SELECT answers FROM flow_states")).scalar_one()
    assert "tigrinja" not in raw and "housing" not in raw
