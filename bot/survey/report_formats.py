"""The results as a chat caption, a CSV file and an HTML page; same numbers as the chart.

Numbers in the CSV are plain (percent with one decimal and a point) so that spreadsheets read
them in any language; the headers are in the reader's language.
"""

from __future__ import annotations

import base64
import csv
import html
import io

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
H_NOTE = N_("Note")
S_TOTAL = N_("total")
S_QUESTION = N_("question")
S_MONTH = N_("month")
S_ANSWERED_BY = N_("answered by")
PER_QUESTION = N_("Per question")
ANSWERED_BY = N_("Who answered")
COMMENTS = N_("What could have been better")
SHARE = N_("{step} (%)")


def caption(report: Report, tr: Translator) -> str:
    lines = [
        tr.gettext(texts.TITLE),
        texts.subtitle(report, tr),
        "",
        *texts.summary_lines(report, tr),
    ]
    return "\n".join(lines)[:CAPTION_LIMIT]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


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
        tr.gettext(H_NOTE),
    ]


def csv_bytes(report: Report, tr: Translator) -> bytes:
    """UTF-8 with a byte-order mark, which is how spreadsheet programs recognise UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers(tr))
    blank_shares = [""] * survey_flow.STEPS
    rates = report.rates
    span = f"{report.query.first_month}..{report.query.last_month}"
    too_few = tr.gettext(texts.TOO_FEW_SHORT)
    if report.suppressed:
        writer.writerow([tr.gettext(S_TOTAL), span, *[""] * 16, too_few])
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
                _number(rates.offered_rate),
                rates.responses,
                _number(rates.response_rate),
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
                *([_number(share) for share in question.shares] if shown else blank_shares),
                question.skipped if shown else "",
                *[""] * 8,
                "" if shown else too_few,
            ]
        )
    if not report.suppressed:
        for code, count in sorted(report.answered_by.items()):
            writer.writerow(
                [tr.gettext(S_ANSWERED_BY), span, _answered_by(code, tr), count, *[""] * 15]
            )
    for month in report.months:
        if not month.shown:
            writer.writerow([tr.gettext(S_MONTH), month.month, *[""] * 16, too_few])
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
                _number(month.rates.offered_rate),
                month.rates.responses,
                _number(month.rates.response_rate),
                _number(month.positive),
                "",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _answered_by(code: str, tr: Translator) -> str:
    for option in survey_flow.ANSWERED_BY_OPTIONS:
        if option.code == code:
            return tr.gettext(option.label)
    return tr.gettext(survey_flow.RATHER_NOT)


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }
p.sub { color: #666; margin-top: -0.5rem; }
img { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
"""


def html_page(report: Report, tr: Translator, png: bytes) -> str:
    e = html.escape
    title = tr.gettext(texts.TITLE)
    image = base64.b64encode(png).decode("ascii")
    parts = [
        f'<!doctype html>\n<html lang="{e(tr.locale)}">\n<head>\n<meta charset="utf-8">',
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
            f"<li>{e(_answered_by(code, tr))}: {count}</li>"
            for code, count in sorted(report.answered_by.items())
        ]
        parts.append("</ul>")
    if not report.suppressed and report.comments:
        parts += [f"<h2>{e(tr.gettext(COMMENTS))}</h2>", "<ul>"]
        parts += [f"<li>{e(comment)}</li>" for comment in report.comments]
        parts.append("</ul>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


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
