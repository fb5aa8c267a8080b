"""The results as an Excel workbook: one sheet per table, numbers as numbers.

Shares are stored as fractions with a percent format, so a spreadsheet can compute with them
and shows them in its own language. Whatever the :class:`Report` leaves out below the minimum
group size is left out here too, and the row says why instead.

openpyxl is imported inside the function, as matplotlib is for the chart: only a report in
this format needs it.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from bot.platform.i18n import N_, Translator
from bot.survey import report_formats as formats
from bot.survey import report_texts as texts
from bot.survey.report import Report
from flows import survey as survey_flow

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SUMMARY = N_("Summary")
H_FIGURE = N_("Figure")
H_PERCENT = N_("Percent")
H_DETAIL = N_("Detail")
PERCENT = "0.0%"
SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
_NOT_IN_NAMES = str.maketrans({c: " " for c in "[]:*?/\\"})


def xlsx_bytes(report: Report, tr: Translator) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = _name(tr.gettext(SUMMARY))
    _summary(summary, report, tr)
    _questions(book.create_sheet(_name(tr.gettext(formats.PER_QUESTION))), report, tr)
    _months(book.create_sheet(_name(tr.gettext(texts.TREND))), report, tr)
    if not report.suppressed and report.answered_by:
        sheet = book.create_sheet(_name(tr.gettext(formats.ANSWERED_BY)))
        _header(sheet, [tr.gettext(formats.ANSWERED_BY), tr.gettext(formats.H_COUNT)])
        for code, count in sorted(report.answered_by.items()):
            sheet.append([formats.answered_by(code, tr), count])
    _goals(book.create_sheet(_name(tr.gettext(texts.GOALS))), report, tr)
    for sheet in book.worksheets:
        sheet.sheet_view.rightToLeft = tr.rtl
        _widths(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _name(text: str) -> str:
    return text.translate(_NOT_IN_NAMES)[:SHEET_NAME_LIMIT]


def _header(sheet: Worksheet, cells: list[str]) -> None:
    from openpyxl.styles import Font

    sheet.append(cells)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def _percent_row(sheet: Worksheet, values: list[Any], percent_columns: set[int]) -> None:
    sheet.append(values)
    for column in percent_columns:
        sheet.cell(row=sheet.max_row, column=column).number_format = PERCENT


def _summary(sheet: Worksheet, report: Report, tr: Translator) -> None:
    from openpyxl.styles import Font

    sheet.append([tr.gettext(texts.TITLE)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([texts.subtitle(report, tr)])
    sheet.append([])
    if report.suppressed:
        sheet.append([texts.too_few(report, tr)])
        return
    rates = report.rates
    _header(sheet, [tr.gettext(H_FIGURE), "n", tr.gettext(H_PERCENT)])
    rows: list[tuple[str, int, float | None]] = [
        (tr.gettext(texts.ANSWERS), report.answers, None),
        (tr.gettext(formats.H_MEETINGS), rates.meetings, None),
        (tr.gettext(formats.H_DECLINED), rates.declined, None),
        (tr.gettext(formats.H_WAITING), rates.waiting, None),
        (tr.gettext(formats.H_OFFERED), rates.offered, rates.offered_rate),
        (tr.gettext(formats.H_RESPONSES), rates.responses, rates.response_rate),
    ]
    for label, count, share in rows:
        _percent_row(sheet, [label, count, share], {3})


def _questions(sheet: Worksheet, report: Report, tr: Translator) -> None:
    scale = texts.scale_labels(tr)
    _header(sheet, [tr.gettext(formats.H_QUESTION), "n", *scale, tr.gettext(formats.H_RATHER_NOT)])
    shares = set(range(3, 3 + survey_flow.STEPS))
    for question in report.questions:
        title = tr.gettext(question.title)
        if question.shown:
            values = [title, question.n, *question.shares, question.skipped]
            _percent_row(sheet, values, shares)
        else:
            sheet.append([title, tr.gettext(texts.TOO_FEW_SHORT)])


def _months(sheet: Worksheet, report: Report, tr: Translator) -> None:
    _header(
        sheet,
        [
            tr.gettext(formats.H_MONTH),
            "n",
            tr.gettext(formats.H_MEETINGS),
            tr.gettext(formats.H_DECLINED),
            tr.gettext(texts.OFFERED),
            tr.gettext(texts.RESPONSE_RATE),
            tr.gettext(texts.TREND_POSITIVE),
        ],
    )
    for month in report.months:
        label = texts.month_label(month.month, tr)
        if not month.shown:
            sheet.append([label, tr.gettext(texts.TOO_FEW_SHORT)])
            continue
        rates = month.rates
        values = [
            label,
            month.answers,
            rates.meetings,
            rates.declined,
            rates.offered_rate,
            rates.response_rate,
            month.positive,
        ]
        _percent_row(sheet, values, {5, 6, 7})


def _goals(sheet: Worksheet, report: Report, tr: Translator) -> None:
    _header(
        sheet,
        [
            tr.gettext(texts.GOALS),
            tr.gettext(formats.H_VALUE),
            tr.gettext(formats.H_COUNT),
            "n",
            tr.gettext(H_DETAIL),
        ],
    )
    for goal in texts.goal_rows(report, tr):
        if not goal.shown:
            sheet.append([goal.label, tr.gettext(texts.GOAL_TOO_FEW)])
            continue
        sheet.append([goal.label, goal.number, goal.count, goal.group, goal.detail])


def _widths(sheet: Worksheet) -> None:
    """Wide enough for the longest text in each column, within reason."""
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        longest = max((len(str(value)) for value in column if value is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), 60)
