"""The operator's port (``SAMORDNA_METRICS_PORT``): /healthz, /readyz and /metrics.

/healthz says the process and its event loop are alive: it never touches the database, so
a restart is not ordered because the database is down. /readyz says this process can do its
work now (database, migrations, the outbox not behind) and answers 503 naming what fails.
/metrics is Prometheus's text format. Served by tornado on the bot's own event loop, in
polling and webhook mode alike; no request is logged.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.ops.checks import Probe
from bot.platform import metrics


class _Health(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"alive": True}))


class _Ready(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)

    def initialize(self, probe: Probe) -> None:
        self.probe = probe

    async def get(self) -> None:
        found = await self.probe.readiness()
        self.set_status(HTTPStatus.OK if found.ready else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(found.as_json()))


class _Metrics(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)

    def initialize(self, probe: Probe) -> None:
        self.probe = probe

    async def get(self) -> None:
        await self.probe.refresh_gauges()
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(metrics.REGISTRY))


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log: probes every few seconds would drown what matters."""


class OpsServer:
    def __init__(self, probe: Probe) -> None:
        self.probe = probe
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port: int | None = None

    def start(self, listen: str, port: int) -> None:
        """``port`` 0 takes a free one (see :attr:`port`)."""
        shared: dict[str, Any] = {"probe": self.probe}
        app = tornado.web.Application(
            [(r"/healthz", _Health), (r"/readyz", _Ready, shared), (r"/metrics", _Metrics, shared)],
            log_function=_quiet,
        )
        self._server = tornado.httpserver.HTTPServer(app)
        sockets = tornado.netutil.bind_sockets(port, address=listen)
        self._server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
        await self.probe.close()
