"""Helpers the route modules share."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from ...pipeline import load_json
from ..context import ServerContext
from ..errors import ApiError

M = TypeVar("M", bound=BaseModel)


def ctx_of(request: Request) -> ServerContext:
    return request.app.state.ctx


async def json_body(request: Request) -> Any:
    """The body as strict JSON (no duplicate keys, NaN or non-UTF-8): else a 400. The
    content type is not checked (bearer tokens, not cookies, authenticate this API)."""
    raw = await request.body()
    return load_json(raw)  # InputError → 400


async def model_body(request: Request, model: type[M], *, optional: bool = False) -> M | None:
    """A JSON body validated against `model` (422 with what is wrong); None when optional
    and empty."""
    raw = await request.body()
    if optional and not raw.strip():
        return None
    obj = load_json(raw)
    try:
        return model.model_validate(obj)
    except ValidationError as e:
        parts = [f"{'.'.join(str(x) for x in err['loc']) or 'body'}: {err['msg']}"
                 for err in e.errors()[:5]]
        raise ApiError(422, "invalid body: " + "; ".join(parts)) from None


def body_doc(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` describing a JSON body the route parses itself (see model_body)."""
    return {"requestBody": {"required": required, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


async def in_thread(fn: Any, *args: Any, **kw: Any) -> Any:
    return await run_in_threadpool(fn, *args, **kw)
