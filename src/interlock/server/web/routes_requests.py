"""The inbox (pending requests, live) and the request page (the exact action, why the policy
asked, the Terraform diff, votes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ...approvals import ApprovalError, NotFound, get_request, list_requests
from ...approvals.views import STATES
from ...inventory.model import TIERS
from . import present
from .deps import PREFIX, Web, WebForbidden, check_csrf, signed_in
from .eligibility import can_vote
from .highlight import highlight_shell, highlight_sql
from .plan import plan_view

router = APIRouter()
POLL_SECONDS = 3
INBOX_LIMIT = 200
MAX_FILTER = 200


def _filters(tier: str | None, agent: str | None, target: str | None,
             state: str | None) -> dict[str, str]:
    f = {"tier": tier if tier in TIERS else "", "agent": (agent or "").strip()[:MAX_FILTER],
         "target": (target or "").strip()[:MAX_FILTER],
         "state": state if state in STATES or state == "any" else "pending"}
    return f


def _matches(r: Any, f: dict[str, str]) -> bool:
    if f["tier"] and r.environment != f["tier"]:
        return False
    if f["agent"] and f["agent"] not in (r.requester, r.on_behalf_of):
        return False
    if f["target"]:
        hay = [*r.summary.get("targets", []), *r.lock_keys, r.summary.get("summary", "")]
        if not any(f["target"] in str(h) for h in hay):
            return False
    return True


def _rows(web: Web, f: dict[str, str]) -> list[Any]:
    state = None if f["state"] == "any" else f["state"]
    return [r for r in list_requests(web.store, state=state, limit=INBOX_LIMIT) if _matches(r, f)]


def _inbox_ctx(web: Web, f: dict[str, str]) -> dict[str, Any]:
    from urllib.parse import urlencode

    rows = _rows(web, f)
    return {"rows": rows, "filters": f, "tiers": TIERS, "states": ("pending", *STATES[1:]),
            "query": urlencode({k: v for k, v in f.items() if v}), "poll": POLL_SECONDS,
            "until": present.until, "ago": present.ago}


@router.get("/")
def inbox(request: Request, tier: str | None = None, agent: str | None = None,
          target: str | None = None, state: str | None = None) -> Response:
    web = signed_in(request)
    return web.render("inbox.html", **_inbox_ctx(web, _filters(tier, agent, target, state)))


@router.get("/inbox/rows")
def inbox_rows(request: Request, tier: str | None = None, agent: str | None = None,
               target: str | None = None, state: str | None = None) -> Response:
    web = signed_in(request)
    return web.render("_inbox_rows.html", **_inbox_ctx(web, _filters(tier, agent, target, state)))


# -- one request ------------------------------------------------------------------------------
def _code(action: dict[str, Any]) -> dict[str, Any]:
    """The exact action, ready to show: highlighted HTML where we have a grammar."""
    tool, inp = action.get("tool"), action.get("input") or {}
    if tool == "shell" and isinstance(inp.get("command"), str):
        return {"lang": "shell", "html": highlight_shell(inp["command"])}
    if tool == "sql" and isinstance(inp.get("statement"), str):
        return {"lang": "sql", "html": highlight_sql(inp["statement"], inp.get("dialect"))}
    return {}


def _request_ctx(web: Web, request_id: str) -> dict[str, Any]:
    import json

    try:
        r = get_request(web.store, request_id)
    except NotFound:
        raise WebForbidden(f"No request {request_id!r}.", 404) from None
    effects = [e for e in r.summary.get("effects", []) if isinstance(e, dict)]
    action = r.action if isinstance(r.action, dict) else {}
    ok, why = can_vote(web.store, r.id, web.principal)
    return {"r": r, "action": action, "inp": action.get("input") or {},
            "code": _code(action), "effects": effects,
            "plan": plan_view(effects) if action.get("tool") == "terraform" else None,
            "reasons": r.summary.get("reasons", []), "can_vote": ok, "vote_reason": why,
            "pretty": lambda v: json.dumps(v, indent=2, ensure_ascii=False, sort_keys=True),
            "until": present.until, "ago": present.ago, "poll": POLL_SECONDS}


@router.get("/requests/{request_id}")
def request_page(request: Request, request_id: str) -> Response:
    web = signed_in(request)
    return web.render("request.html", **_request_ctx(web, request_id))


@router.get("/requests/{request_id}/live")
def request_live(request: Request, request_id: str, state: str = "") -> Response:
    """Polled by the page: the status and votes; when the state changed, the whole request
    body (buttons, reasons) is swapped in instead."""
    web = signed_in(request)
    ctx = _request_ctx(web, request_id)
    if ctx["r"].state != state:
        resp = web.render("_request_main.html", **ctx)
        resp.headers["HX-Retarget"] = "#request-main"
        resp.headers["HX-Reswap"] = "outerHTML"
        return resp
    return web.render("_request_live.html", **ctx)


@router.post("/requests/{request_id}/vote")
def cast_vote(request: Request, request_id: str, choice: str = Form(""),
              comment: str = Form(""), csrf: str = Form("")) -> Response:
    web = signed_in(request)
    check_csrf(web, csrf)
    url = f"{PREFIX}/requests/{request_id}"
    if choice not in ("approve", "reject"):
        raise WebForbidden("Choose approve or reject.", 400)
    if not comment.strip():
        web.session.flash("error", "Say why: a vote needs a comment.")
        return web.back(url)
    try:
        # Through the server's context: the vote is audited and announced to the webhook.
        r = web.request.app.state.ctx.vote(request_id, web.principal, choice, comment.strip())
    except ApprovalError as e:
        web.session.flash("error", f"Your vote was refused: {e}")
        return web.back(url)
    if choice == "reject":
        web.session.flash("ok", "You rejected this request. It is closed.")
    elif r["state"] == "approved":
        web.session.flash("ok", "You approved this request: quorum reached, a grant was issued.")
    else:
        web.session.flash("ok", f"You approved this request ({len(r['approvals'])} of "
                                f"{r['approvals_required']}).")
    return web.back(url)
