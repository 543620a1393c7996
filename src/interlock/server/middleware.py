"""ASGI middleware: request body limit (413), one JSON access-log line per request, metrics.

Pure ASGI (no BaseHTTPMiddleware): it adds microseconds, not a task per request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from typing import TYPE_CHECKING, Any

from . import fastpath
from .metrics import Metrics

if TYPE_CHECKING:
    from .context import ServerContext

Scope = dict[str, Any]
access_log = logging.getLogger("interlock.access")


def configure_logging(enabled: bool) -> None:
    """JSON lines on stderr for the access log (and plain warnings for the rest)."""
    access_log.propagate = False
    access_log.setLevel(logging.INFO if enabled else logging.WARNING)
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)


class TooLarge(Exception):
    pass


# An unread body makes the kernel answer the client's remaining bytes with a reset, and the
# client then sees "connection reset" instead of our 413. So, like nginx's lingering close, we
# read and discard an oversized body up to a bound before answering; beyond that it is abuse.
DRAIN_LIMIT = 16 * 1024 * 1024
DRAIN_SECONDS = 5.0


async def _drain(receive: Any, already: int = 0) -> None:
    async def loop() -> None:
        seen = already
        while seen <= DRAIN_LIMIT:
            message = await receive()
            if message["type"] != "http.request":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return
    try:
        await asyncio.wait_for(loop(), DRAIN_SECONDS)
    except (TimeoutError, OSError):
        pass


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestMiddleware:
    def __init__(self, app: Any, *, max_body: int, metrics: Metrics,
                 ctx: ServerContext | None = None):
        self.app = app
        self.max_body = max_body
        self.metrics = metrics
        self.ctx = ctx  # given: POST /v1/decisions with a cached token takes the fast path

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500, "sent": False}
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                if length.isdigit() and int(length) <= DRAIN_LIMIT:
                    await _drain(receive)
                await self._reject(send, status, 413, "request body too large (limit "
                                   f"{self.max_body} bytes)")
                self._done(scope, status["code"], start)
                return
        received = 0
        finished = False

        async def limited_receive() -> Any:
            nonlocal received, finished
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                finished = not message.get("more_body", False)
                if received > self.max_body:
                    raise TooLarge
            return message

        async def tracking_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
            await send(message)

        try:
            principal = None if self.ctx is None else fastpath.cached_caller(scope, self.ctx)
            if principal is not None:
                await fastpath.post_decision(scope, limited_receive, tracking_send, self.ctx,
                                             principal)
            else:
                await self.app(scope, limited_receive, tracking_send)
        except TooLarge:
            if not status["sent"]:
                if not finished:
                    await _drain(receive, received)
                await self._reject(send, status, 413, "request body too large (limit "
                                   f"{self.max_body} bytes)")
        finally:
            self._done(scope, status["code"], start)

    @staticmethod
    async def _reject(send: Any, status: dict[str, Any], code: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        await send({"type": "http.response.start", "status": code,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
        status["code"], status["sent"] = code, True

    def _done(self, scope: Scope, code: int, start: float) -> None:
        elapsed = time.perf_counter() - start
        route = _route_label(scope)
        method = scope.get("method", "")
        self.metrics.inc("interlock_http_requests_total", "HTTP requests", method=method,
                         route=route, status=str(code))
        self.metrics.observe_request(elapsed, route=route)
        if access_log.isEnabledFor(logging.INFO):
            state = scope.get("state") or {}
            access_log.info(json.dumps({
                "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
                "method": method, "path": scope.get("path", ""), "status": code,
                "duration_ms": round(elapsed * 1000, 3),
                "principal": state.get("principal"),
                "client": (scope.get("client") or [None])[0]}, ensure_ascii=False))
