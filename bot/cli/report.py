"""``samordna report``: the participation survey results for management, as PNG, CSV or HTML."""

from __future__ import annotations

import argparse
import asyncio
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
FORMATS = ("png", "csv", "html")


class ReportError(Exception):
    """Bad input on the command line; the message is shown in one line."""


def _month(value: str) -> str:
    """``YYYY-MM`` or ``YYYY-MM-DD``; results are kept per month, so a day means its month."""
    match = MONTH.match(value)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-03 or 2026-03-31")
    return f"{match.group(1)}-{match.group(2)}"


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser(
        "report",
        help="participation survey (SIP-kollen) results as a chart, CSV or HTML",
        description="Results per question, offered and response rates, and the trend per "
        "month. Groups with fewer answers than SAMORDNA_SURVEY_MIN_GROUP_SIZE are not shown.",
    )
    report.add_argument("--from", dest="first", required=True, type=_month, metavar="DATE")
    report.add_argument("--to", dest="last", required=True, type=_month, metavar="DATE")
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

    if args.first > args.last:
        print("samordna: --from is after --to", file=sys.stderr)
        return 2
    if args.fmt == "png" and args.output is None and sys.stdout.isatty():
        print("samordna: a PNG needs --output FILE (or a pipe)", file=sys.stderr)
        return 2
    services = open_services(settings)
    try:
        content = asyncio.run(_produce(services, args))
    except ReportError as exc:
        print(f"samordna: {exc}", file=sys.stderr)
        return 2
    if args.output is not None:
        args.output.write_bytes(content)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    return 0


async def _produce(services: Services, args: argparse.Namespace) -> bytes:
    from bot.survey import report as reports
    from bot.survey import report_chart, report_formats

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
