"""The real application over HTTP against the Bot API test double: first contact, language,
help, group chats, duplicate updates."""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from bot.models import ChatUser, FlowState
from tests import factories
from tests.conftest import RunningBot

ANNA = 1001


async def test_first_contact_asks_language_in_swedish_preselected(running_bot: RunningBot) -> None:
    anna = running_bot.double.user(ANNA, first_name="Anna", language_code="sv")
    reply = await anna.say("/start")
    assert reply.text == "Vilket språk vill du att jag använder?"
    assert reply.button_texts == ["✓ Svenska", "English", "العربية"]


async def test_preselection_follows_telegram_language(running_bot: RunningBot) -> None:
    john = running_bot.double.user(1002, first_name="John", language_code="en-GB")
    reply = await john.say("/start")
    assert reply.text == "Which language do you want me to use?"
    assert reply.button_texts == ["Svenska", "✓ English", "العربية"]


async def test_choosing_english_switches_every_later_message(running_bot: RunningBot) -> None:
    anna = running_bot.double.user(ANNA, first_name="Anna", language_code="sv")
    await anna.say("/start")
    reply = await anna.click("English")
    assert reply is not None
    assert reply.text.startswith("I will write in English from now on.")
    assert "Hi! I am Samordna." in reply.text
    help_text = await anna.say("/help")
    assert help_text.text.startswith("What I can do:")
    assert "Självmordslinjen on 90101" in help_text.text
    back = await anna.say("/language")
    assert back.button_texts == ["Svenska", "✓ English", "العربية"]
    await anna.click("Svenska")
    assert (await anna.say("/help")).text.startswith("Det här kan jag:")


async def test_unknown_text_and_command_get_a_pointer_to_help(running_bot: RunningBot) -> None:
    anna = running_bot.double.user(ANNA, language_code="sv")
    await anna.say("/start")
    answer = (await anna.say("hej")).text
    assert answer.startswith("Jag kan inte läsa meddelanden som skrivs här.")
    assert "/help visar vad jag kan göra." in answer
    assert answer.endswith("Akut: 112 · Självmordslinjen 90101 · /help")
    assert (await anna.say("/nonsense")).text.startswith("Jag kan inte läsa meddelanden")


async def test_group_chat_gets_one_answer_and_nothing_is_stored(running_bot: RunningBot) -> None:
    anna = running_bot.double.user(ANNA, language_code="sv")
    group_id = -100777
    anna.send_in_group("/start", group_id=group_id)
    double = running_bot.double
    await double.wait_until(
        lambda: len(double.calls_of("sendMessage")) >= 1, what="an answer in the group"
    )
    sent = double.calls_of("sendMessage")
    assert len(sent) == 1
    assert int(sent[0].params["chat_id"]) == group_id
    assert sent[0].params["text"] == "Jag fungerar bara i privata chattar. Skriv direkt till mig."
    assert await _rows_mentioning(running_bot, [group_id, ANNA]) == []


async def test_a_redelivered_update_has_effect_once(running_bot: RunningBot) -> None:
    await factories.individual_with_meeting(running_bot.services, ANNA, language="en")
    anna = running_bot.double.user(ANNA, language_code="en")
    await anna.say("/start")
    await anna.say("/prepare")
    first = await anna.click("Continue ▶")
    assert first is not None
    callback_id = anna.press("Housing")
    await running_bot.double.wait_until(lambda: anna.callback_answer(callback_id) is not None)
    replayed = running_bot.double.redeliver(callback_id)
    await running_bot.double.wait_until(lambda: anna.callback_answer(replayed) is not None)
    async with running_bot.services.db.transaction() as session:
        state = await session.scalar(select(FlowState))
    assert state is not None
    assert state.answers["topics"] == ["housing"]  # a second toggle would have removed it


async def test_language_is_the_only_thing_kept_before_any_role(running_bot: RunningBot) -> None:
    anna = running_bot.double.user(ANNA, language_code="sv")
    await anna.say("/start")
    await anna.click("English")
    async with running_bot.services.db.transaction() as session:
        users = list(await session.scalars(select(ChatUser)))
    assert [(u.telegram_id, u.language) for u in users] == [(ANNA, "en")]


async def _rows_mentioning(bot: RunningBot, numbers: list[int]) -> list[str]:
    """Every table row whose text contains one of the numbers; for 'nothing is stored' checks."""
    found: list[str] = []
    async with bot.services.db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            if table == "alembic_version":
                continue
            for row in (await conn.execute(text(f'SELECT * FROM "{table}"'))).all():
                joined = " ".join(str(v) for v in row)
                if any(str(n) in joined for n in numbers):
                    found.append(f"{table}: {joined}")
    return found


async def test_a_button_on_a_message_that_cannot_be_edited_answers_anew(
    running_bot: RunningBot,
) -> None:
    from bot.bot_api_double import Fault

    anna = running_bot.double.user(ANNA, language_code="sv")
    menu = await anna.say("/start")
    running_bot.double.inject(
        Fault(
            method="editMessageText",
            status=400,
            description="Bad Request: message to edit not found",
            chat_id=ANNA,
        )
    )
    reply = await anna.click("English")
    assert reply is not None
    assert reply.message_id != menu.message_id
    assert reply.text.startswith("I will write in English from now on.")
