"""POST /v1/decisions without the routed stack, for callers whose token is in the auth cache.

The hot route: FastAPI's router, dependency solving, exception middleware and exit stack cost
about as much as the decision itself. This answers exactly what the routed endpoint
(`routes/decisions.py`) answers: the same body parsing, identity binding, decision, audited
group commit before the 200, and the same `{"error": …}` responses (errors.response_for).
A request it cannot take as-is (no cached token, another method or path) goes the routed way,
untouched: 401s, challenges and token lookups stay in one place (auth.py).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from fastapi.responses import JSONResponse

from ..pipeline import load_json
from ..principals import Principal, hash_token
from .errors import response_for

if TYPE_CHECKING:
    from .context import ServerContext

PATH = "/v1/decisions"
ROUTE = SimpleNamespace(path=PATH)  # the metrics' route label, as the routed request has it


def cached_caller(scope: dict[str, Any], ctx: ServerContext) -> Principal | None:
    """The principal for this POST /v1/decisions when its bearer token is cached, else None
    (then the routed stack authenticates, with its 401s)."""
    if scope.get("method") != "POST" or scope.get("path") != PATH:
        return None
    header = None
    for name, value in scope.get("headers") or ():
        if name == b"authorization":  # the first, as Starlette's Headers.get
            header = value
            break
    if header is None:
        return None
    scheme, _, token = header.decode("latin-1").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        return None
    return ctx.token_cache.get(hash_token(token))


async def read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            from starlette.requests import ClientDisconnect

            raise ClientDisconnect


async def post_decision(scope: dict[str, Any], receive: Any, send: Any, ctx: ServerContext,
                        principal: Principal) -> None:
    scope["route"] = ROUTE
    scope.setdefault("state", {})["principal"] = principal.name  # for the access log
    try:
        envelope = load_json(await read_body(receive))
        response = JSONResponse(await ctx.adecide_and_file(envelope, principal))
    except Exception as e:
        from starlette.requests import ClientDisconnect

        from .middleware import TooLarge

        if isinstance(e, (TooLarge, ClientDisconnect)):
            raise  # the middleware answers 413; a gone client needs no answer
        response = response_for(e)
    await response(scope, receive, send)
