"""The ``samordna`` command line: run the bot, the offline demo, migrations and admin tasks."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Sequence

from bot import __version__, migrate
from bot.cli import admin, outbox, report
from bot.platform import event_loop, heap, log_policy
from bot.platform.clock import Clock
from bot.platform.config import Settings, SettingsError, load_settings

Command = Callable[[argparse.Namespace, Settings], int]
Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _registrars() -> list[Registrar]:
    """The sub-command groups beside run, demo and db; adding one means adding it here."""
    return [admin.add_commands, outbox.add_commands, report.add_commands]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samordna",
        description="Telegram meeting assistant for joint care (GFI, SIP, förmöte, SIP-kollen).",
    )
    parser.add_argument("--version", action="version", version=f"samordna {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run the bot (polling or webhook); without a token, the browser playground"
    )
    run.set_defaults(handler=_run)

    playground = commands.add_parser(
        "playground",
        help="every role side by side in a browser, offline, on 127.0.0.1 "
        "(SAMORDNA_PLAYGROUND_PORT, default 8080)",
    )
    playground.set_defaults(handler=_playground)

    demo = commands.add_parser(
        "demo", help="chat with the bot in this terminal, offline (/as anna|sofia|rikard|admin)"
    )
    demo.set_defaults(handler=_demo)

    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(dest="db_command", metavar="TASK", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply all database migrations")
    upgrade.set_defaults(handler=_db_upgrade)

    for registrar in _registrars():
        registrar(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        settings = load_settings()
    except SettingsError as exc:
        for line in str(exc).splitlines():
            print(f"samordna: {line}", file=sys.stderr)
        return 2
    log_policy.configure(settings.log_level)
    return handler(args, settings)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    migrate.upgrade(settings.resolved_database_url)
    print("database is up to date")
    return 0


async def _settle_heap(_app: object, _services: object) -> None:
    heap.settle_after_start()


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.token:
        print("No SAMORDNA_TELEGRAM_TOKEN is set: starting the playground.", file=sys.stderr)
        return _playground(args, settings)
    from bot.runner import serve

    async def _serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop, on_ready=_settle_heap)

    event_loop.run(_serve())
    return 0


def _playground(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo.playground.run import run_playground

    return run_playground(settings)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo.run import run_demo

    asyncio.run(run_demo(settings))
    return 0


def run_admin(argv: Sequence[str], settings: Settings, clock: Clock | None = None) -> int:
    """Run one admin task from its arguments; for scripts and tests that bring a clock."""
    args = build_parser().parse_args(list(argv))
    task: admin.Task = args.admin_task
    return admin.execute(task, args, settings, clock)


if __name__ == "__main__":
    raise SystemExit(main())
