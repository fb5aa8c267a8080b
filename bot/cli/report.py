"""``samordna report``: the participation survey results for management, as PNG, CSV, an
Excel workbook or HTML."""

from __future__ import annotations

import argparse
import asyncio
import calendar
import re
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat.turn import Services
from bot.models import Unit
from bot.models.meetings import MeetingType
from bot.platform.config import SUPPORTED_LOCALES, Settings

MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
FORMATS = ("png", "csv", "xlsx", "html")


class ReportError(Exception):
    """Bad input on the command line; the message is shown in one line."""


def month_of(option: str, value: str, *, last: bool) -> str:
    """``YYYY-MM``; a day only where it is the month's first (``--from``) or last (``--to``).

    Results are kept per whole month, so any other day would have to be rounded to its month,
    and a report that quietly covers more than was asked for is wrong without anyone seeing it.
    """
    match = MONTH.match(value)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ReportError(f"{option} {value}: not a month; write it like {option} 2026-03")
    year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
    written = f"{year:04d}-{month:02d}"
    if day is None:
        return written
    edge = calendar.monthrange(year, month)[1] if last else 1
    if int(day) != edge:
        which = "last" if last else "first"
        raise ReportError(
            f"{option} {value}: the report counts whole months, so a day can only be the "
            f"{which} of its month; write {option} {written} for all of it"
        )
    return written


def _check_output(output: Path | None) -> None:
    """Refused before any work, rather than created: a mistyped folder would otherwise leave a
    report, and the figures in it, somewhere nobody looks."""
    if output is None:
        return
    if output.is_dir():
        raise ReportError(f"--output {output}: that is a folder; give a file name in it")
    folder = output.parent
    if not folder.is_dir():
        raise ReportError(
            f"--output {output}: the folder {folder} does not exist; create it first "
            "or choose another place"
        )


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser(
        "report",
        help="participation survey (SIP-kollen) results as a chart, CSV, Excel or HTML",
        description="Results per question, offered and response rates, and the trend per "
        "month. Groups with fewer answers than SAMORDNA_SURVEY_MIN_GROUP_SIZE are not shown.",
    )
    report.add_argument(
        "--from", dest="first", required=True, metavar="MONTH", help="2026-01 or 2026-01-01"
    )
    report.add_argument(
        "--to", dest="last", required=True, metavar="MONTH", help="2026-03 or 2026-03-31"
    )
    report.add_argument(
        "--unit", action="append", default=[], help="unit id or exact name; may be repeated"
    )
    report.add_argument(
        "--meeting-type",
        choices=[t.value for t in MeetingType if t is not MeetingType.STAFF_ONLY],
    )
    report.add_argument("--format", dest="fmt", required=True, choices=FORMATS)
    report.add_argument("--output", type=Path, help="file to write; standard output without it")
    report.add_argument(
        "--language", choices=SUPPORTED_LOCALES, help="defaults to SAMORDNA_DEFAULT_LOCALE"
    )
    report.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import open_services

    try:
        args.first = month_of("--from", args.first, last=False)
        args.last = month_of("--to", args.last, last=True)
        _check_output(args.output)
    except ReportError as exc:
        print(f"samordna: {exc}", file=sys.stderr)
        return 2
    if args.first > args.last:
        print("samordna: --from is after --to", file=sys.stderr)
        return 2
    if args.fmt in ("png", "xlsx") and args.output is None and sys.stdout.isatty():
        needs = f"samordna: a {args.fmt.upper()} file needs --output FILE (or a pipe)"
        print(needs, file=sys.stderr)
        return 2
    services = open_services(settings)
    try:
        content = asyncio.run(_produce(services, args))
    except ReportError as exc:
        print(f"samordna: {exc}", file=sys.stderr)
        return 2
    if args.output is not None:
        try:
            args.output.write_bytes(content)
        except OSError as exc:
            print(f"samordna: --output {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    return 0


async def _produce(services: Services, args: argparse.Namespace) -> bytes:
    from bot.survey import report as reports
    from bot.survey import report_chart, report_formats, report_xlsx

    tr = services.tr(args.language or services.settings.default_locale)
    try:
        async with services.db.transaction() as session:
            unit_ids = await _unit_ids(session, args.unit)
            query = reports.ReportQuery(
                args.first, args.last, unit_ids=unit_ids, meeting_type=args.meeting_type
            )
            report = await reports.build(session, services.settings, services.clock, query)
    finally:
        await services.db.dispose()
    if args.fmt == "csv":
        return report_formats.csv_bytes(report, tr)
    if args.fmt == "xlsx":
        return report_xlsx.xlsx_bytes(report, tr)
    png = report_chart.render_png(report, tr)
    if args.fmt == "png":
        return png
    return report_formats.html_page(report, tr, png).encode("utf-8")


async def _unit_ids(session: AsyncSession, wanted: list[str]) -> frozenset[int]:
    found: set[int] = set()
    for name in wanted:
        statement = select(Unit.id).where(
            Unit.id == int(name) if name.isdigit() else Unit.name == name
        )
        unit_id = await session.scalar(statement)
        if unit_id is None:
            raise ReportError(f"no unit {name!r}")
        found.add(unit_id)
    return frozenset(found)
