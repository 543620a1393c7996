"""Agents (recent actions, kill switch) and the emergency controls (freeze per tier)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ...approvals import ApprovalError, list_requests
from ...audit.timeline import export
from ...inventory.model import TIERS
from ...principals import get_principal, list_principals
from . import present
from .deps import CONTROL_ROLES, PREFIX, Web, WebForbidden, check_csrf, signed_in
from .routes_audit import describe

router = APIRouter()
RECENT = 50


def _set(web: Web, kind: str, subject: str, reason: str = "") -> bool:
    """Through the server's context: audited, announced to the webhook, and the API's cached
    controls snapshot dropped so the very next decision sees the change."""
    try:
        return web.request.app.state.ctx.set_control(kind, subject, web.principal, reason)
    except ApprovalError as e:
        raise WebForbidden(str(e), e.status) from None


@router.get("/agents")
def agents(request: Request) -> Response:
    web = signed_in(request)
    everyone = list_principals(web.store)
    return web.render("agents.html", agents=[p for p in everyone if not p.is_human],
                      humans=[p for p in everyone if p.is_human])


@router.get("/agents/{name}")
def agent_page(request: Request, name: str) -> Response:
    web = signed_in(request)
    p = get_principal(web.store, name)
    if p is None or p.is_human:
        raise WebForbidden(f"No agent named {name!r}.", 404)
    requests = list_requests(web.store, requester=name, limit=RECENT)
    actions = list(reversed(export(web.store, agent=name)[-RECENT:])) if web.is_operator else []
    return web.render("agent.html", agent=p, requests=requests, actions=actions,
                      describe=describe, until=present.until, ago=present.ago)


def _admin_post(request: Request, csrf: str) -> Web:
    web = signed_in(request)
    check_csrf(web, csrf)
    web.require(*CONTROL_ROLES, what="use the emergency controls")
    return web


@router.post("/agents/{name}/kill")
def kill_agent(request: Request, name: str, reason: str = Form(""),
               csrf: str = Form("")) -> Response:
    web = _admin_post(request, csrf)
    if not reason.strip():
        web.session.flash("error", "Give a reason for the kill switch.")
        return web.back(f"{PREFIX}/agents/{name}")
    done = _set(web, "kill", name, reason.strip())
    web.session.flash("ok" if done else "info", f"Kill switch on for {name}: every action it "
                      "asks is denied." if done else f"{name} was already stopped.")
    return web.back(f"{PREFIX}/agents/{name}")


@router.post("/agents/{name}/revive")
def revive_agent(request: Request, name: str, csrf: str = Form("")) -> Response:
    web = _admin_post(request, csrf)
    done = _set(web, "revive", name)
    web.session.flash("ok" if done else "info",
                      f"Kill switch off for {name}." if done else f"{name} was not stopped.")
    return web.back(f"{PREFIX}/agents/{name}")


@router.get("/controls")
def controls_page(request: Request) -> Response:
    web = signed_in(request)
    return web.render("controls.html", tiers=TIERS, until=present.until)


@router.post("/controls/freeze")
def freeze_tier(request: Request, tier: str = Form(""), reason: str = Form(""),
                csrf: str = Form("")) -> Response:
    web = _admin_post(request, csrf)
    if tier not in TIERS:
        raise WebForbidden(f"Unknown tier {tier!r}.", 400)
    if not reason.strip():
        web.session.flash("error", "Give a reason for the freeze.")
        return web.back(f"{PREFIX}/controls")
    done = _set(web, "freeze", tier, reason.strip())
    web.session.flash("ok" if done else "info", f"{tier.capitalize()} is frozen: every change "
                      "there is denied." if done else f"{tier} was already frozen.")
    return web.back(f"{PREFIX}/controls")


@router.post("/controls/unfreeze")
def unfreeze_tier(request: Request, tier: str = Form(""), csrf: str = Form("")) -> Response:
    web = _admin_post(request, csrf)
    if tier not in TIERS:
        raise WebForbidden(f"Unknown tier {tier!r}.", 400)
    done = _set(web, "unfreeze", tier)
    web.session.flash("ok" if done else "info",
                      f"{tier.capitalize()} is unfrozen." if done else f"{tier} was not frozen.")
    return web.back(f"{PREFIX}/controls")
