"""Webhook delivery: pushing queued updates to the bot's HTTP endpoint, as Telegram does.

A small keep-alive HTTP/1.1 client is used instead of httpx: with dozens of concurrent
connections httpx's pool spends more time on bookkeeping than on the requests, which
would make the double, not the bot, the bottleneck in load tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

from bot.bot_api_double.records import JSON, Webhook
from bot.bot_api_double.state import BotApiState

_TIMEOUT = 10.0


class DeliveryError(Exception):
    """The webhook could not be reached or answered with a non-2xx status."""


def _dumps(payload: JSON) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class HttpPoster:
    """POSTs JSON over plain HTTP with a pool of keep-alive connections."""

    def __init__(self, url: str, max_connections: int) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise DeliveryError(f"only http:// webhooks are supported here, not {url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.host_header = parts.netloc
        self.idle: deque[_Connection] = deque()
        self.slots = asyncio.Semaphore(max_connections)

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """Send once; return (status, reason). Raises DeliveryError on network failure."""
        async with self.slots:
            connection = self.idle.pop() if self.idle else None
            may_retry = connection is not None  # the server may have closed an idle one
            while True:
                if connection is None:
                    connection = await self._connect()
                try:
                    status, reason, keep = await asyncio.wait_for(
                        self._exchange(connection, body, headers), _TIMEOUT
                    )
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                    connection.close()
                    connection = None
                    if may_retry:
                        may_retry = False
                        continue
                    raise DeliveryError(f"Connection failed: {type(exc).__name__}") from None
                except BaseException:
                    connection.close()
                    raise
                if keep:
                    self.idle.append(connection)
                else:
                    connection.close()
                return status, reason

    async def _connect(self) -> _Connection:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), _TIMEOUT
            )
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(f"Connection failed: {type(exc).__name__}") from None
        return _Connection(reader, writer)

    async def _exchange(
        self, connection: _Connection, body: bytes, headers: dict[str, str]
    ) -> tuple[int, str, bool]:
        lines = [
            f"POST {self.target} HTTP/1.1",
            f"Host: {self.host_header}",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        connection.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await connection.writer.drain()
        head = await connection.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        _, code, *rest = status_line.split(" ", 2)
        status, reason = int(code), (rest[0] if rest else "")
        fields: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            if name:
                fields[name.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            await self._skip_chunks(connection.reader)
        elif "content-length" in fields:
            await connection.reader.readexactly(int(fields["content-length"]))
        else:
            return status, reason, False
        return status, reason, fields.get("connection", "").lower() != "close"

    @staticmethod
    async def _skip_chunks(reader: asyncio.StreamReader) -> None:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()


class Deliverer:
    """Pushes queued updates to the webhook: one in flight per chat, chats in parallel."""

    def __init__(self, state: BotApiState) -> None:
        self.state = state
        self.hook: Webhook | None = None
        self.poster: HttpPoster | None = None
        self.queues: dict[int, deque[int]] = {}
        self.ready: deque[int] = deque()
        self.busy: set[int] = set()
        self.known: set[int] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def notify(self, update_id: int, key: int) -> None:
        """Called on the server loop for every queued update and webhook change."""
        hook = self.state.webhook()
        if hook is None and self.hook is None:
            return
        if hook is None or self.hook is None or hook.generation != self.hook.generation:
            self._reset(hook)
        elif update_id:
            self._enqueue(update_id, key)
        self._pump()

    def _reset(self, hook: Webhook | None) -> None:
        for task in self.tasks:
            task.cancel()
        self.hook = hook
        self.queues.clear()
        self.ready.clear()
        self.busy.clear()
        self.known.clear()
        if self.poster is not None:
            self.poster.close()
            self.poster = None
        if hook is None:
            return
        try:
            self.poster = HttpPoster(hook.url, hook.max_connections)
        except DeliveryError as exc:
            self.state.webhook_failed(hook.generation, str(exc))
            self.hook = None
            return
        for update_id, key in self.state.pending_updates():
            self._enqueue(update_id, key)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _enqueue(self, update_id: int, key: int) -> None:
        if update_id in self.known:
            return
        self.known.add(update_id)
        queue = self.queues.setdefault(key, deque())
        queue.append(update_id)
        if len(queue) == 1 and key not in self.busy:
            self.ready.append(key)

    def _pump(self) -> None:
        hook = self.hook
        if hook is None:
            return
        while self.ready and len(self.busy) < hook.max_connections:
            key = self.ready.popleft()
            self.busy.add(key)
            self._spawn(self._deliver(hook, key, self.queues[key][0]))

    async def _deliver(self, hook: Webhook, key: int, update_id: int) -> None:
        delay = 0.05
        try:
            while self.hook is hook:
                payload = self.state.pending_payload(update_id)
                if payload is None:
                    return
                self.state.handing_out(update_id)
                error = await self._post(hook, payload)
                if error is None:
                    self.state.confirm(update_id)
                    return
                self.state.webhook_failed(hook.generation, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
        finally:
            if self.hook is hook:
                self.known.discard(update_id)
                self.busy.discard(key)
                queue = self.queues[key]
                queue.popleft()
                if queue:
                    self.ready.append(key)
                else:
                    del self.queues[key]
                self._pump()

    async def _post(self, hook: Webhook, payload: JSON) -> str | None:
        """Deliver once; return Telegram's style of error text, or None on success."""
        assert self.poster is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            status, reason = await self.poster.post(_dumps(payload), headers)
        except DeliveryError as exc:
            return str(exc)
        if 200 <= status < 300:
            return None
        return f"Wrong response from the webhook: {status} {reason}".rstrip()

    async def close(self) -> None:
        self._reset(None)
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=2)
