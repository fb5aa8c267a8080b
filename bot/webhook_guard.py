"""Checks every webhook request before python-telegram-bot's webhook server reads it.

python-telegram-bot's own handler answers a body that is not JSON with a 500, logs one that
is not an update at CRITICAL with a traceback and the whole body, and compares the secret
in a way that leaks timing. The handler here takes its place on the same path: the secret is
compared in constant time, a bad body gets a 400 and one log line (see
:mod:`bot.platform.webhook_body`), and no content of a request is ever logged.
"""

from __future__ import annotations

import hmac
import logging
from http import HTTPStatus

from telegram import Update
from telegram.ext import ExtBot, Updater
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass

from bot.platform.webhook_body import BadBody, parse_update_body

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class GuardedWebhookHandler(TelegramHandler):
    """python-telegram-bot's webhook handler, with the checks above."""

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not self.secret_token or not hmac.compare_digest(
            given.encode(), self.secret_token.encode()
        ):
            self._refuse(HTTPStatus.FORBIDDEN, "wrong or missing secret token")
            return
        try:
            data = parse_update_body(self.request.body)
            update = Update.de_json(data, self.bot)
        except BadBody as exc:
            self._refuse(HTTPStatus.BAD_REQUEST, str(exc))
            return
        except Exception:  # a JSON object that python-telegram-bot cannot read as an update
            self._refuse(HTTPStatus.BAD_REQUEST, "body is not a Telegram update")
            return
        if isinstance(self.bot, ExtBot):
            self.bot.insert_callback_data(update)
        await self.update_queue.put(update)
        self.set_status(HTTPStatus.OK)

    def _refuse(self, status: HTTPStatus, reason: str) -> None:
        log.warning("webhook request refused with %d: %s", status, reason)
        self.set_status(status)
        self.finish()


def guard(updater: Updater, url_path: str) -> None:
    """Put the guarded handler in front of python-telegram-bot's on ``url_path``.

    Call right after ``start_webhook``. Fails loudly if python-telegram-bot changed how its
    webhook server is built, rather than leaving the server unguarded.
    """
    server = getattr(getattr(updater, "_httpd", None), "_http_server", None)
    app = getattr(server, "request_callback", None)
    if not isinstance(app, WebhookAppClass):
        raise RuntimeError("cannot guard python-telegram-bot's webhook server (changed version?)")
    path = "/" + url_path.lstrip("/")
    app.add_handlers(r".*", [(rf"{path}/?", GuardedWebhookHandler, app.shared_objects)])
