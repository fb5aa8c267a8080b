"""Recurring jobs run in every process; on PostgreSQL one process at a time does each, so
two processes starting together do not both work through the same cases."""

from __future__ import annotations

import pytest

from bot.chat.turn import Services
from bot.platform.crypto import Cipher
from bot.platform.db import Database


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_second_process_skips_a_job_the_first_is_doing(
    database_url: str, services: Services
) -> None:
    other = Database(database_url, cipher=Cipher.from_key_file(services.settings.resolved_key_file))
    try:
        async with services.db.one_at_a_time("job:sip_duties") as first:
            async with other.one_at_a_time("job:sip_duties") as second:
                assert (first, second) == (True, False)
            async with other.one_at_a_time("job:retention") as unrelated:
                assert unrelated is True
        async with other.one_at_a_time("job:sip_duties") as later:
            assert later is True
    finally:
        await other.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_the_one_process_always_does_its_jobs(services: Services) -> None:
    async with (
        services.db.one_at_a_time("job:sip_duties") as first,
        services.db.one_at_a_time("job:sip_duties") as second,
    ):
        assert (first, second) == (True, True)
