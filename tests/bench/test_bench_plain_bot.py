"""The plain python-telegram-bot bot the benchmark compares against must really do the förmöte:
a comparison with a bot that fails on a screen would flatter neither side."""

from __future__ import annotations

from bench import bots, conversation
from bench.databases import TempDatabases


async def test_the_plain_bot_takes_people_through_the_whole_förmöte_without_an_error() -> None:
    with TempDatabases() as dbs:
        bots.use_keys(dbs.key_file)
        run = await conversation.plain(dbs, 3, within=20, window=30)
    assert run.problems == []
    assert run.completed == 3
