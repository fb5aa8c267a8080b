"""Long polling that tells Telegram an update arrived only once it is stored.

``getUpdates`` with an offset confirms every update below it. python-telegram-bot's Updater
asks for the next offset as soon as a batch is fetched, before the batch is handled; here the
offset moves on only after the batch is committed to the inbox, so a crash at any moment
leaves each update either stored or still waiting at Telegram.

The updates are fetched as JSON and stored as such (see :mod:`bot.inbox.intake`): ``get_updates``
would make python-telegram-bot objects of each, only for the inbox to turn them back into JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError

from bot.chat.turn import Services
from bot.inbox import intake
from bot.inbox.intake import Deliver

log = logging.getLogger(__name__)

POLL_TIMEOUT = 20
MAX_BACKOFF = 30.0
# How long a getUpdates may take beyond the long poll: the read timeout of the application's
# getUpdates connection (see ``bot.app``), which python-telegram-bot adds to it the same way.
READ_SLACK = 40.0


class Poller:
    def __init__(
        self,
        bot: Bot,
        services: Services,
        keys: intake.ChatKeys,
        deliver: Deliver,
        *,
        timeout: int = POLL_TIMEOUT,
    ) -> None:
        """``deliver`` stores the updates (raising when it cannot) and hands them on."""
        self.bot = bot
        self.keys = keys
        self.services = services
        self.deliver = deliver
        self.timeout = timeout
        self.offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Polling and a webhook exclude each other: the webhook goes, its updates stay."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="inbox-polling")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self.poll_once()
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                log.error("Telegram refuses the bot token; polling stops")
                return
            except TelegramError as exc:
                log.warning("getUpdates failed (%s); trying again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
            except Exception:
                log.warning("could not store updates; asking Telegram again", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def poll_once(self) -> int:
        """One getUpdates; returns how many updates were stored."""
        payloads = await self._get_updates()
        if not payloads:
            return 0
        received = [self.keys.from_json(payload, self.bot) for payload in payloads]
        await self.deliver(received)
        self.offset = max(r.update_id for r in received) + 1
        return len(received)

    async def _get_updates(self) -> list[dict[str, Any]]:
        """What ``Bot.get_updates`` asks, with its errors, but the answer left as JSON."""
        data = {"timeout": self.timeout, "offset": self.offset, "allowed_updates": Update.ALL_TYPES}
        result = await self.bot._post("getUpdates", data, read_timeout=self.timeout + READ_SLACK)
        return list(result) if isinstance(result, list) else []
