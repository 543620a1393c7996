"""Operator controls: freeze, kill switch, break-glass, token revocation, who-am-I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request

from ... import principals as P
from ...principals import Principal
from ..auth import Caller, require_human
from ..schemas import BreakGlassBody, ReasonBody, RevokeBody, Tier, errors
from .common import body_doc, ctx_of, in_thread, model_body

router = APIRouter(tags=["controls"])
OPERATORS = ("operator", "admin")
NAME = r"^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,199}$"
REASON = body_doc(ReasonBody, required=False)


async def _reason(request: Request) -> str:
    body = await model_body(request, ReasonBody, optional=True)
    return body.reason if body else ""


@router.get("/v1/me", responses=errors(401), summary="The caller's principal")
def get_me(principal: Caller) -> dict[str, Any]:
    return principal.to_json()


@router.get("/v1/controls", responses=errors(401),
            summary="Frozen tiers, killed agents, active break-glass")
def get_controls(request: Request, principal: Caller) -> dict[str, Any]:
    from ...approvals.controls import snapshot

    return snapshot(ctx_of(request).store).to_json()


async def _control(request: Request, principal: Principal, kind: str, subject: str,
                   what: str) -> bool:
    require_human(principal, *OPERATORS, what=what)
    reason = await _reason(request) if kind in ("freeze", "kill") else ""
    return await in_thread(ctx_of(request).set_control, kind, subject, principal, reason)


@router.post("/v1/freeze/{tier}", openapi_extra=REASON, responses=errors(401, 403, 422),
             summary="Deny every non-read in a tier until lifted (operators, admins)")
async def post_freeze(request: Request, principal: Caller,
                      tier: Tier) -> dict[str, Any]:  # type: ignore[valid-type]
    changed = await _control(request, principal, "freeze", tier, "freeze a tier")
    return {"tier": tier, "frozen": True, "changed": changed}


@router.delete("/v1/freeze/{tier}", responses=errors(401, 403, 422),
               summary="Lift a freeze (operators, admins)")
async def delete_freeze(request: Request, principal: Caller,
                        tier: Tier) -> dict[str, Any]:  # type: ignore[valid-type]
    changed = await _control(request, principal, "unfreeze", tier, "lift a freeze")
    return {"tier": tier, "frozen": False, "changed": changed}


@router.post("/v1/agents/{name}/kill", openapi_extra=REASON, responses=errors(401, 403, 422),
             summary="Kill switch: deny everything an agent asks (operators, admins)")
async def post_kill(request: Request, principal: Caller,
                    name: str = Path(pattern=NAME)) -> dict[str, Any]:
    changed = await _control(request, principal, "kill", name, "use the kill switch")
    return {"agent": name, "killed": True, "changed": changed}


@router.delete("/v1/agents/{name}/kill", responses=errors(401, 403, 422),
               summary="Turn an agent's kill switch off (operators, admins)")
async def delete_kill(request: Request, principal: Caller,
                      name: str = Path(pattern=NAME)) -> dict[str, Any]:
    changed = await _control(request, principal, "revive", name, "turn off a kill switch")
    return {"agent": name, "killed": False, "changed": changed}


@router.post("/v1/breakglass", openapi_extra=body_doc(BreakGlassBody),
             responses=errors(400, 401, 403, 409, 422),
             summary="Start a break-glass window in a tier (a human approver or admin)")
async def post_breakglass(request: Request, principal: Caller) -> dict[str, Any]:
    require_human(principal, "approver", "admin", what="break the glass")
    body = await model_body(request, BreakGlassBody)
    assert body is not None
    return await in_thread(ctx_of(request).start_breakglass, principal, body.tier, body.reason,
                           body.ttl_seconds)


@router.delete("/v1/breakglass/{tier}", responses=errors(401, 403, 422),
               summary="End the active break-glass in a tier")
def delete_breakglass(request: Request, principal: Caller,
                      tier: Tier) -> dict[str, Any]:  # type: ignore[valid-type]
    require_human(principal, "approver", "admin", *OPERATORS, what="end a break-glass")
    return {"tier": tier, "ended": ctx_of(request).end_breakglass(tier, principal)}


@router.post("/v1/principals/{name}/tokens/revoke",
             openapi_extra=body_doc(RevokeBody, required=False),
             responses=errors(401, 403, 404, 422),
             summary="Revoke every token of a principal, optionally disabling it (admins)")
async def post_revoke(request: Request, principal: Caller,
                      name: str = Path(pattern=NAME)) -> dict[str, Any]:
    require_human(principal, "admin", what="revoke tokens")
    body = await model_body(request, RevokeBody, optional=True)
    disable = bool(body and body.disable)
    ctx = ctx_of(request)
    if disable:
        await in_thread(P.revoke_principal, ctx.store, name, principal.name)
        revoked = None
    else:
        revoked = await in_thread(revoke_all_tokens, ctx.store, name, principal.name)
    ctx.token_cache.clear()
    return {"principal": name, "tokens_revoked": revoked, "disabled": disable}


def revoke_all_tokens(store: Any, name: str, actor: str) -> int:
    """Revoke every active token of `name` (the principal stays; it can be issued new ones)."""
    from ...approvals.errors import NotFound
    from ...store import models as m

    now = store.now()
    with store.write() as s:
        row = s.query(m.Principal).filter_by(name=name).one_or_none()
        if row is None:
            raise NotFound(f"no principal named {name!r}")
        count = (s.query(m.Token).filter_by(principal_id=row.id, revoked_at=None)
                 .update({m.Token.revoked_at: now}))
        store.audit.append(s, "token.revoke", actor, name, {"tokens_revoked": count})
    return count
