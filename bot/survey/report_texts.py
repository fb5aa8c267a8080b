"""The words and numbers every results format shares, so the chart, the caption, the CSV and
the HTML page say the same thing in the reader's language."""

from __future__ import annotations

from datetime import date

from babel.numbers import format_percent

from bot.models.meetings import MeetingType
from bot.platform.i18n import N_, Translator
from bot.survey.invite import MEETING_TYPE_LABELS
from bot.survey.report import Report

TITLE = N_("Participation after shared meetings")
ALL_UNITS = N_("All units")
ALL_MEETINGS = N_("All meeting types")
ANSWERS = N_("Answers")
OFFERED = N_("Offered the survey")
OFFERED_DETAIL = N_("{offered} of {meetings} meetings")
RESPONSE_RATE = N_("Response rate")
RESPONSE_DETAIL = N_("{responses} of {offered} offered")
DECLINED = N_("Meetings declined in consent: {declined} (not counted in the offered rate)")
WAITING = N_("Meetings whose survey is not sent yet: {waiting}")
TOO_FEW = N_("There are too few answers yet to show results: at least {k} are needed.")
TOO_FEW_SHORT = N_("Too few answers to show")
OTHER_VERSIONS = N_("{n} answers to an earlier version of the questions are not included.")
SCALE_LOW = N_("1 – not at all")
SCALE_HIGH = N_("5 – yes, completely")
TREND = N_("Month by month")
TREND_POSITIVE = N_("Answered 4 or 5 (all questions)")
RATHER_NOT = N_("Rather not answer: {n}")
NONE = "–"


def percent(value: float | None, tr: Translator) -> str:
    return NONE if value is None else format_percent(value, locale=tr.locale)


def month_label(month: str, tr: Translator, fmt: str = "MMMM yyyy") -> str:
    return tr.date(date(int(month[:4]), int(month[5:7]), 1), fmt)


def period(report: Report, tr: Translator) -> str:
    first, last = report.query.first_month, report.query.last_month
    if first == last:
        return month_label(first, tr)
    return f"{month_label(first, tr)} – {month_label(last, tr)}"


def units(report: Report, tr: Translator) -> str:
    return ", ".join(report.unit_names) if report.unit_names else tr.gettext(ALL_UNITS)


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
    return tr.gettext(TOO_FEW).format(k=report.min_group)


def summary_lines(report: Report, tr: Translator) -> list[str]:
    """The key figures in plain lines: n, offered rate, response rate, declined in consent;
    with too few answers, only that."""
    if report.suppressed:
        return [too_few(report, tr)]
    rates = report.rates
    lines = [
        f"{tr.gettext(ANSWERS)}: n = {report.answers}",
        f"{tr.gettext(OFFERED)}: {percent(rates.offered_rate, tr)} ("
        + tr.gettext(OFFERED_DETAIL).format(offered=rates.offered, meetings=rates.offerable)
        + ")",
        f"{tr.gettext(RESPONSE_RATE)}: {percent(rates.response_rate, tr)} ("
        + tr.gettext(RESPONSE_DETAIL).format(responses=rates.responses, offered=rates.offered)
        + ")",
        tr.gettext(DECLINED).format(declined=rates.declined),
    ]
    if rates.waiting:
        lines.append(tr.gettext(WAITING).format(waiting=rates.waiting))
    if report.other_versions:
        lines.append(tr.gettext(OTHER_VERSIONS).format(n=report.other_versions))
    return lines
