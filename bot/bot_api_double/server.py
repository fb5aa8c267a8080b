"""The HTTP face of the double: a tornado server on its own thread and event loop.

Running apart from the test's event loop means a bot under test can block its loop, be
killed, or run in another process, and the fake Telegram keeps answering regardless.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import tornado.httpserver
import tornado.httputil
import tornado.iostream
import tornado.netutil
import tornado.web
from tornado.http1connection import HTTP1Connection

from bot.bot_api_double import methods
from bot.bot_api_double.records import JSON, ApiCall, Fault, SentMessage
from bot.bot_api_double.state import BotApiState
from bot.bot_api_double.users import UserHandle
from bot.bot_api_double.webhook import Deliverer

_UNAUTHORIZED: JSON = {"ok": False, "error_code": 401, "description": "Unauthorized"}
_TERMINATED: JSON = {
    "ok": False,
    "error_code": 409,
    "description": "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
}


def _dumps(payload: JSON) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _request_params(request: tornado.httputil.HTTPServerRequest) -> dict[str, Any]:
    """Collect parameters the way the Bot API accepts them: query, form, multipart, JSON."""
    params: dict[str, Any] = {
        name: values[-1].decode("utf-8", "replace")
        for name, values in request.query_arguments.items()
    }
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        if request.body:
            body = json.loads(request.body)
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            params.update(body)
        return params
    for name, values in request.body_arguments.items():
        params[name] = values[-1].decode("utf-8", "replace")
    for name, files in request.files.items():
        part = files[0]
        params[name] = methods.Upload(part.filename or None, part.content_type or None, part.body)
    return params


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """Every call is in ``calls`` already; access logs would only flood test output."""


@dataclass(eq=False)
class _PollSlot:
    """The one getUpdates request allowed to wait; a newer one evicts it (409)."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    conflict: bool = False
    closed: bool = False


class _ApiHandler(tornado.web.RequestHandler):
    def initialize(self, core: _Core) -> None:
        self.core = core
        self.poll_slot: _PollSlot | None = None

    async def post(self, token: str, method: str) -> None:
        await self.core.handle_api(self, token, method)

    async def get(self, token: str, method: str) -> None:
        await self.core.handle_api(self, token, method)

    def compute_etag(self) -> None:
        return None

    def on_connection_close(self) -> None:
        if self.poll_slot is not None:
            self.poll_slot.closed = True
            self.poll_slot.event.set()

    def reply(self, status: int, payload: JSON) -> None:
        if self.request.connection is None or self._finished:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        with contextlib.suppress(tornado.iostream.StreamClosedError):
            self.finish(_dumps(payload))


class _FileHandler(tornado.web.RequestHandler):
    def initialize(self, core: _Core) -> None:
        self.core = core

    def get(self, token: str, path: str) -> None:
        stored = self.core.state.file_by_path(path) if token == self.core.state.token else None
        if stored is None or stored.data is None:
            self.set_status(404)
            self.finish(_dumps({"ok": False, "error_code": 404, "description": "Not Found"}))
            return
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        self.finish(stored.data)


class _Core:
    """Request handling on the server loop: dispatch, faults that hold, long polling."""

    def __init__(self, state: BotApiState) -> None:
        self.state = state
        self.poll: _PollSlot | None = None
        self.deliverer = Deliverer(state)
        self.stopping = False

    def on_update(self, update_id: int, key: int) -> None:
        if self.poll is not None:
            self.poll.event.set()
        self.deliverer.notify(update_id, key)

    async def handle_api(self, handler: _ApiHandler, token: str, method: str) -> None:
        now = time.monotonic()
        if token != self.state.token:
            self.state.record(ApiCall(method, {}, None, now, 401))
            handler.reply(401, _UNAUTHORIZED)
            return
        try:
            raw = _request_params(handler.request)
        except ValueError:
            self.state.record(ApiCall(method, {}, None, now, 400))
            handler.reply(400, {"ok": False, "error_code": 400, "description": "Bad Request"})
            return
        is_poll = methods.canonical(method) == "getUpdates"
        if is_poll and self.poll is not None:
            self.poll.conflict = True
            self.poll.event.set()
        reply = methods.dispatch(self.state, method, raw, now)
        if reply.hold:
            await asyncio.sleep(reply.hold)
        if reply.payload is None:
            if isinstance(handler.request.connection, HTTP1Connection):
                handler.request.connection.close()
            handler.finish()
            return
        if reply.poll > 0:
            call = reply.unlogged
            reply = await self._long_poll(handler, raw, reply.poll)
            if call is not None:
                self.state.record(dataclasses.replace(call, status=reply.status))
        handler.reply(reply.status, reply.payload or {})

    async def _long_poll(
        self, handler: _ApiHandler, raw: dict[str, Any], seconds: float
    ) -> methods.Reply:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        slot = _PollSlot()
        self.poll = handler.poll_slot = slot
        try:
            while True:
                slot.event.clear()
                if slot.conflict:
                    return methods.Reply(409, _TERMINATED)
                reply = methods.poll_again(self.state, raw)
                remaining = deadline - loop.time()
                if reply.status != 200 or (reply.payload or {}).get("result"):
                    return reply
                if remaining <= 0 or slot.closed or self.stopping:
                    return reply
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(slot.event.wait(), remaining)
        finally:
            handler.poll_slot = None
            if self.poll is slot:
                self.poll = None

    async def shutdown(self) -> None:
        self.stopping = True
        if self.poll is not None:
            self.poll.event.set()
        await self.deliverer.close()


class BotApiDouble:
    """A local stand-in for api.telegram.org, plus handles to act as Telegram users."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "samordna_test_bot",
        *,
        enforce_limits: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "Samordna",
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = BotApiState(token, bot_username, bot_name, wall_clock=wall_clock)
        self.state.enforce_limits = enforce_limits
        self.host = host
        self.port = port
        self._users: dict[int, UserHandle] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._core = _Core(self.state)
        self._server: tornado.httpserver.HTTPServer | None = None
        self.state.on_update(self._on_update)

    # ----------------------------------------------------------------- lifecycle

    def start(self, port: int | None = None) -> Self:
        if self._thread is not None:
            return self
        self._core.stopping = False
        sockets = tornado.netutil.bind_sockets(self.port if port is None else port, self.host)
        self.port = sockets[0].getsockname()[1]
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                app = tornado.web.Application(
                    [
                        (r"/bot([^/]+)/([A-Za-z0-9_]+)/?", _ApiHandler, {"core": self._core}),
                        (r"/file/bot([^/]+)/(.+)", _FileHandler, {"core": self._core}),
                    ],
                    compress_response=False,
                    log_function=_quiet,
                )
                self._server = tornado.httpserver.HTTPServer(app, xheaders=False)
                self._server.add_sockets(sockets)
                self._loop = loop
            except BaseException as exc:  # surfaced to start()'s caller
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name="bot-api-double", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.stop()
            await self._core.shutdown()
            if self._server is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._server.close_all_connections(), 1.0)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        self._thread = None
        self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    def _on_update(self, update_id: int, key: int) -> None:
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # loop already closed during stop()
            loop.call_soon_threadsafe(self._core.on_update, update_id, key)

    # ----------------------------------------------------------------- addresses

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    @property
    def bot_username(self) -> str:
        return self.state.bot_username

    @property
    def enforce_limits(self) -> bool:
        return self.state.enforce_limits

    @enforce_limits.setter
    def enforce_limits(self, value: bool) -> None:
        self.state.enforce_limits = value

    # ----------------------------------------------------------------- inspection

    @property
    def calls(self) -> list[ApiCall]:
        return self.state.calls()

    def calls_of(self, method: str) -> list[ApiCall]:
        return self.state.calls(method)

    @property
    def webhook_url(self) -> str | None:
        hook = self.state.webhook()
        return hook.url if hook else None

    def webhook_info(self) -> JSON:
        return self.state.webhook_info()

    @property
    def commands(self) -> dict[str, list[tuple[str, str]]]:
        return self.state.commands()

    def commands_for(self, scope: str) -> dict[str, list[tuple[str, str]]]:
        """Commands of another scope, e.g. ``"all_private_chats"`` or ``"chat:1001"``."""
        return self.state.commands(scope)

    @property
    def stats(self) -> dict[str, int]:
        return self.state.stats()

    @property
    def pending_updates(self) -> int:
        return self.state.pending_count()

    def handed_out(self) -> list[tuple[int, float]]:
        """(update_id, monotonic time) of every update handed to the bot, in order."""
        return self.state.handed_out()

    def update_ids(self) -> list[int]:
        """Every update id users have caused, in order."""
        return self.state.update_ids()

    def messages_in(self, chat_id: int) -> list[SentMessage]:
        """Bot messages in any chat, groups included."""
        return self.state.chat_messages(chat_id)

    def has_left(self, chat_id: int) -> bool:
        """Whether the bot left this group or channel (``leaveChat``)."""
        return self.state.has_left(chat_id)

    # ----------------------------------------------------------------- user side

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> UserHandle:
        """A user handle; unspecified details keep earlier values (new users: English).

        Pass ``language_code=""`` for a client that sends no language at all.
        """
        handle = self._users.get(user_id)
        if handle is not None and first_name is None and language_code is None:
            return handle
        name = first_name or (handle.first_name if handle else f"User{user_id}")
        language = language_code if language_code is not None else "en"
        if handle is not None and language_code is None:
            language = handle.language_code or ""
        self.state.register_user(user_id, name, last_name, username, language or None)
        handle = self._users[user_id] = UserHandle(
            self.state, user_id, first_name=name, language_code=language or None
        )
        return handle

    def continue_update_ids_after(self, last_seen: int) -> None:
        """Start new update ids above ``last_seen`` (the highest one the bot has stored)."""
        self.state.continue_update_ids_after(last_seen)

    def redeliver(self, callback_query_id: str) -> str:
        """Deliver a button press again with the same update_id; the answer is reset."""
        self.state.redeliver_query(callback_query_id)
        return callback_query_id

    def channel_post(self, channel_id: int, text: str, *, title: str = "Channel") -> int:
        """Post in a channel the bot is a member of; returns the post's message id."""
        self.state.ensure_channel(channel_id, title)
        return self.state.channel_post(channel_id, text)[1]

    def edit_channel_post(self, channel_id: int, message_id: int, text: str) -> int:
        """Edit an earlier channel post; returns the update_id."""
        return self.state.channel_post(channel_id, text, edit_of=message_id)[0]

    def redeliver_update(self, update_id: int) -> int:
        self.state.redeliver_update(update_id)
        return update_id

    # ----------------------------------------------------------------- faults

    def inject(self, fault: Fault) -> None:
        self.state.inject(fault)

    def clear_faults(self) -> None:
        self.state.clear_faults()

    # ----------------------------------------------------------------- waiting

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - the bound is the point of the helper
        what: str = "condition",
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.01)

    def wait_until_sync(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            with self.state.changed:
                self.state.changed.wait(min(remaining, 0.05))
