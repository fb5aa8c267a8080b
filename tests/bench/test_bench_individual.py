"""The benchmark's simulated individual goes all the way through the real förmöte, so that
``make bench`` measures the flow as it is today; it picks buttons by what they do, not by
their labels, and needs no change when a text or a step changes."""

from __future__ import annotations

from sqlalchemy import select

from bench import seeding
from bench.individuals import Individual
from bench.recorder import AnswerRecorder
from bot.models.meetings import Preparation
from tests.conftest import RunningBot

ANNA = 1001


async def test_a_simulated_individual_prepares_and_saves_the_answers(
    running_bot: RunningBot,
) -> None:
    await seeding.individuals(running_bot.services.db, running_bot.clock, [ANNA])
    recorder = AnswerRecorder(running_bot.double)
    anna = Individual(running_bot.double.user(ANNA, language_code="sv"), recorder)

    journey = await anna.prepare(within=10)

    assert journey.problem is None
    assert journey.saved
    assert journey.updates == len(journey.latencies) >= 10
    assert all(latency > 0 for latency in journey.latencies)
    async with running_bot.services.db.transaction() as session:
        prepared = await session.scalar(select(Preparation))
    assert prepared is not None
    assert {"tell", "know", "people", "needs", "contact"} <= set(prepared.answers)  # a GFI
