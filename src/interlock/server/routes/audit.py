"""The audit log over HTTP: export entries, verify the chain, checkpoint, rotate the key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from ...audit.timeline import export
from ..auth import Caller, require_human
from ..errors import ApiError
from ..schemas import errors
from .common import ctx_of

router = APIRouter(tags=["audit"])
READERS = ("operator", "admin")


@router.get("/v1/audit", responses=errors(400, 401, 403, 422),
            summary="Audit entries for an agent, a target or a time window (oldest first)")
def get_audit(request: Request, principal: Caller,
              agent: str | None = Query(default=None, max_length=200),
              target: str | None = Query(default=None, max_length=512),
              since: str | None = Query(default=None, max_length=64,
                                        description="ISO-8601 time, inclusive"),
              until: str | None = Query(default=None, max_length=64),
              limit: int = Query(default=1000, ge=1, le=10_000)) -> dict[str, Any]:
    require_human(principal, *READERS, what="read the audit log")
    try:
        entries = export(ctx_of(request).store, agent=agent, target=target, since=since,
                         until=until, limit=limit)
    except (ValueError, TypeError, OverflowError) as e:
        raise ApiError(400, f"bad since/until (use ISO-8601, e.g. 2026-01-31T12:00:00Z): "
                            f"{e}") from None
    return {"entries": entries, "count": len(entries)}


@router.get("/v1/audit/verify", responses=errors(401, 403),
            summary="Check the hash chain and the signed checkpoints")
def get_verify(request: Request, principal: Caller) -> dict[str, Any]:
    require_human(principal, *READERS, what="verify the audit log")
    result = ctx_of(request).store.audit.verify()
    return result.to_json()


@router.post("/v1/audit/checkpoint", responses=errors(401, 403),
             summary="Sign the current head now (admins)")
def post_checkpoint(request: Request, principal: Caller) -> dict[str, Any]:
    require_human(principal, "admin", what="sign audit checkpoints")
    cp = ctx_of(request).store.audit.checkpoint()
    return {"checkpoint": None if cp is None else {"seq": cp.seq, "hash": cp.hash,
                                                    "key_id": cp.key_id}}


@router.post("/v1/audit/rotate-key", responses=errors(401, 403),
             summary="Replace the checkpoint signing key; old checkpoints still verify (admins)")
def post_rotate(request: Request, principal: Caller) -> dict[str, Any]:
    require_human(principal, "admin", what="rotate the signing key")
    audit = ctx_of(request).store.audit
    key_id = audit.rotate_key(principal.name)
    return {"key_id": key_id, "public_key": audit.public_keys()[key_id]}
