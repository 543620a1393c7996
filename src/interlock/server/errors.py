"""HTTP errors: every failure is `{"error": "…"}` with a status that says what is wrong.

Service errors (`approvals.errors.*`) carry their own `.status`; validation errors become 400 or
422; anything unexpected is a 500 `{"error": "internal error"}` (logged, never detailed).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..approvals.errors import ApprovalError, Conflict
from ..errors import InputError, InterlockError
from ..store.errors import StoreError

log = logging.getLogger("interlock.server")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 **extra: Any):
        super().__init__(message)
        self.status, self.message, self.headers, self.extra = status, message, headers, extra


def error_response(status: int, message: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def approval_error_response(e: ApprovalError) -> JSONResponse:
    extra: dict[str, Any] = {}
    if isinstance(e, Conflict) and e.blocking_request:
        extra["blocking_request"] = e.blocking_request
    return error_response(e.status, str(e), **extra)


def _validation_message(e: RequestValidationError) -> str:
    parts = []
    for err in e.errors()[:5]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts) if parts else "invalid request"


def response_for(e: Exception) -> JSONResponse:
    """What the handlers `install` registers answer for `e` (the most specific class wins, as
    in Starlette): for code that runs outside the routed stack (the decisions fast path)."""
    for cls in type(e).__mro__:
        if cls is ApiError:
            assert isinstance(e, ApiError)
            return error_response(e.status, e.message, e.headers, **e.extra)
        if cls is ApprovalError:
            assert isinstance(e, ApprovalError)
            return approval_error_response(e)
        if cls is InputError:
            return error_response(400, str(e))
        if cls is StoreError:
            log.error("store error: %s", e)
            return error_response(503, "the store is unavailable; try again")
        if cls is InterlockError:
            return error_response(400, str(e))
        if cls is StarletteHTTPException:
            assert isinstance(e, StarletteHTTPException)
            message = e.detail if isinstance(e.detail, str) else "request refused"
            return error_response(e.status_code, message, getattr(e, "headers", None))
    log.exception("internal error: %s", type(e).__name__)
    return error_response(500, "internal error")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, e: ApiError) -> JSONResponse:
        return error_response(e.status, e.message, e.headers, **e.extra)

    @app.exception_handler(ApprovalError)
    async def _approval(_: Request, e: ApprovalError) -> JSONResponse:
        return approval_error_response(e)

    @app.exception_handler(InputError)
    async def _input(_: Request, e: InputError) -> JSONResponse:
        return error_response(400, str(e))

    @app.exception_handler(StoreError)
    async def _store(_: Request, e: StoreError) -> JSONResponse:
        log.error("store error: %s", e)
        return error_response(503, "the store is unavailable; try again")

    @app.exception_handler(InterlockError)
    async def _interlock(_: Request, e: InterlockError) -> JSONResponse:
        return error_response(400, str(e))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, e: RequestValidationError) -> JSONResponse:
        return error_response(422, _validation_message(e))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, e: StarletteHTTPException) -> JSONResponse:
        message = e.detail if isinstance(e.detail, str) else "request refused"
        return error_response(e.status_code, message, getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, e: Exception) -> JSONResponse:
        log.exception("internal error: %s", type(e).__name__)
        return error_response(500, "internal error")
