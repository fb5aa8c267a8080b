"""The förmöte questions in Arabic: step counts, a unit's Latin name among Arabic answers and
the answers at the review stay whole and in order, and the words typed are kept with their
language."""

from __future__ import annotations

from bot.chat.turn import Services
from bot.platform.i18n import FSI, PDI
from flows.engine import WRITTEN_IN
from tests.flows.test_engine import Chat

CLINIC = "Beroendemottagning Rådmannen"


async def test_the_preparation_reads_in_arabic_with_values_isolated(services: Services) -> None:
    chat = Chat(services, locale="ar")
    tr = chat.tr
    first = await chat.start(unit_options=[["u1", CLINIC]])
    assert first.screens[-1].text.startswith("التحضير قبل اجتماعك · الخطوة ")
    await chat.click(tr.gettext("Continue ▶"))
    assert f"الخطوة {FSI}2{PDI} من {FSI}" in chat.text
    for label in ("Housing", "Money", "Done ✔", "I'm not sure yet"):
        await chat.click(tr.gettext(label))
    await chat.click(CLINIC)
    await chat.click(tr.gettext("A support person"))
    await chat.click(tr.gettext("Done ✔"))
    for label in ("Nothing special", "Done ✔", "Here in the chat"):
        await chat.click(tr.gettext(label))
    await chat.type("أحتاج إلى وقت للتفكير")
    review = chat.text
    assert f"{tr.gettext('Housing')}، {tr.gettext('Money')}" in review
    assert f"{FSI}{CLINIC}{PDI}، {tr.gettext('A support person')}" in review
    answers = (await chat.state()).answers
    assert answers["people"] == ["u1", "support_person"]
    assert answers[WRITTEN_IN] == {"note": "ar"}
