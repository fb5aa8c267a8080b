"""The results as a chat caption, a CSV file and an HTML page; same numbers as the chart.

The CSV follows the spreadsheet conventions of the reader's language, since that is how a
spreadsheet program set up in that language opens a file with a double click: in Swedish a
decimal comma and a semicolon between fields, in English a decimal point and a comma. Percent
has one decimal and no sign. UTF-8 with a byte-order mark, which is how Excel recognises UTF-8.
"""

from __future__ import annotations

import base64
import csv
import html
import io

from babel.numbers import get_decimal_symbol

from bot.platform.i18n import N_, Translator
from bot.survey import report_texts as texts
from bot.survey.report import Report
from flows import survey as survey_flow

CAPTION_LIMIT = 1024

H_SECTION = N_("Section")
H_MONTH = N_("Month")
H_QUESTION = N_("Question")
H_RATHER_NOT = N_("Rather not answer")
H_MEETINGS = N_("Meetings")
H_DECLINED = N_("Declined in consent")
H_WAITING = N_("Not sent yet")
H_OFFERED = N_("Offered")
H_OFFERED_RATE = N_("Offered rate (%)")
H_RESPONSES = N_("Responses")
H_RESPONSE_RATE = N_("Response rate (%)")
H_POSITIVE = N_("Answered 4 or 5 (%)")
H_COUNT = N_("Count")
H_VALUE = N_("Value (percent or days)")
H_NOTE = N_("Note")
S_TOTAL = N_("total")
S_QUESTION = N_("question")
S_MONTH = N_("month")
S_ANSWERED_BY = N_("answered by")
S_GOAL = N_("goal")
PER_QUESTION = N_("Per question")
ANSWERED_BY = N_("Who answered")
COMMENTS = N_("What could have been better")
SHARE = N_("{step} (%)")
PAPER_TITLE = N_("About the meeting you took part in")
PAPER_INTRO = N_(
    "A few short sentences about the meeting. For each one, put a cross in the box that fits "
    "best, from 1 (not at all) to 5 (yes, completely). You can leave any sentence out. Do not "
    "write your name: the answers are anonymous. Answering is voluntary and does not affect "
    "your care or support."
)
PAPER_MEETING = N_("Meeting (for example GFI or SIP meeting): ______________  Month: ________")
PAPER_WHO = N_("Who is answering?")
PAPER_BETTER = N_("What could have been better? (Please no names or diagnoses.)")
PAPER_AFTER = N_(
    "Hand the sheet back folded, or put it in the box for answers. Thank you for your help!"
)


def caption(report: Report, tr: Translator) -> str:
    lines = [
        tr.gettext(texts.TITLE),
        texts.subtitle(report, tr),
        "",
        *texts.summary_lines(report, tr),
        "",
        *texts.goal_lines(report, tr),
    ]
    return "\n".join(lines)[:CAPTION_LIMIT]


def _number(value: float | None, tr: Translator) -> str:
    return "" if value is None else decimal(value * 100, tr)


def decimal(value: float, tr: Translator) -> str:
    """One decimal, with the decimal sign of the reader's language, no grouping."""
    return f"{value:.1f}".replace(".", get_decimal_symbol(tr.locale))


def separator(tr: Translator) -> str:
    """A semicolon where the comma is the decimal sign (Swedish Excel), else a comma."""
    return ";" if get_decimal_symbol(tr.locale) == "," else ","


def _headers(tr: Translator) -> list[str]:
    shares = [tr.gettext(SHARE).format(step=step) for step in range(1, survey_flow.STEPS + 1)]
    return [
        tr.gettext(H_SECTION),
        tr.gettext(H_MONTH),
        tr.gettext(H_QUESTION),
        "n",
        *shares,
        tr.gettext(H_RATHER_NOT),
        tr.gettext(H_MEETINGS),
        tr.gettext(H_DECLINED),
        tr.gettext(H_WAITING),
        tr.gettext(H_OFFERED),
        tr.gettext(H_OFFERED_RATE),
        tr.gettext(H_RESPONSES),
        tr.gettext(H_RESPONSE_RATE),
        tr.gettext(H_POSITIVE),
        tr.gettext(H_COUNT),
        tr.gettext(H_VALUE),
        tr.gettext(H_NOTE),
    ]


def csv_bytes(report: Report, tr: Translator) -> bytes:
    """In the reader's spreadsheet conventions (see the module's docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator(tr))
    writer.writerow(_headers(tr))
    blank_shares = [""] * survey_flow.STEPS
    rates = report.rates
    span = f"{report.query.first_month}..{report.query.last_month}"
    too_few = tr.gettext(texts.TOO_FEW_SHORT)
    if report.suppressed:
        writer.writerow([tr.gettext(S_TOTAL), span, *[""] * 18, too_few])
    else:
        writer.writerow(
            [
                tr.gettext(S_TOTAL),
                span,
                "",
                report.answers,
                *blank_shares,
                "",
                rates.meetings,
                rates.declined,
                rates.waiting,
                rates.offered,
                _number(rates.offered_rate, tr),
                rates.responses,
                _number(rates.response_rate, tr),
                "",
                "",
                "",
                "",
            ]
        )
    for question in report.questions:
        shown = question.shown
        writer.writerow(
            [
                tr.gettext(S_QUESTION),
                span,
                tr.gettext(question.title),
                question.n if shown else "",
                *([_number(share, tr) for share in question.shares] if shown else blank_shares),
                question.skipped if shown else "",
                *[""] * 10,
                "" if shown else too_few,
            ]
        )
    if not report.suppressed:
        for code, count in sorted(report.answered_by.items()):
            writer.writerow(
                [tr.gettext(S_ANSWERED_BY), span, answered_by(code, tr), count, *[""] * 17]
            )
    for month in report.months:
        if not month.shown:
            writer.writerow([tr.gettext(S_MONTH), month.month, *[""] * 18, too_few])
            continue
        writer.writerow(
            [
                tr.gettext(S_MONTH),
                month.month,
                "",
                month.answers,
                *blank_shares,
                "",
                month.rates.meetings,
                month.rates.declined,
                month.rates.waiting,
                month.rates.offered,
                _number(month.rates.offered_rate, tr),
                month.rates.responses,
                _number(month.rates.response_rate, tr),
                _number(month.positive, tr),
                "",
                "",
                "",
            ]
        )
    goal_too_few = tr.gettext(texts.GOAL_TOO_FEW)
    for goal in texts.goal_rows(report, tr):
        number = "" if goal.number is None else decimal(goal.number, tr)
        writer.writerow(
            [
                tr.gettext(S_GOAL),
                span,
                goal.label,
                "" if goal.group is None else goal.group,
                *[""] * 14,
                "" if goal.count is None else goal.count,
                number,
                goal.detail if goal.shown else goal_too_few,
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def answered_by(code: str, tr: Translator) -> str:
    for option in survey_flow.ANSWERED_BY_OPTIONS:
        if option.code == code:
            return tr.gettext(option.label)
    return tr.gettext(survey_flow.RATHER_NOT)


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }
p.sub { color: #666; margin-top: -0.5rem; }
img { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: end; }
th:first-child, td:first-child { text-align: start; }
section.paper { border-top: 2px dashed #999; margin-top: 3rem; padding-top: 1rem; }
section.paper table.statements td { text-align: center; font-size: 1.4rem; }
section.paper table.statements td:first-child { text-align: start; font-size: 1rem; }
section.paper table.statements th { text-align: center; }
section.paper div.lines { height: 6rem; border-bottom: 1px solid #999;
  background: repeating-linear-gradient(transparent 0 1.9rem, #bbb 1.9rem 2rem); }
p.small { font-size: 0.85rem; color: #444; }
@media print {
  body { margin: 0; max-width: none; }
  section.paper { break-before: page; border-top: none; margin-top: 0; }
}
"""


def html_page(report: Report, tr: Translator, png: bytes) -> str:
    e = html.escape
    title = tr.gettext(texts.TITLE)
    image = base64.b64encode(png).decode("ascii")
    parts = [
        f'<!doctype html>\n<html lang="{e(tr.locale)}" dir="{"rtl" if tr.rtl else "ltr"}">',
        '<head>\n<meta charset="utf-8">',
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="sub">{e(texts.subtitle(report, tr))}</p>',
        "<ul>",
        *[f"<li>{e(line)}</li>" for line in texts.summary_lines(report, tr)],
        "</ul>",
        f'<img src="data:image/png;base64,{image}" alt="{e(title)}">',
    ]
    if not report.suppressed:
        parts += _question_table(report, tr)
        parts += _month_table(report, tr)
    if not report.suppressed and report.answered_by:
        parts += [f"<h2>{e(tr.gettext(ANSWERED_BY))}</h2>", "<ul>"]
        parts += [
            f"<li>{e(answered_by(code, tr))}: {count}</li>"
            for code, count in sorted(report.answered_by.items())
        ]
        parts.append("</ul>")
    if not report.suppressed and report.comments:
        parts += [f"<h2>{e(tr.gettext(COMMENTS))}</h2>", "<ul>"]
        parts += [f"<li>{e(comment)}</li>" for comment in report.comments]
        parts.append("</ul>")
    parts += _goal_table(report, tr)
    parts += paper_page(tr)
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _goal_table(report: Report, tr: Translator) -> list[str]:
    rows = [f"<h2>{html.escape(tr.gettext(texts.GOALS))}</h2>", "<table>"]
    for goal in texts.goal_rows(report, tr):
        if goal.shown:
            rows.append(_row([goal.label, goal.value, goal.detail]))
        else:
            rows.append(_row([goal.label, tr.gettext(texts.GOAL_TOO_FEW)]))
    rows.append("</table>")
    return rows


def paper_page(tr: Translator) -> list[str]:
    """The seven statements on a page of their own, for people who answer on paper."""
    e = html.escape
    faces = texts.scale_labels(tr)
    head = ["", *faces, tr.gettext(survey_flow.RATHER_NOT)]
    rows = [
        '<section class="paper">',
        f"<h1>{e(tr.gettext(PAPER_TITLE))}</h1>",
        f"<p>{e(tr.gettext(PAPER_INTRO))}</p>",
        f"<p>{e(tr.gettext(PAPER_MEETING))}</p>",
        '<table class="statements">',
        _row(head, header=True),
    ]
    for question in survey_flow.questions():
        rows.append(_row([f"“{tr.gettext(question.title)}”", *["☐"] * (len(head) - 1)]))
    rows.append("</table>")
    who = "  ".join(f"☐ {tr.gettext(o.label)}" for o in survey_flow.ANSWERED_BY_OPTIONS)
    rows += [
        f"<p>{e(tr.gettext(PAPER_WHO))} {e(who)}</p>",
        f"<p>{e(tr.gettext(PAPER_BETTER))}</p>",
        '<div class="lines"></div>',
        f'<p class="small">{e(tr.gettext(PAPER_AFTER))}</p>',
        "</section>",
    ]
    return rows


def _question_table(report: Report, tr: Translator) -> list[str]:
    e = html.escape
    head = [tr.gettext(H_QUESTION), "n", *texts.scale_labels(tr), tr.gettext(H_RATHER_NOT)]
    rows = [f"<h2>{e(tr.gettext(PER_QUESTION))}</h2>", "<table>", _row(head, header=True)]
    for question in report.questions:
        if question.shown:
            cells = [
                tr.gettext(question.title),
                str(question.n),
                *[texts.percent(share, tr) for share in question.shares],
                str(question.skipped),
            ]
        else:
            cells = [tr.gettext(question.title), tr.gettext(texts.TOO_FEW_SHORT)]
        rows.append(_row(cells))
    rows.append("</table>")
    return rows


def _month_table(report: Report, tr: Translator) -> list[str]:
    head = [
        tr.gettext(H_MONTH),
        "n",
        tr.gettext(H_MEETINGS),
        tr.gettext(H_DECLINED),
        tr.gettext(texts.OFFERED),
        tr.gettext(texts.RESPONSE_RATE),
        tr.gettext(texts.TREND_POSITIVE),
    ]
    rows = [f"<h2>{html.escape(tr.gettext(texts.TREND))}</h2>", "<table>", _row(head, header=True)]
    for month in report.months:
        if not month.shown:
            rows.append(_row([texts.month_label(month.month, tr), tr.gettext(texts.TOO_FEW_SHORT)]))
            continue
        rows.append(
            _row(
                [
                    texts.month_label(month.month, tr),
                    str(month.answers),
                    str(month.rates.meetings),
                    str(month.rates.declined),
                    texts.percent(month.rates.offered_rate, tr),
                    texts.percent(month.rates.response_rate, tr),
                    texts.percent(month.positive, tr),
                ]
            )
        )
    rows.append("</table>")
    return rows


def _row(cells: list[str], *, header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"
