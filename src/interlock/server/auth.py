"""Bearer-token authentication: `Authorization: Bearer TOKEN` → the active Principal.

Lookups are by SHA-256 of the token (principals.authenticate). A short cache (settings
`auth_cache_seconds`, keyed by the token's hash, never the token) keeps the store off the hot
path; revocations through this server clear it at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from ..principals import Principal, authenticate, hash_token
from .errors import ApiError

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="interlock"'}


class TokenCache:
    def __init__(self, ttl: float):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, Principal]] = {}

    def get(self, key: str) -> Principal | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._items) > 10_000:  # bounded: a token flood cannot grow it forever
                self._items.clear()
            self._items[key] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _cached(request: Request) -> tuple[str | None, Principal | None]:
    """(token, cached principal): token None when the header holds no usable bearer token."""
    token = bearer_token(request)
    if token is None or len(token) > 512:
        return None, None
    return token, request.app.state.ctx.token_cache.get(hash_token(token))


def _lookup(request: Request, token: str) -> Principal | None:
    ctx = request.app.state.ctx
    principal = authenticate(ctx.store, token)
    if principal is not None:
        ctx.token_cache.put(hash_token(token), principal)
    return principal


def principal_from_request(request: Request) -> Principal | None:
    """The principal holding the request's bearer token; None without a valid one."""
    token, principal = _cached(request)
    if token is None or principal is not None:
        return principal
    return _lookup(request, token)


# token hash → the store lookup in flight for it. When a cached token expires, every request
# in flight with it misses at once: one lookup serves them all, instead of a thread and a
# new pooled connection each (a burst that stalled the event loop once a second).
_INFLIGHT: dict[tuple[int, str], asyncio.Future[Principal | None]] = {}


async def _single_lookup(request: Request, token: str) -> Principal | None:
    key = (id(request.app.state.ctx), hash_token(token))  # per server context (tests run many)
    fut = _INFLIGHT.get(key)
    if fut is None or fut.get_loop() is not asyncio.get_running_loop():
        fut = asyncio.ensure_future(run_in_threadpool(_lookup, request, token))
        _INFLIGHT[key] = fut
        fut.add_done_callback(lambda f: _INFLIGHT.pop(key, None) if _INFLIGHT.get(key) is f
                              else None)
    # shield: a caller that goes away must not cancel the lookup the others wait for
    return await asyncio.shield(fut)


async def require_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller's principal, or a 401 `{"error": …}`. A cache hit stays
    on the event loop; a store lookup runs in a worker thread."""
    if request.headers.get("authorization") is None:
        raise ApiError(401, "missing bearer token: send 'Authorization: Bearer TOKEN'",
                       _CHALLENGE)
    token, principal = _cached(request)
    if token is not None and principal is None:
        principal = await _single_lookup(request, token)
    if principal is None:
        raise ApiError(401, "invalid bearer token: unknown, expired or revoked", _CHALLENGE)
    request.state.principal = principal.name  # for the access log
    return principal


def require_human(principal: Principal, *roles: str, what: str) -> None:
    """403 unless `principal` is a human holding one of `roles`: agents never administer."""
    if not principal.is_human:
        raise ApiError(403, f"{principal.name!r} is an agent: agents cannot {what}")
    if roles and not principal.has_role(*roles):
        raise ApiError(403, f"{principal.name!r} needs the {' or '.join(roles)} role to {what}")


# Route parameter type: `principal: Caller` authenticates the request (401 otherwise).
Caller = Annotated[Principal, Depends(require_principal)]
