"""Admin tasks on the command line: ``samordna units …``, ``samordna staff …`` and
``samordna audit --case K-…``.

Each task runs in one transaction; a mistake in the input stops it with one line saying what
to fix, and nothing is changed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select

from bot.chat.turn import Services
from bot.models import AuditEntry, Role
from bot.people import staff, units
from bot.platform.clock import Clock
from bot.platform.config import Settings

Task = Callable[[Services, argparse.Namespace], Awaitable[int]]
ORGANISATIONS = ("municipality", "region")
ADMIN_ACTOR = "admin-cli"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    unit_parser = commands.add_parser("units", help="add, list and edit units")
    unit_tasks = unit_parser.add_subparsers(dest="units_command", metavar="TASK", required=True)
    add = unit_tasks.add_parser("add", help="add a unit")
    add.add_argument("--name", required=True, help="the unit's name, as individuals see it")
    add.add_argument("--organisation", required=True, choices=ORGANISATIONS)
    add.add_argument("--phone", required=True, help="the phone number individuals are given")
    add.add_argument("--address", help="visiting address")
    _task(add, _units_add)
    _task(unit_tasks.add_parser("list", help="list the units"), _units_list)
    edit = unit_tasks.add_parser("edit", help="change a unit")
    edit.add_argument("unit", help="the unit's id or exact name")
    edit.add_argument("--name")
    edit.add_argument("--organisation", choices=ORGANISATIONS)
    edit.add_argument("--phone")
    edit.add_argument("--address")
    _task(edit, _units_edit)

    staff_parser = commands.add_parser("staff", help="invite, list and remove staff")
    staff_tasks = staff_parser.add_subparsers(dest="staff_command", metavar="TASK", required=True)
    invite = staff_tasks.add_parser("invite", help="print a single-use join code and link")
    invite.add_argument("--unit", required=True, help="the unit's id or exact name")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--expires", help="how long the code works, like 7d, 12h or 2w")
    _task(invite, _staff_invite)
    listing = staff_tasks.add_parser("list", help="list staff and their roles")
    listing.add_argument("--unit", help="only this unit (id or exact name)")
    _task(listing, _staff_list)
    remove = staff_tasks.add_parser("remove", help="remove a staff member (from one unit)")
    remove.add_argument("staff_id", type=int, help="the id 'samordna staff list' shows")
    remove.add_argument("--unit", help="only from this unit (id or exact name)")
    _task(remove, _staff_remove)

    audit_parser = commands.add_parser("audit", help="show the audit log of one case")
    audit_parser.add_argument("--case", required=True, dest="case_ref", help="like K-7F3Q")
    _task(audit_parser, _audit)


def execute(
    task: Task, args: argparse.Namespace, settings: Settings, clock: Clock | None = None
) -> int:
    from bot.runner import open_services

    async def go() -> int:
        services = await asyncio.to_thread(open_services, settings, clock)
        try:
            return await task(services, args)
        finally:
            await services.db.dispose()

    try:
        return asyncio.run(go())
    except (units.UnitError, staff.StaffError) as exc:
        print(f"samordna: {exc}", file=sys.stderr)
        return 2


def _task(parser: argparse.ArgumentParser, task: Task) -> None:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        return execute(task, args, settings)

    parser.set_defaults(handler=handler, admin_task=task)


# ----------------------------------------------------------------- units


async def _units_add(services: Services, args: argparse.Namespace) -> int:
    async with services.db.transaction() as session:
        unit = await units.add(
            session,
            services.clock,
            name=args.name,
            organisation=units.parse_organisation(args.organisation),
            phone=args.phone,
            address=args.address,
        )
        print(f"added unit {unit.id}: {unit.name}")
    return 0


async def _units_list(services: Services, args: argparse.Namespace) -> int:
    async with services.db.transaction() as session:
        found = await units.all_units(session)
    if not found:
        print("no units yet; add one with: samordna units add")
        return 0
    _table(
        ["ID", "NAME", "ORGANISATION", "PHONE", "ADDRESS"],
        [[str(u.id), u.name, str(u.organisation), u.phone, u.address or ""] for u in found],
    )
    return 0


async def _units_edit(services: Services, args: argparse.Namespace) -> int:
    changes = (args.name, args.organisation, args.phone, args.address)
    if all(value is None for value in changes):
        raise units.UnitError(
            "nothing to change: give --name, --organisation, --phone or --address"
        )
    async with services.db.transaction() as session:
        unit = await units.find(session, args.unit)
        await units.edit(
            session,
            unit,
            name=args.name,
            organisation=units.parse_organisation(args.organisation) if args.organisation else None,
            phone=args.phone,
            address=args.address,
        )
        print(f"changed unit {unit.id}: {unit.name}")
    return 0


# ----------------------------------------------------------------- staff


async def _staff_invite(services: Services, args: argparse.Namespace) -> int:
    settings = services.settings
    valid_for = (
        staff.parse_duration(args.expires)
        if args.expires
        else timedelta(days=settings.staff_invite_days)
    )
    role = staff.parse_role(args.role)
    async with services.db.transaction() as session:
        unit = await units.find(session, args.unit)
        code, invite = await staff.create_invite(
            session, services.clock, unit, role, valid_for=valid_for, actor=ADMIN_ACTOR
        )
    until = invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    link = staff.deep_link(await _bot_username(settings), code)
    print(f"code for {unit.name} ({role.value}): {staff.display(code)}")
    print(f"works once, until {until} ({settings.timezone})")
    if link:
        print(f"link: {link}")
    else:
        print("link: unknown until SAMORDNA_BOT_USERNAME or SAMORDNA_TELEGRAM_TOKEN is set")
    print(f"or in the chat: /start {code}")
    return 0


async def _staff_list(services: Services, args: argparse.Namespace) -> int:
    async with services.db.transaction() as session:
        unit = await units.find(session, args.unit) if args.unit else None
        found = await staff.listed(session, unit)
        rows = [
            [
                str(member.id),
                member.name or "(no name yet)",
                member.phone or "",
                ", ".join(
                    f"{m.unit.name} ({m.role})"
                    for m in sorted(member.memberships, key=lambda m: m.unit.name)
                ),
            ]
            for member in found
        ]
    if not rows:
        print("no staff yet; invite someone with: samordna staff invite")
        return 0
    _table(["ID", "NAME", "PHONE", "UNITS"], rows)
    return 0


async def _staff_remove(services: Services, args: argparse.Namespace) -> int:
    async with services.db.transaction() as session:
        member = await staff.find(session, args.staff_id)
        unit = await units.find(session, args.unit) if args.unit else None
        gone = await staff.remove(session, services.clock, member, unit=unit, actor=ADMIN_ACTOR)
    if gone:
        print(f"removed staff member {member.id}")
    elif unit is not None:
        print(f"removed staff member {member.id} from {unit.name}")
    return 0


# ----------------------------------------------------------------- audit


async def _audit(services: Services, args: argparse.Namespace) -> int:
    ref = args.case_ref.strip().upper()
    async with services.db.transaction() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.case_ref == ref)
                .order_by(AuditEntry.at, AuditEntry.id)
            )
        )
    if not entries:
        print(f"no audit entries for {ref}")
        return 0
    tz = services.settings.tz
    _table(
        ["TIME", "WHAT", "WHO", "DETAIL"],
        [
            [
                entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                entry.action,
                entry.actor,
                json.dumps(entry.detail, ensure_ascii=False, sort_keys=True),
            ]
            for entry in entries
        ],
    )
    return 0


async def _bot_username(settings: Settings) -> str | None:
    """The configured name, else the one Telegram reports for the token, else unknown."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if not settings.token:
        return None
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(settings.token, base_url=settings.api_base_url) as bot:
            return bot.username
    except (TelegramError, OSError):
        return None


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
