"""The page server: tornado on 127.0.0.1, in the same process and event loop as the bot.

Only this computer can reach it. It also refuses requests whose Host is not this address (a
web page elsewhere cannot rebind its name to it) and changes without the page's own header
(a form on another site cannot post here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

from bot.demo import people
from bot.demo.playground import page, texts
from bot.demo.playground.host import Host, NotRunning
from bot.demo.playground.moves import Move
from bot.platform.i18n import LANGUAGE_NAMES, Translator, translator

HOST = "127.0.0.1"
STATIC = Path(__file__).with_name("static")
HEADER = "X-Playground"
KEEP_ALIVE = 15.0
PHONE = "(" + "|".join(people.BY_KEY) + ")"


class _Base(tornado.web.RequestHandler):
    def initialize(self, host: Host, port: list[int]) -> None:
        self.host_ = host
        self.port = port

    def prepare(self) -> None:
        allowed = {f"{HOST}:{self.port[0]}", f"localhost:{self.port[0]}"}
        if self.request.host not in allowed:
            raise tornado.web.HTTPError(403)
        if self.request.method == "POST" and self.request.headers.get(HEADER) != "1":
            raise tornado.web.HTTPError(403)

    def page_tr(self) -> Translator:
        wanted = self.get_query_argument("lang", None) or self.get_cookie("lang")
        settings = self.host_.settings
        code = wanted if wanted in LANGUAGE_NAMES else settings.default_locale
        return translator(code, settings.timezone)

    def json(self, data: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, NotRunning):
            self.set_status(503)
            status_code = 503
        self.json({"error": status_code})

    def log_exception(self, *args: Any) -> None:
        if not isinstance(args[1], NotRunning | tornado.web.HTTPError):
            super().log_exception(*args)

    def _world_tr(self, key: str) -> Translator:
        world = self.host_.current()
        return translator(world.languages[key], self.host_.settings.timezone)


class PageHandler(_Base):
    async def get(self) -> None:
        tr = self.page_tr()
        if self.get_query_argument("lang", None):
            self.set_cookie("lang", tr.locale, samesite="Strict")
        try:
            phones = [(self.host_.phone(key), self._world_tr(key)) for key in people.BY_KEY]
        except NotRunning:
            self.set_status(503)
            self.finish(tr.gettext(texts.UNAVAILABLE))
            return
        self.set_header("Cache-Control", "no-store")
        self.finish(page.page(tr, phones, self.host_.generation))


class PhoneHandler(_Base):
    async def get(self, key: str) -> None:
        view = self.host_.phone(key)
        self.json(
            {
                "html": page.phone_body(view, self._world_tr(key)),
                "lang": view.language,
                "dir": "rtl" if view.rtl else "ltr",
                "version": self.host_.versions[key],
            }
        )


class SendHandler(_Base):
    async def post(self, key: str) -> None:
        text = self.get_body_argument("text", "").strip()[:4096]
        if text:
            self.host_.current().send(key, text)
        self.json({"ok": bool(text)})


class PressHandler(_Base):
    async def post(self, key: str) -> None:
        message_id = int(self.get_body_argument("message"))
        data = self.get_body_argument("data")
        toast = await self.host_.current().press(key, message_id, data)
        # The bot draws before it answers, so the phone's version already holds the change.
        self.json({"toast": toast, "version": self.host_.versions[key]})


class LanguageHandler(_Base):
    async def post(self, key: str) -> None:
        language = self.get_body_argument("language")
        if language not in LANGUAGE_NAMES:
            raise tornado.web.HTTPError(400)
        await self.host_.current().set_language(key, language)
        self.json({"ok": True})


class FileHandler(_Base):
    async def get(self, key: str, message_id: str) -> None:
        message = self.host_.message(key, int(message_id))
        data = message.photo or message.document if message is not None else None
        if message is None or data is None:
            raise tornado.web.HTTPError(404)
        name = (message.filename or "file").replace('"', "")
        kind = "inline" if message.kind == "photo" else "attachment"
        self.set_header("Content-Type", message.mime_type or "application/octet-stream")
        self.set_header("Content-Disposition", f'{kind}; filename="{name}"')
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(data)


class PanelHandler(_Base):
    async def get(self) -> None:
        view = await self.host_.panel()
        self.json({"html": page.panel(view, self.page_tr()), "version": self.host_.counter})


class ClockHandler(_Base):
    async def post(self) -> None:
        try:
            move = Move(self.get_body_argument("move"))
        except ValueError as exc:
            raise tornado.web.HTTPError(400) from exc
        moved_to = await self.host_.current().move_clock(move)
        self.json(
            {
                "moved": moved_to is not None,
                "note": page.move_note(self.page_tr(), moved_to),
            }
        )


class ResetHandler(_Base):
    async def post(self) -> None:
        await self.host_.reset()
        self.json({"generation": self.host_.generation})


class StateHandler(_Base):
    async def get(self) -> None:
        self.json(await self.host_.state())


class EventsHandler(_Base):
    """Server-sent events: the change counters, whenever they move."""

    def on_connection_close(self) -> None:
        self.gone = True

    async def get(self) -> None:
        self.gone = False
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-store")
        seen = -1
        while not self.gone and not self.host_.closing:
            if self.host_.counter != seen:
                seen = self.host_.counter
                self.write(f"data: {json.dumps(self.host_.snapshot())}\n\n")
            else:
                self.write(": still here\n\n")
            try:
                await self.flush()
            except tornado.iostream.StreamClosedError:
                return
            await self.host_.wait_change(seen, KEEP_ALIVE)
        self.finish()


def application(host: Host, port: list[int]) -> tornado.web.Application:
    shared = {"host": host, "port": port}
    routes: list[Any] = [
        (r"/", PageHandler, shared),
        (rf"/phone/{PHONE}", PhoneHandler, shared),
        (rf"/phone/{PHONE}/send", SendHandler, shared),
        (rf"/phone/{PHONE}/press", PressHandler, shared),
        (rf"/phone/{PHONE}/language", LanguageHandler, shared),
        (rf"/phone/{PHONE}/file/(\d+)", FileHandler, shared),
        (r"/panel", PanelHandler, shared),
        (r"/clock", ClockHandler, shared),
        (r"/reset", ResetHandler, shared),
        (r"/api/state", StateHandler, shared),
        (r"/events", EventsHandler, shared),
        (r"/static/(.*)", tornado.web.StaticFileHandler, {"path": str(STATIC)}),
    ]
    return tornado.web.Application(routes, log_function=_quiet, compress_response=False)


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """The page polls and streams; an access log would only fill the log file."""


@dataclass(frozen=True)
class Listening:
    server: tornado.httpserver.HTTPServer
    port: int
    addresses: tuple[str, ...]  # every address a socket is bound to


def listen(host: Host, port: int) -> Listening:
    """Serve on 127.0.0.1 (never another address); ``port`` 0 picks a free one."""
    sockets = tornado.netutil.bind_sockets(port, HOST)
    bound = [int(sockets[0].getsockname()[1])]
    server = tornado.httpserver.HTTPServer(application(host, bound), xheaders=False)
    server.add_sockets(sockets)
    return Listening(server, bound[0], tuple(str(s.getsockname()[0]) for s in sockets))
