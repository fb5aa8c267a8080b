"""Survey results in aggregate: shares per question, offered and response rates, month by month.

Small groups are never shown. Below the minimum group size (never under three) a group's
answers, and every count and rate about it, are left out of the :class:`Report` itself, so no
format can show them by mistake: a report with too few answers holds no number at all, and a
month with too few answers holds none either (no point in the trend, no n). Results of
different survey versions are never counted together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import OutboxMessage, OutboxStatus, Unit
from bot.models.survey import InvitationStatus, SurveyInvitation, SurveyResponse
from bot.platform.clock import Clock
from bot.platform.config import Settings
from bot.survey import goals as goal_figures
from flows import survey as survey_flow

FLOOR = 3  # no setting can show a group smaller than this
OPEN = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)
POSITIVE = (4, 5)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (``YYYY-MM``), both included."""
    year, month = int(first[:4]), int(first[5:7])
    months: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def last_months(now: datetime, tz: ZoneInfo, count: int) -> tuple[str, str]:
    """The current month and the ``count - 1`` before it."""
    local = now.astimezone(tz)
    index = local.year * 12 + local.month - 1 - (count - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", f"{local.year:04d}-{local.month:02d}"


@dataclass(frozen=True)
class ReportQuery:
    """Which answers: whole months only, so that no day-by-day slicing is possible."""

    first_month: str
    last_month: str
    unit_ids: frozenset[int] = frozenset()
    meeting_type: str | None = None
    version: int = survey_flow.VERSION

    def covers(self, unit_ids: Iterable[int]) -> bool:
        return not self.unit_ids or bool(self.unit_ids.intersection(unit_ids))


@dataclass(frozen=True)
class Rates:
    """Counts of held meetings the individual took part in, and what became of the survey."""

    meetings: int = 0
    declined: int = 0  # the consent does not cover the survey
    waiting: int = 0  # the invitation is not due yet
    offered: int = 0
    responses: int = 0

    @property
    def offerable(self) -> int:
        return self.meetings - self.declined - self.waiting

    @property
    def offered_rate(self) -> float | None:
        return self.offered / self.offerable if self.offerable > 0 else None

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.offered if self.offered > 0 else None


@dataclass(frozen=True)
class QuestionResult:
    """``counts`` per step 1..5; all zero when ``shown`` is False (too few answers)."""

    code: str
    title: str
    counts: tuple[int, ...]
    skipped: int
    shown: bool

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def shares(self) -> tuple[float, ...]:
        total = self.n
        return tuple(count / total if total else 0.0 for count in self.counts)


@dataclass(frozen=True)
class MonthResult:
    """One month; with too few answers (``shown`` False) every figure is zero or None."""

    month: str
    rates: Rates
    answers: int
    positive: float | None  # share of 4 and 5 over all questions; None when too few answers
    shown: bool = True


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    min_group: int
    unit_names: tuple[str, ...]
    rates: Rates
    answers: int  # responses to this survey version
    questions: tuple[QuestionResult, ...]
    answered_by: dict[str, int] = field(default_factory=dict)
    comments: tuple[str, ...] = ()
    other_versions: int = 0
    months: tuple[MonthResult, ...] = ()
    goals: goal_figures.Goals = field(default_factory=goal_figures.Goals)

    @property
    def suppressed(self) -> bool:
        """Too few answers: the report holds no count or rate, only that there are too few."""
        return self.answers < self.min_group


def min_group(settings: Settings) -> int:
    return max(FLOOR, settings.survey_min_group_size)


@dataclass
class _Tally:
    meetings: int = 0
    declined: int = 0
    waiting: int = 0
    offered: int = 0
    responses: int = 0
    answers: list[dict[str, int | None]] = field(default_factory=list)

    def rates(self) -> Rates:
        return Rates(self.meetings, self.declined, self.waiting, self.offered, self.responses)


async def build(
    session: AsyncSession, settings: Settings, clock: Clock, query: ReportQuery
) -> Report:
    floor = min_group(settings)
    months = months_between(query.first_month, query.last_month)
    tallies = {month: _Tally() for month in months}
    await _count_invitations(session, clock.now(), query, tallies)
    matching = await _responses(session, query)
    other_versions = 0
    for _id, version, month, given, _by in matching:
        tally = tallies[month]
        tally.responses += 1
        if version == query.version:
            tally.answers.append(given)
        else:
            other_versions += 1
    current = [row for row in matching if row[1] == query.version]
    answers = [row[3] for row in current]
    shown = len(answers) >= floor
    questions = tuple(
        _question(q, answers, floor, shown) for q in survey_flow.questions(query.version)
    )
    answered_by: dict[str, int] = {}
    comments: tuple[str, ...] = ()
    if shown:
        answered_by = dict(Counter(row[4] or "unknown" for row in current))
        comments = await _comments(session, [row[0] for row in current])
    total = _Tally()
    for tally in tallies.values():
        total.meetings += tally.meetings
        total.declined += tally.declined
        total.waiting += tally.waiting
        total.offered += tally.offered
        total.responses += tally.responses
    return Report(
        query=query,
        min_group=floor,
        unit_names=await _unit_names(session, query.unit_ids),
        rates=total.rates() if shown else Rates(),
        answers=len(answers) if shown else 0,
        questions=questions,
        answered_by=answered_by,
        comments=comments,
        other_versions=other_versions if shown and other_versions >= floor else 0,
        months=_months(tallies, floor),
        goals=await goal_figures.build(
            session,
            settings,
            clock.now(),
            query.first_month,
            query.last_month,
            query.unit_ids,
            query.meeting_type,
            floor,
        ),
    )


def _months(tallies: dict[str, _Tally], floor: int) -> tuple[MonthResult, ...]:
    """Each month's figures, or none at all when it has too few answers.

    The months left out must together hold nothing or at least the minimum, or the total
    minus the months shown would give a small month away; until they do, the smallest month
    shown is left out as well.
    """
    hidden = {month for month, tally in tallies.items() if len(tally.answers) < floor}

    def gives_away() -> bool:
        left_out = [tallies[month] for month in hidden]
        sums = (
            sum(len(t.answers) for t in left_out),
            sum(t.responses for t in left_out),
            sum(t.offered for t in left_out),
            sum(t.meetings for t in left_out),
        )
        return any(0 < total < floor for total in sums)

    while gives_away() and len(hidden) < len(tallies):
        shown = [month for month in tallies if month not in hidden]
        hidden.add(min(shown, key=lambda month: (len(tallies[month].answers), month)))
    return tuple(
        MonthResult(month, Rates(), 0, None, shown=False)
        if month in hidden
        else MonthResult(month, tally.rates(), len(tally.answers), _positive(tally.answers))
        for month, tally in tallies.items()
    )


async def _count_invitations(
    session: AsyncSession, now: datetime, query: ReportQuery, tallies: dict[str, _Tally]
) -> None:
    statement = (
        select(SurveyInvitation, OutboxMessage.status, OutboxMessage.due_at)
        .outerjoin(OutboxMessage, OutboxMessage.id == SurveyInvitation.outbox_id)
        .where(
            SurveyInvitation.month >= query.first_month,
            SurveyInvitation.month <= query.last_month,
            SurveyInvitation.status != InvitationStatus.CANCELLED,
        )
    )
    if query.meeting_type:
        statement = statement.where(SurveyInvitation.meeting_type == query.meeting_type)
    for invitation, outbox_status, send_at in (await session.execute(statement)).all():
        if invitation.month not in tallies or not query.covers(invitation.unit_ids):
            continue
        tally = tallies[invitation.month]
        tally.meetings += 1
        offered = invitation.offered_at is not None or outbox_status == OutboxStatus.SENT
        if offered:
            tally.offered += 1
        elif invitation.status == InvitationStatus.DECLINED:
            tally.declined += 1
        elif invitation.status == InvitationStatus.NEW or (
            invitation.status == InvitationStatus.QUEUED
            and _later(now, invitation.due_at, send_at if outbox_status in OPEN else None)
        ):
            tally.waiting += 1


def _later(now: datetime, *moments: datetime | None) -> bool:
    """Whether the invitation is still to go out (quiet hours may have moved it later)."""
    return any(moment is not None and moment > now for moment in moments)


_Row = tuple[str, int, str, dict[str, int | None], str | None]


async def _responses(session: AsyncSession, query: ReportQuery) -> list[_Row]:
    statement = select(
        SurveyResponse.id,
        SurveyResponse.survey_version,
        SurveyResponse.month,
        SurveyResponse.answers,
        SurveyResponse.answered_by,
        SurveyResponse.unit_ids,
    ).where(
        SurveyResponse.month >= query.first_month,
        SurveyResponse.month <= query.last_month,
    )
    if query.meeting_type:
        statement = statement.where(SurveyResponse.meeting_type == query.meeting_type)
    rows: list[_Row] = []
    for response_id, version, month, answers, answered_by, unit_ids in (
        await session.execute(statement)
    ).all():
        if query.covers(unit_ids):
            rows.append((response_id, version, month, dict(answers), answered_by))
    return rows


def _question(
    question: survey_flow.Question,
    answers: list[dict[str, int | None]],
    floor: int,
    group_shown: bool,
) -> QuestionResult:
    values = [a.get(question.code) for a in answers]
    counts = tuple(sum(1 for v in values if v == step) for step in range(1, survey_flow.STEPS + 1))
    shown = group_shown and sum(counts) >= floor
    if not shown:
        counts = (0,) * survey_flow.STEPS
    skipped = len(values) - sum(counts) if shown else 0
    return QuestionResult(question.code, question.title, counts, skipped, shown)


def _positive(answers: list[dict[str, int | None]]) -> float | None:
    values = [v for a in answers for v in a.values() if isinstance(v, int)]
    if not values:
        return None
    return sum(1 for v in values if v in POSITIVE) / len(values)


async def _comments(session: AsyncSession, response_ids: list[str]) -> tuple[str, ...]:
    """Free text, sorted so that its order says nothing about who wrote what when."""
    if not response_ids:
        return ()
    found = await session.scalars(
        select(SurveyResponse.comment).where(
            SurveyResponse.id.in_(response_ids), SurveyResponse.comment.is_not(None)
        )
    )
    return tuple(sorted(comment for comment in found if comment))


async def _unit_names(session: AsyncSession, unit_ids: frozenset[int]) -> tuple[str, ...]:
    if not unit_ids:
        return ()
    names = await session.scalars(select(Unit.name).where(Unit.id.in_(unit_ids)))
    return tuple(sorted(names))
