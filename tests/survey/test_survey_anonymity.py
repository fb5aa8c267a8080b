"""A scan of the whole database after two people answered: nothing ties an answer to a
Telegram account or a meeting."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Connection, DateTime, inspect, select, text
from sqlalchemy.exc import OperationalError

from bot.models import FlowState
from bot.models.survey import SurveyInvitation
from tests.conftest import RunningBot
from tests.survey.support import HOUR, answer, held, person, send_due, team

ANNA = 710_000_101
BO = 710_000_202
SAFE_COLUMNS = {
    "id",
    "survey_version",
    "meeting_type",
    "unit_ids",
    "month",
    "answers",
    "answered_by",
    "comment",
}


def plain(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return str(value)


def schema_of(sync: Connection) -> tuple[dict[str, Any], list[Any], list[str]]:
    """Columns and foreign keys of the responses, and every table any foreign key points at."""
    inspector = inspect(sync)
    columns = {c["name"]: c["type"] for c in inspector.get_columns("survey_responses")}
    outgoing = list(inspector.get_foreign_keys("survey_responses"))
    referred = [
        str(fk["referred_table"])
        for table in inspector.get_table_names()
        for fk in inspector.get_foreign_keys(table)
    ]
    return columns, outgoing, referred


async def dump(bot: RunningBot) -> dict[str, list[dict[str, str]]]:
    """Every row of every table, as its stored text (encrypted columns stay encrypted)."""
    tables: dict[str, list[dict[str, str]]] = {}
    async with bot.services.db.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for name in names:
            result = await conn.execute(text(f'SELECT * FROM "{name}"'))
            tables[name] = [
                {key: plain(value) for key, value in row._mapping.items() if value is not None}
                for row in result.all()
            ]
    return tables


async def test_no_column_ties_a_response_to_a_telegram_id_or_a_meeting(
    running_bot: RunningBot,
) -> None:
    services, double, clock = running_bot.services, running_bot.double, running_bot.clock
    units = await team(services, clock)
    anna = await person(services, clock, ANNA, [units.unit])
    bo = await person(services, clock, BO, [units.unit])
    await held(services, clock, units, anna, units=[units.unit])
    await held(services, clock, units, bo, units=[units.unit])
    clock.advance(HOUR)
    await send_due(services, double)
    anna_chat, bo_chat = double.user(ANNA), double.user(BO)
    await anna_chat.wait_for_messages(1, since=0)
    await bo_chat.wait_for_messages(1, since=0)
    await answer(anna_chat, [5, 5, 4, 5, 5, 4, 5], comment="More time to talk")
    await answer(bo_chat, [1, 2, 0, 2, 1, 1, 2], who="Someone close to me is helping me")

    async with services.db.engine.connect() as conn:
        columns, outgoing, referred = await conn.run_sync(schema_of)
    # Nothing points out of the table or into it, and no time finer than a month is kept.
    assert set(columns) == SAFE_COLUMNS
    assert outgoing == []
    assert "survey_responses" not in referred
    assert not any(isinstance(kind, DateTime) for kind in columns.values())

    tables = await dump(running_bot)
    responses = tables.pop("survey_responses")
    assert len(responses) == 2
    identities = {str(ANNA), str(BO), anna.case_ref, bo.case_ref}
    for response in responses:
        assert not identities & set(response.values())
        assert not any(str(ANNA) in v or str(BO) in v for v in response.values())

    # A value could join a response to another row only if it told the two responses apart;
    # the values they share (version, type, units, month) point at both meetings alike.
    for column in SAFE_COLUMNS:
        values = {response.get(column) for response in responses}
        if len(values) == 1:
            continue
        for value in values - {None}:
            assert value is not None
            found = [
                f"{table}.{key}"
                for table, rows in tables.items()
                for row in rows
                for key, stored in row.items()
                if stored == value or (len(value) > 8 and value in stored)
            ]
            assert found == [], f"survey_responses.{column} = {value!r} also in {found}"

    # The two meetings' invitations share exactly the values the responses carry.
    async with services.db.transaction() as session:
        invitations = list(await session.scalars(select(SurveyInvitation)))
        left = list(await session.scalars(select(FlowState).where(FlowState.flow == "survey")))
    shared = {(i.meeting_type, json.dumps(sorted(i.unit_ids)), i.month) for i in invitations}
    assert len(invitations) == 2 and len(shared) == 1
    # The conversations that held the answers next to a Telegram id are gone.
    assert left == []
    # Free text is encrypted at rest and stored nowhere in the clear.
    everything = json.dumps(tables) + json.dumps(responses)
    assert "More time to talk" not in everything
    # Receipts are opaque: no id in them, and they appear nowhere else.
    for receipt in tables["survey_receipts"]:
        token = receipt["token"]
        assert len(token) == 64 and not identities & {token}
        assert sum(json.dumps(rows).count(token) for rows in tables.values()) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_answers_have_no_hidden_insertion_order(running_bot: RunningBot) -> None:
    async with running_bot.services.db.engine.connect() as conn:
        with pytest.raises(OperationalError):
            await conn.execute(text("SELECT rowid FROM survey_responses"))
