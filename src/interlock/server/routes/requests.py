"""Approval requests: read, list, vote, cancel, redeem."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from ..auth import Caller
from ..schemas import ENVELOPE_BODY, ReasonBody, VoteBody, errors
from .common import body_doc, ctx_of, in_thread, json_body, model_body

router = APIRouter(tags=["requests"])
State = Literal["pending", "approved", "rejected", "expired", "cancelled", "redeemed"]


@router.get("/v1/requests", responses=errors(401, 422),
            summary="List requests, newest first (agents see their own)")
def list_requests(request: Request, principal: Caller, state: State | None = None,
                  requester: str | None = Query(default=None, max_length=200),
                  limit: int = Query(default=100, ge=1, le=1000)) -> dict[str, Any]:
    items = ctx_of(request).list_requests(principal, state, requester, limit)
    return {"requests": items}


@router.get("/v1/requests/{request_id}", responses=errors(401, 404),
            summary="One request: state, approvals, action hash, expiry")
def get_request(request: Request, principal: Caller, request_id: str) -> dict[str, Any]:
    return ctx_of(request).get_request(request_id)


@router.post("/v1/requests/{request_id}/votes", openapi_extra=body_doc(VoteBody),
             responses=errors(400, 401, 403, 404, 409, 422),
             summary="Approve or reject (humans with the approver or admin role)")
async def post_vote(request: Request, principal: Caller, request_id: str) -> dict[str, Any]:
    body = await model_body(request, VoteBody)
    assert body is not None
    return await in_thread(ctx_of(request).vote, request_id, principal, body.vote,
                           body.comment)


@router.post("/v1/requests/{request_id}/cancel",
             openapi_extra=body_doc(ReasonBody, required=False),
             responses=errors(400, 401, 403, 404, 409, 422),
             summary="Cancel a pending request (its requester, or an admin)")
async def post_cancel(request: Request, principal: Caller, request_id: str) -> dict[str, Any]:
    body = await model_body(request, ReasonBody, optional=True)
    return await in_thread(ctx_of(request).cancel, request_id, principal,
                           body.reason if body else "")


@router.post("/v1/requests/{request_id}/redeem", openapi_extra=ENVELOPE_BODY,
             responses=errors(400, 401, 403, 404, 409, 413),
             summary="Spend the single-use grant for exactly this action (the requester)")
async def post_redeem(request: Request, principal: Caller, request_id: str) -> dict[str, Any]:
    envelope = await json_body(request)
    return await in_thread(ctx_of(request).redeem, request_id, envelope, principal)
