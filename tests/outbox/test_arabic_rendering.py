"""Every kind of message the product sends an individual on its own, rendered in Arabic the way
the dispatcher renders it: no placeholder is left unfilled, and the case reference, the units'
names, their phone numbers and the times sit between FSI and PDI, so that right-to-left text
around them cannot scramble them."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from bot.chat.turn import Services
from bot.models import Individual, OutboxMessage, Unit
from bot.outbox import queue as outbox
from bot.platform.i18n import FSI, PDI
from flows import texts
from tests.outbox.test_way_to_human import INDIVIDUAL_KINDS, _make_every_kind

CASE_REF = "GFI-2027-0042"
TIME = re.compile(r"\d{1,2}:\d{2}")


def outside_isolates(text: str, value: str) -> list[int]:
    """Where ``value`` occurs in ``text`` without an FSI … PDI around it."""
    found = []
    for match in re.finditer(re.escape(value), text):
        before = text[: match.start()]
        if before.count(FSI) <= before.count(PDI):
            found.append(match.start())
    return found


def translated(services: Services, message: str) -> bool:
    return services.tr("ar").gettext(message) != message


async def test_every_message_to_an_individual_keeps_its_values_whole_in_arabic(
    services: Services,
) -> None:
    await _make_every_kind(services)
    tr = services.tr("ar")
    checked: set[str] = set()
    async with services.db.transaction() as session:
        await session.execute(update(Individual).values(case_ref=CASE_REF))
        units = list(await session.scalars(select(Unit)))
        values = [CASE_REF, *(u.name for u in units), *(u.phone for u in units if u.phone)]
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.staff_id.is_(None), OutboxMessage.individual_id.is_not(None))
                .order_by(OutboxMessage.id)
            )
        )
        assert {row.kind for row in rows} >= INDIVIDUAL_KINDS
        for row in rows:
            text = await outbox.render_row(session, tr, row)
            where = f"{row.kind}: {text!r}"
            assert not re.search(r"\{\w*\}", text), where
            assert text.count(FSI) == text.count(PDI), where
            body, _, footer = text.rpartition("\n\n")
            if translated(services, texts.HUMAN_LINE) and footer.startswith("📞"):
                for value in values:
                    assert not outside_isolates(footer, value), where
            if not translated(services, row.message):
                continue  # its Arabic arrives with the booking and reminder catalogs
            checked.add(row.kind)
            for value in [*values, *TIME.findall(body)]:
                assert not outside_isolates(body, value), f"{value} bare in {where}"
    assert {"survey_invitation", "survey_reminder"} <= checked


def test_outside_isolates_finds_only_bare_values() -> None:
    text = f"اتصل بـ {FSI}Socialtjänst Norr{PDI} أو Socialtjänst Norr"
    assert outside_isolates(text, "Socialtjänst Norr") == [text.rindex("Socialtjänst Norr")]
