"""How many SQL statements a person's /prepare and presses cost: a ceiling, so that a change
which reads the same rows again (and makes every update slower under load) shows up here."""

from __future__ import annotations

from bench.statements import count

# Claiming the inbox row, the update-id rule, then the work itself.
PREPARE_AT_MOST = 8
PRESS_AT_MOST = 4


async def test_a_preparation_keeps_to_its_statement_budget() -> None:
    updates = await count("sqlite")

    assert len(updates) >= 10
    first, *presses, last = updates
    assert len(first.statements) <= PREPARE_AT_MOST
    assert all(len(u.statements) <= PRESS_AT_MOST for u in presses)
    assert any(s.startswith("INSERT INTO preparations") for s in last.statements)
    assert not any(s.startswith("UPDATE preparations") for s in last.statements)
