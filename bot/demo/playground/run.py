"""``samordna playground`` (and ``samordna run`` without a token): start it, say where it is.

Safe by construction: it serves 127.0.0.1 only, refuses to start when a real bot token is
set, and uses a database of its own under ``data/playground/`` (never the configured one),
which it makes afresh on every start and every start-over.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from bot.demo.playground.host import Host
from bot.demo.playground.web import HOST, listen
from bot.demo.run import log_to_file
from bot.platform.config import Settings
from bot.platform.i18n import N_, translator
from bot.platform.private_files import private_dir

READY = N_("Samordna playground: {url}  (open it in a browser; Ctrl-C stops it)")
FRESH = N_("Every start begins afresh, with two units, three staff members and Anna invited.")
HAS_TOKEN = N_(
    "The playground never runs with a real bot token. Unset SAMORDNA_TELEGRAM_TOKEN to try "
    "it, or use `samordna run` to run the bot."
)
OWN_DATABASE = N_(
    "The playground keeps its own database in {directory}; SAMORDNA_DATABASE_URL is not used."
)
PORT_TAKEN = N_("Port {port} on 127.0.0.1 is in use. Set SAMORDNA_PLAYGROUND_PORT to another port.")


def directory_of(settings: Settings) -> Path:
    return settings.data_dir / "playground"


def refusal(settings: Settings) -> str | None:
    """Why the playground must not start with these settings, if it must not."""
    if settings.token:
        return translator(settings.default_locale, settings.timezone).gettext(HAS_TOKEN)
    return None


async def serve_playground(settings: Settings, stop: asyncio.Event) -> int:
    tr = translator(settings.default_locale, settings.timezone)
    directory = directory_of(settings)
    host = Host(settings, directory)
    try:
        listening = listen(host, settings.playground_port)
    except OSError:
        print(tr.gettext(PORT_TAKEN).format(port=settings.playground_port), file=sys.stderr)
        return 2
    try:
        await host.open()
        if settings.database_url:
            print(tr.gettext(OWN_DATABASE).format(directory=directory), file=sys.stderr)
        print(tr.gettext(FRESH))
        print(tr.gettext(READY).format(url=f"http://{HOST}:{listening.port}"), flush=True)
        await stop.wait()
    finally:
        listening.server.stop()
        await host.close()
    return 0


def run_playground(settings: Settings) -> int:
    reason = refusal(settings)
    if reason is not None:
        print(f"samordna: {reason}", file=sys.stderr)
        return 2
    private_dir(directory_of(settings))
    log_to_file(directory_of(settings) / "playground.log")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: still running"

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await serve_playground(settings, stop)

    return asyncio.run(main())
