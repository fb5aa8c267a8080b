"""The words and numbers every results format shares, so the chart, the caption, the CSV and
the HTML page say the same thing in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.numbers import format_decimal, format_percent

from bot.models.meetings import MeetingType
from bot.platform.i18n import N_, N_plural, Plural, Translator
from bot.survey.goals import Share
from bot.survey.invite import MEETING_TYPE_LABELS
from bot.survey.report import Report

TITLE = N_("Participation after shared meetings")
ALL_UNITS = N_("All units")
ALL_MEETINGS = N_("All meeting types")
ANSWERS = N_("Answers")
OFFERED = N_("Offered the survey")
OFFERED_DETAIL = N_plural("{offered} of {meetings} meeting", "{offered} of {meetings} meetings")
RESPONSE_RATE = N_("Response rate")
RESPONSE_DETAIL = N_("{responses} of {offered} offered")
DECLINED = N_("Meetings declined in consent: {declined} (not counted in the offered rate)")
WAITING = N_("Meetings whose survey is not sent yet: {waiting}")
TOO_FEW = N_plural(
    "There are too few answers yet to show results: at least {k} is needed.",
    "There are too few answers yet to show results: at least {k} are needed.",
)
TOO_FEW_SHORT = N_("Too few answers to show")
TOO_FEW_GAP = N_("too few answers")  # under a month left out of the trend: a gap, not a dip
OTHER_VERSIONS = N_plural(
    "{n} answer to an earlier version of the questions is not included.",
    "{n} answers to an earlier version of the questions are not included.",
)
SCALE_LOW = N_("1 – not at all")
SCALE_HIGH = N_("5 – yes, completely")
TREND = N_("Month by month")
TREND_POSITIVE = N_("Answered 4 or 5 (all questions)")
RATHER_NOT = N_("Rather not answer: {n}")
NONE = "–"


def offered_detail(offered: int, offerable: int, tr: Translator) -> str:
    return tr.counted_marked(OFFERED_DETAIL, offerable, offered=offered, meetings=offerable)


def percent(value: float | None, tr: Translator) -> str:
    return NONE if value is None else format_percent(value, locale=tr.locale)


def month_label(month: str, tr: Translator, *, short: bool = False) -> str:
    return tr.month(date(int(month[:4]), int(month[5:7]), 1), short=short)


def period(report: Report, tr: Translator) -> str:
    first, last = report.query.first_month, report.query.last_month
    if first == last:
        return month_label(first, tr)
    return f"{month_label(first, tr)} – {month_label(last, tr)}"


def units(report: Report, tr: Translator) -> str:
    return tr.join(report.unit_names) if report.unit_names else tr.gettext(ALL_UNITS)


def meeting_type(report: Report, tr: Translator) -> str:
    chosen = report.query.meeting_type
    if not chosen:
        return tr.gettext(ALL_MEETINGS)
    return tr.gettext(MEETING_TYPE_LABELS[MeetingType(chosen)])


def subtitle(report: Report, tr: Translator) -> str:
    return f"{units(report, tr)} · {meeting_type(report, tr)} · {period(report, tr)}"


def scale_labels(tr: Translator) -> list[str]:
    return [tr.gettext(SCALE_LOW), "2", "3", "4", tr.gettext(SCALE_HIGH)]


def too_few(report: Report, tr: Translator) -> str:
    return tr.counted_marked(TOO_FEW, report.min_group, k=report.min_group)


def summary_lines(report: Report, tr: Translator) -> list[str]:
    """The key figures in plain lines: n, offered rate, response rate, declined in consent;
    with too few answers, only that."""
    if report.suppressed:
        return [too_few(report, tr)]
    rates = report.rates
    lines = [
        f"{tr.gettext(ANSWERS)}: n = {report.answers}",
        f"{tr.gettext(OFFERED)}: {percent(rates.offered_rate, tr)} ("
        + offered_detail(rates.offered, rates.offerable, tr)
        + ")",
        f"{tr.gettext(RESPONSE_RATE)}: {percent(rates.response_rate, tr)} ("
        + tr.gettext(RESPONSE_DETAIL).format(responses=rates.responses, offered=rates.offered)
        + ")",
        tr.gettext(DECLINED).format(declined=rates.declined),
    ]
    if rates.waiting:
        lines.append(tr.gettext(WAITING).format(waiting=rates.waiting))
    if report.other_versions:
        lines.append(tr.counted_marked(OTHER_VERSIONS, report.other_versions))
    return lines


GOALS = N_("The goals' figures")
GOAL_SIP_OFFERED = N_("People with a SIP who were offered the survey")
GOAL_BOTH = N_("Cases with both organisations that have a SIP")
GOAL_GFI_DAYS = N_("From GFI request to meeting (median)")
GOAL_NO_SHOWS = N_("Meetings the person did not come to")
GOAL_OPEN = N_("Referrals still open after 14 days")
OF_PEOPLE = N_plural("{part} of {whole} person", "{part} of {whole} people")
OF_CASES = N_plural("{part} of {whole} case", "{part} of {whole} cases")
OF_MEETINGS = N_plural("{part} of {whole} meeting", "{part} of {whole} meetings")
OF_REFERRALS = N_plural("{part} of {whole} referral", "{part} of {whole} referrals")
GFIS = N_plural("{n} GFI", "{n} GFIs")
DAYS = N_plural("{days} day", "{days} days")
GOAL_TOO_FEW = N_("too few to show")


@dataclass(frozen=True)
class GoalRow:
    """One figure as every format shows it; ``value`` and ``detail`` empty when too few."""

    code: str
    label: str
    shown: bool
    value: str
    detail: str
    number: float | None  # what a spreadsheet gets: a percentage or a number of days
    count: int | None
    group: int | None


def _share_row(code: str, label: str, share: Share, detail: Plural, tr: Translator) -> GoalRow:
    if not share.shown:
        return GoalRow(code, tr.gettext(label), False, "", "", None, None, None)
    return GoalRow(
        code,
        tr.gettext(label),
        True,
        percent(share.rate, tr),
        tr.counted_marked(detail, share.whole, part=share.part, whole=share.whole),
        None if share.rate is None else share.rate * 100,
        share.part,
        share.whole,
    )


def goal_rows(report: Report, tr: Translator) -> list[GoalRow]:
    goals = report.goals
    median = goals.gfi_days
    if median.shown and median.days is not None:
        days = format_decimal(round(median.days, 1), locale=tr.locale)
        gfi = GoalRow(
            "gfi_days",
            tr.gettext(GOAL_GFI_DAYS),
            True,
            tr.counted_marked(DAYS, round(median.days, 1), days=days),
            tr.counted_marked(GFIS, median.n),
            round(median.days, 1),
            None,
            median.n,
        )
    else:
        gfi = GoalRow("gfi_days", tr.gettext(GOAL_GFI_DAYS), False, "", "", None, None, None)
    return [
        _share_row("sip_offered", GOAL_SIP_OFFERED, goals.sip_offered, OF_PEOPLE, tr),
        _share_row("both_with_sip", GOAL_BOTH, goals.both_with_sip, OF_CASES, tr),
        gfi,
        _share_row("no_shows", GOAL_NO_SHOWS, goals.no_shows, OF_MEETINGS, tr),
        _share_row("open_transitions", GOAL_OPEN, goals.open_transitions, OF_REFERRALS, tr),
    ]


def goal_lines(report: Report, tr: Translator) -> list[str]:
    lines = [tr.gettext(GOALS)]
    for row in goal_rows(report, tr):
        if row.shown:
            lines.append(f"{row.label}: {row.value} ({row.detail})")
        else:
            lines.append(f"{row.label}: {tr.gettext(GOAL_TOO_FEW)}")
    return lines
