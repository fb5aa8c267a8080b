"""The webhook endpoint: Telegram gets its 200 only after the update is committed to the inbox.

python-telegram-bot's own webhook server answers once the update is in an in-memory queue,
so a crash right after the answer would lose it; this small tornado handler stores first.
A non-2xx answer makes Telegram send the update again later.
"""

from __future__ import annotations

import hmac
import logging
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Bot, Update

from bot.chat.turn import Services
from bot.inbox import intake
from bot.inbox.intake import Deliver
from bot.platform.webhook_body import MAX_BODY_BYTES, BadBody, parse_update_body

log = logging.getLogger(__name__)

MAX_BODY = MAX_BODY_BYTES
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def post(self) -> None:
        status = await self.receiver.receive(
            self.request.body, self.request.headers.get(SECRET_HEADER)
        )
        self.set_status(status)
        self.finish()

    def log_exception(self, *args: Any) -> None:
        """Failures are logged in one line by the receiver; tornado's traceback adds nothing."""


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log: paths and addresses are noise, and nothing about a person belongs there."""


class WebhookReceiver:
    def __init__(
        self,
        bot: Bot,
        services: Services,
        keys: intake.ChatKeys,
        deliver: Deliver,
        *,
        path: str,
        secret: str | None,
    ) -> None:
        """``deliver`` stores the update (raising when it cannot) and hands it on."""
        self.bot = bot
        self.services = services
        self.keys = keys
        self.deliver = deliver
        self.path = "/" + path.strip("/")
        self.secret = secret
        self._server: tornado.httpserver.HTTPServer | None = None

    async def receive(self, body: bytes, secret: str | None) -> int:
        """Store one update; the HTTP status to answer with."""
        if self.secret is not None and not hmac.compare_digest(
            (secret or "").encode(), self.secret.encode()
        ):
            log.warning("webhook request refused: not the right secret")
            return HTTPStatus.FORBIDDEN
        try:
            received = self.keys.from_json(parse_update_body(body), self.bot)
        except (BadBody, ValueError) as exc:
            log.warning("webhook request refused: %s", exc if isinstance(exc, BadBody) else "bad")
            return HTTPStatus.BAD_REQUEST
        try:
            await self.deliver([received])
        except Exception:
            log.error("could not store an update; Telegram will send it again", exc_info=True)
            return HTTPStatus.SERVICE_UNAVAILABLE
        return HTTPStatus.OK

    async def start(self, listen: str, port: int, url: str) -> None:
        app = tornado.web.Application(
            [(rf"{self.path}/?", _UpdateHandler, {"receiver": self})], log_function=_quiet
        )
        self._server = tornado.httpserver.HTTPServer(app, max_body_size=2 * MAX_BODY)
        self._server.listen(port, address=listen)
        await self.bot.set_webhook(
            url=url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES
        )

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        await self._server.close_all_connections()
        self._server = None
