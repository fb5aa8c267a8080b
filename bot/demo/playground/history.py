"""Made-up earlier survey answers, so that /results has a chart to show in the playground.

Results stay hidden below the minimum group size, and one new answer never reaches it; the
page says that these earlier answers are invented. They are stored like real ones: offered
invitations with nobody attached (as after erasure) and anonymous responses.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models.meetings import MeetingType
from bot.models.survey import InvitationStatus, SurveyInvitation, SurveyResponse
from bot.platform.config import Settings
from flows import survey as survey_flow

MONTHS = 4
PER_MONTH = (7, 6, 8, 6)  # answers in each of the months before this one
UNANSWERED = 2  # offered in each month but not answered
SEED = 15  # the same made-up history every time


def _month_before(now: datetime, settings: Settings, back: int) -> tuple[str, datetime]:
    """``YYYY-MM`` of the month ``back`` months before ``now``, and a day in it."""
    local = now.astimezone(settings.tz)
    index = local.year * 12 + local.month - 1 - back
    year, month = index // 12, index % 12 + 1
    return f"{year:04d}-{month:02d}", datetime(year, month, 12, 10, tzinfo=settings.tz)


def _answers(rng: random.Random) -> dict[str, int | None]:
    leaning = rng.choice((3, 4, 4, 5))
    given: dict[str, int | None] = {}
    for question in survey_flow.questions():
        step = max(1, min(survey_flow.STEPS, leaning + rng.choice((-2, -1, 0, 0, 1))))
        given[question.code] = None if rng.random() < 0.05 else step
    return given


async def seed_survey_history(
    session: AsyncSession, settings: Settings, now: datetime, unit_ids: list[int]
) -> int:
    """Add the made-up months; returns how many answers were added."""
    rng = random.Random(SEED)
    added = 0
    for back, answered in zip(range(MONTHS, 0, -1), PER_MONTH, strict=True):
        month, day = _month_before(now, settings, back)
        for number in range(answered + UNANSWERED):
            held = day + timedelta(days=number % 10)
            session.add(
                SurveyInvitation(
                    meeting_id=None,
                    individual_id=None,
                    status=InvitationStatus.EXPIRED,
                    meeting_type=MeetingType.GFI.value,
                    unit_ids=sorted(unit_ids),
                    meeting_at=held,
                    month=month,
                    survey_version=survey_flow.VERSION,
                    offered_at=held + timedelta(hours=2),
                    recorded_at=held + timedelta(hours=1),
                    updated_at=held + timedelta(days=14),
                )
            )
            if number >= answered:
                continue
            session.add(
                SurveyResponse(
                    id=secrets.token_hex(16),
                    survey_version=survey_flow.VERSION,
                    meeting_type=MeetingType.GFI.value,
                    unit_ids=sorted(unit_ids),
                    month=month,
                    answers=_answers(rng),
                    answered_by=rng.choice(("self", "self", "self", "helped")),
                    comment=None,
                )
            )
            added += 1
    await session.flush()
    return added


async def answers_stored(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)
