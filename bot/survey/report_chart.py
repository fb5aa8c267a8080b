"""The results as one picture a unit head reads at a glance: key figures on top, one stacked bar
per question, and the month-by-month trend below.

matplotlib is imported inside the functions (start-up imports every module) and only its
object API is used, with the Agg canvas, so charts can be drawn in a worker thread. The text
drawn is also written into the PNG's description, so what a picture shows can be checked.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
import warnings
from typing import TYPE_CHECKING, Any

from bot.platform.i18n import Translator
from bot.survey import report_texts as texts
from bot.survey.report import Report

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

# Red to blue through grey: reads as bad to good, and works for red-green colour blindness.
STEP_COLOURS = ("#ca0020", "#f4a582", "#d4d4d4", "#92c5de", "#0571b0")
STEP_TEXT = ("white", "#222222", "#222222", "#222222", "white")
INK = "#222222"
MUTED = "#666666"
# matplotlib's shared caches (fonts, text layout) are not made for several threads at once.
_DRAWING = threading.Lock()
LINE_COLOURS = ("#4d4d4d", "#e08214", "#0571b0")
# Different marks and sizes, so that lines meeting at the same value stay visible.
LINE_MARKS = (("s", 9), ("o", 6), ("D", 4))
GOALS_HEIGHT = 2.6  # inches under the survey results for the goals' figures


def render_png(report: Report, tr: Translator) -> bytes:
    from matplotlib.text import Text

    with _DRAWING:
        figure = draw(report, tr)
        shown = [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]
        buffer = io.BytesIO()
        figure.savefig(
            buffer,
            format="png",
            metadata={"Title": tr.gettext(texts.TITLE), "Description": "\n".join(shown)},
        )
        return buffer.getvalue()


def draw(report: Report, tr: Translator) -> Figure:
    """The whole chart as a matplotlib figure, laid out but not rendered to pixels: what it
    shows can be read from it. Only one thread may draw at a time (see :data:`_DRAWING`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 10.5 + GOALS_HEIGHT), dpi=110)
    FigureCanvasAgg(figure)
    parts: Any = figure.subfigures(2, 1, height_ratios=(10.5, GOALS_HEIGHT))
    top, bottom = parts[0], parts[1]
    _header(top, report, tr)
    if report.suppressed:
        _suppressed(top.add_axes((0.04, 0.36, 0.92, 0.40)), report, tr)
    else:
        _bars(top.add_axes((0.36, 0.36, 0.50, 0.42)), report, tr)
        _trend(top.add_axes((0.08, 0.10, 0.84, 0.16)), report, tr)
    _goals(bottom, report, tr)
    if not tr.rtl:
        figure.draw_without_rendering()
        return figure
    with warnings.catch_warnings():
        # The first layout makes every text object (tick labels included); its Arabic in
        # matplotlib's own font is never shown.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.draw_without_rendering()
    _right_to_left(figure)
    figure.draw_without_rendering()
    return figure


# Fonts with Arabic letters, where the system has them: matplotlib's own DejaVu Sans has none.
ARABIC_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
)


def _right_to_left(figure: Figure) -> None:
    """matplotlib joins Arabic letters and orders the line itself (3.11 and later), but its own
    DejaVu Sans has no Arabic letters: every text gets a font that has them."""
    from pathlib import Path

    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

    font = next((p for p in ARABIC_FONTS if Path(p).exists()), None)
    if font is None:
        return
    for text in figure.findobj(Text):
        text.set_fontproperties(
            FontProperties(
                fname=font,
                size=text.get_fontsize(),
                weight=text.get_fontweight(),
                style=text.get_fontstyle(),
            )
        )


def _goals(figure: Figure | SubFigure, report: Report, tr: Translator) -> None:
    """The goals' figures, one line each, under the survey results: shown even when the
    survey has too few answers, since they count people, cases and meetings."""
    rows = texts.goal_rows(report, tr)
    figure.text(0.04, 0.90, tr.gettext(texts.GOALS), fontsize=13, weight="bold", color=INK)
    step = 0.78 / max(len(rows), 1)
    for position, row in enumerate(rows):
        y = 0.74 - position * step
        figure.text(0.04, y, row.label, fontsize=10.5, color=INK, va="center")
        if row.shown:
            figure.text(0.62, y, row.value, fontsize=12, weight="bold", color=INK, va="center")
            figure.text(0.75, y, row.detail, fontsize=9.5, color=MUTED, va="center")
        else:
            label = tr.gettext(texts.GOAL_TOO_FEW)
            figure.text(0.62, y, label, fontsize=10, color=MUTED, va="center", style="italic")


def _header(figure: Figure | SubFigure, report: Report, tr: Translator) -> None:
    rates = report.rates
    figure.text(0.04, 0.965, tr.gettext(texts.TITLE), fontsize=18, weight="bold", color=INK)
    figure.text(0.04, 0.935, texts.subtitle(report, tr), fontsize=11.5, color=MUTED)
    if report.suppressed:
        return  # no figure at all: each would be about fewer people than the minimum
    figures = (
        (tr.gettext(texts.ANSWERS), f"n = {report.answers}", ""),
        (
            tr.gettext(texts.OFFERED),
            texts.percent(rates.offered_rate, tr),
            texts.offered_detail(rates.offered, rates.offerable, tr),
        ),
        (
            tr.gettext(texts.RESPONSE_RATE),
            texts.percent(rates.response_rate, tr),
            tr.gettext(texts.RESPONSE_DETAIL).format(
                responses=rates.responses, offered=rates.offered
            ),
        ),
    )
    for position, (label, value, detail) in enumerate(figures):
        x = 0.04 + position * 0.32
        figure.text(x, 0.895, label, fontsize=11, color=MUTED)
        figure.text(x, 0.855, value, fontsize=22, weight="bold", color=INK)
        if detail:
            figure.text(x, 0.835, detail, fontsize=10, color=MUTED)
    notes = [tr.gettext(texts.DECLINED).format(declined=rates.declined)]
    if rates.waiting:
        notes.append(tr.gettext(texts.WAITING).format(waiting=rates.waiting))
    if report.other_versions:
        notes.append(tr.counted_marked(texts.OTHER_VERSIONS, report.other_versions))
    figure.text(0.04, 0.805, "\n".join(notes), fontsize=10, color=MUTED, va="top")


def _question_labels(report: Report, tr: Translator) -> list[str]:
    return [textwrap.fill(tr.gettext(q.title), 34) for q in report.questions]


def _bars(axes: Axes, report: Report, tr: Translator) -> None:
    positions = list(range(len(report.questions)))[::-1]
    for step in range(5):
        for y, question in zip(positions, report.questions, strict=True):
            if not question.shown:
                continue
            left = sum(question.shares[:step]) * 100
            width = question.shares[step] * 100
            axes.barh(y, width, left=left, color=STEP_COLOURS[step], edgecolor="white", height=0.7)
            if width >= 7:
                axes.text(
                    left + width / 2,
                    y,
                    texts.percent(question.shares[step], tr),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=STEP_TEXT[step],
                )
    for y, question in zip(positions, report.questions, strict=True):
        if question.shown:
            note = f"n = {question.n}"
            if question.skipped:
                note += "\n" + tr.gettext(texts.RATHER_NOT).format(n=question.skipped)
            axes.text(101.5, y, note, va="center", fontsize=8.5, color=MUTED)
        else:
            axes.barh(y, 100, color="#f0f0f0", height=0.7)
            axes.text(
                50,
                y,
                tr.gettext(texts.TOO_FEW_SHORT),
                ha="center",
                va="center",
                fontsize=9,
                color=MUTED,
            )
    axes.set_yticks(positions, _question_labels(report, tr), fontsize=10, color=INK)
    axes.set_xlim(0, 100)
    axes.set_xticks(
        [0, 25, 50, 75, 100],
        [texts.percent(v / 100, tr) for v in (0, 25, 50, 75, 100)],
        fontsize=8.5,
        color=MUTED,
    )
    _plain(axes)
    _legend(axes, tr)


def _legend(axes: Axes, tr: Translator) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=colour) for colour in STEP_COLOURS]
    axes.legend(
        handles,
        texts.scale_labels(tr),
        loc="upper center",
        bbox_to_anchor=(0.4, -0.07),
        ncol=5,
        frameon=False,
        fontsize=9,
        handlelength=1.2,
        columnspacing=1.2,
    )


def _suppressed(axes: Axes, report: Report, tr: Translator) -> None:
    """No bars at all: a small group's answers are not drawn, not even faintly."""
    from matplotlib.patches import Rectangle

    message = texts.too_few(report, tr)
    axes.add_patch(Rectangle((0, 0), 1, 1, color="#f3f3f3", transform=axes.transAxes))
    axes.text(
        0.5,
        0.5,
        textwrap.fill(message, 60),
        ha="center",
        va="center",
        fontsize=14,
        color=MUTED,
        transform=axes.transAxes,
    )
    axes.set_axis_off()


def _trend(axes: Axes, report: Report, tr: Translator) -> None:
    months = list(report.months)
    x = list(range(len(months)))
    series = (
        (tr.gettext(texts.OFFERED), [m.rates.offered_rate for m in months]),
        (tr.gettext(texts.RESPONSE_RATE), [m.rates.response_rate for m in months]),
        (tr.gettext(texts.TREND_POSITIVE), [m.positive for m in months]),
    )
    for colour, (marker, size), (label, values) in zip(
        LINE_COLOURS, LINE_MARKS, series, strict=True
    ):
        # A month without a value is a gap in the line, not a line drawn across it.
        y = [math.nan if v is None else v * 100 for v in values]
        axes.plot(x, y, marker=marker, markersize=size, color=colour, label=label, linewidth=2)
    for position, month in enumerate(months):
        if month.shown:
            continue
        # Shaded and named, so that a month left out reads as such and not as missing data.
        axes.axvspan(position - 0.4, position + 0.4, color="#f0f0f0", zorder=0)
        axes.text(
            position,
            52,
            tr.gettext(texts.TOO_FEW_GAP),
            ha="center",
            va="center",
            rotation=90 if len(months) > 6 else 0,
            fontsize=8,
            style="italic",
            color=MUTED,
        )
    axes.set_title(tr.gettext(texts.TREND), loc="left", fontsize=11, color=INK)
    every = max(1, len(months) // 12)
    labels = [
        texts.month_label(m.month, tr, short=True) + (f"\nn = {m.answers}" if m.shown else "")
        for m in months
    ]
    axes.set_xticks(x[::every], labels[::every], fontsize=8, color=MUTED)
    axes.set_xlim(-0.5, max(len(months) - 0.5, 0.5))
    axes.set_ylim(0, 105)
    axes.set_yticks(
        [0, 50, 100], [texts.percent(v, tr) for v in (0.0, 0.5, 1.0)], fontsize=8, color=MUTED
    )
    axes.grid(axis="y", color="#e5e5e5")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=3, frameon=False, fontsize=9)
    _plain(axes)


def _plain(axes: Axes) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.tick_params(length=0)
