"""The durable inbox: every update is stored before Telegram is told it arrived, then handled
from the database, each chat's updates in order, by whichever process is free.

What holds after a crash at any moment: an update Telegram handed out is either in the inbox
or still waiting at Telegram, so it is handled after the restart; an update handled before the
crash has its effect once (its id is stored in the handler's transaction).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from telegram.ext import Application

from bot.chat import inbox_store as store
from bot.chat.turn import Services
from bot.inbox.intake import ChatKeys
from bot.inbox.polling import Poller
from bot.inbox.wakeups import Wakeups
from bot.inbox.webhook import WebhookReceiver
from bot.inbox.worker import InboxWorker
from bot.platform import jobs
from bot.platform.config import Mode, Settings

log = logging.getLogger(__name__)

PURGE_SECONDS = 600


class Inbox:
    """Receiving (long polling or the webhook) and handling, started and stopped together."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        services: Services,
        settings: Settings | None = None,
    ) -> None:
        """``settings`` decide how updates arrive, when they differ from the services' own."""
        self.worker = InboxWorker(app, services)
        self.wakeups = Wakeups(services.db, self.worker.wake)
        settings = settings or services.settings
        self.receiver: Poller | WebhookReceiver
        keys = ChatKeys(settings.resolved_key_file)
        if settings.mode is Mode.WEBHOOK:
            url = settings.webhook_url or ""
            secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            self.receiver = WebhookReceiver(
                app.bot, services, keys, self.worker.receive, path=urlsplit(url).path, secret=secret
            )
        else:
            self.receiver = Poller(app.bot, services, keys, self.worker.receive)
        self.settings = settings

    async def start(self) -> None:
        """Handling first: what a crash left unhandled is taken before anything new arrives."""
        self.worker.start()
        self.wakeups.start()
        if isinstance(self.receiver, WebhookReceiver):
            await self.receiver.start(
                self.settings.webhook_listen,
                self.settings.webhook_port,
                self.settings.webhook_url or "",
            )
        else:
            await self.receiver.start()

    async def stop(self) -> None:
        await self.receiver.stop()
        await self.wakeups.stop()
        await self.worker.stop()


@jobs.every(PURGE_SECONDS, "inbox_purge")
async def purge_job(services: Services) -> None:
    hours = services.settings.inbox_retention_hours
    await store.purge(services.db, services.clock.now() - timedelta(hours=hours))
