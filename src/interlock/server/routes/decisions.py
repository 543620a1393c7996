"""POST /v1/decisions: decide an Action envelope (and open its approval request)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..auth import Caller
from ..schemas import ENVELOPE_BODY, errors
from .common import ctx_of, json_body

router = APIRouter()


@router.post("/v1/decisions", tags=["decisions"], openapi_extra=ENVELOPE_BODY,
             responses=errors(400, 401, 403, 409, 413),
             summary="Decide an action; on require_approval open (or return) its request")
async def post_decision(request: Request, principal: Caller) -> JSONResponse:
    envelope = await json_body(request)
    return JSONResponse(await ctx_of(request).adecide_and_file(envelope, principal))
