"""An Arabic speaker's förmöte read by Swedish and English staff: the chosen answers in the
reader's language, the person's own words as written, marked with the language they are in."""

from __future__ import annotations

from sqlalchemy import select

from bot.chat.turn import Services
from bot.models import Individual
from bot.models.meetings import Meeting, Preparation
from bot.platform.i18n import FSI, PDI
from bot.preparation import summary as preparation_summary
from flows import preparation as flow
from flows.engine import WRITTEN_IN
from tests.preparation.test_preparation import ANNA, CLINIC, Person, make_case

NOTE = "أفضّل أن نلتقي في الصباح"


async def _prepared_in_arabic(services: Services) -> tuple[Meeting, Individual, Preparation]:
    case = await make_case(services)
    person = Person(services)
    person.tr = tr = services.tr("ar")
    await person.prepare()
    labels = ["Continue ▶", "Housing", "Done ✔", "I'm not sure yet", "A support person"]
    labels += ["Done ✔", "Nothing special", "Done ✔", "Here in the chat"]
    await person.click(*(tr.gettext(label) for label in labels))
    async with services.db.transaction() as session:
        typed = await services.engine.on_text(session, ANNA, NOTE, tr)
    assert typed is not None
    person.last = typed
    done = await person.click(tr.gettext(flow.SEND_TO).format(name="Sara Socialsekreterare"))
    assert done.finished
    async with services.db.transaction() as session:
        meeting = await session.get(Meeting, case.meeting_id)
        individual = await session.get(Individual, case.individual_id)
        saved = await session.scalar(select(Preparation))
    assert meeting is not None and individual is not None and saved is not None
    return meeting, individual, saved


async def test_staff_read_an_arabic_preparation_in_their_language_with_the_words_as_written(
    services: Services,
) -> None:
    meeting, individual, saved = await _prepared_in_arabic(services)
    assert saved.shared_answers is not None
    assert saved.shared_answers["note"] == NOTE
    assert saved.shared_answers[WRITTEN_IN] == {"note": "ar"}
    assert saved.shared_answers["topics"] == ["housing"]  # a code, not Arabic words

    names = {1: CLINIC}
    swedish = preparation_summary.render(services.tr("sv"), meeting, individual, saved, names)
    english = preparation_summary.render(services.tr("en"), meeting, individual, saved, names)
    arabic = preparation_summary.render(services.tr("ar"), meeting, individual, saved, names)

    assert "• Viktigt att prata om: Boende" in swedish
    assert f"• Med egna ord: {FSI}{NOTE}{PDI} (skrivet på arabiska)" in swedish
    assert "• Important to talk about: Housing" in english
    assert f"• In their own words: {FSI}{NOTE}{PDI} (written in Arabic)" in english
    assert NOTE in arabic
    assert services.tr("ar").gettext("(written in Arabic)") not in arabic


async def test_words_written_in_the_readers_language_carry_no_marker(services: Services) -> None:
    meeting, individual, saved = await _prepared_in_arabic(services)
    assert saved.shared_answers is not None
    saved.shared_answers = {**saved.shared_answers, WRITTEN_IN: {"note": "sv"}}
    swedish = preparation_summary.render(services.tr("sv"), meeting, individual, saved, {})
    english = preparation_summary.render(services.tr("en"), meeting, individual, saved, {})
    assert f"• Med egna ord: {NOTE}\n" in swedish + "\n"
    assert "(skrivet på" not in swedish
    assert f"{FSI}{NOTE}{PDI} (written in Swedish)" in english
