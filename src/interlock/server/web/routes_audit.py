"""Audit explorer: a filtered timeline, the chain's verification status, post-mortem export."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...audit.timeline import SUMMARIES, _generic, export, to_markdown
from . import present
from .deps import SECURITY_HEADERS, Web, WebForbidden, signed_in

router = APIRouter()
SHOWN = 300  # newest entries on the page; the export has them all
MAX_FILTER = 200
# Entry kinds shown as alarms in the timeline.
LOUD_KINDS = frozenset(("breakglass.start", "freeze", "kill", "vote.refused", "redeem.refused",
                        "request.rejected"))


def _filters(agent: str | None, target: str | None, since: str | None,
             until: str | None) -> dict[str, str]:
    return {k: (v or "").strip()[:MAX_FILTER] for k, v in
            (("agent", agent), ("target", target), ("since", since), ("until", until))}


def _entries(web: Web, f: dict[str, str]) -> list[dict[str, Any]]:
    web.require("operator", "admin", what="read the audit log")
    try:
        return export(web.store, agent=f["agent"] or None, target=f["target"] or None,
                      since=f["since"] or None, until=f["until"] or None)
    except ValueError:
        raise WebForbidden("Times must be ISO 8601, e.g. 2026-11-25T13:00 (UTC).", 400) from None


def describe(entry: dict[str, Any]) -> str:
    """One line of plain text for an entry (the Markdown export's line, minus the markup)."""
    text = SUMMARIES.get(entry["kind"], _generic)(entry["data"])
    return text.replace("**", "").replace("`", "")


@router.get("/audit")
def audit_page(request: Request, agent: str | None = None, target: str | None = None,
               since: str | None = None, until: str | None = None) -> Response:
    web = signed_in(request)
    f = _filters(agent, target, since, until)
    entries = _entries(web, f)
    verified = web.store.audit.verify()
    shown = list(reversed(entries[-SHOWN:]))
    return web.render("audit.html", entries=shown, total=len(entries), filters=f,
                      verified=verified, describe=describe, loud=LOUD_KINDS,
                      query=urlencode({k: v for k, v in f.items() if v}), ago=present.ago)


@router.get("/audit/export")
def audit_export(request: Request, format: str = "markdown", agent: str | None = None,
                 target: str | None = None, since: str | None = None,
                 until: str | None = None) -> Response:
    web = signed_in(request)
    f = _filters(agent, target, since, until)
    entries = _entries(web, f)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if format == "json":
        body = json.dumps({"filters": {k: v for k, v in f.items() if v},
                           "verify": web.store.audit.verify().to_json(), "entries": entries},
                          indent=2, ensure_ascii=False)
        media, ext = "application/json", "json"
    else:
        body = to_markdown(entries, title="interlock post-mortem timeline",
                           filters={k: v or None for k, v in f.items()})
        media, ext = "text/markdown; charset=utf-8", "md"
    headers = {**SECURITY_HEADERS,
               "Content-Disposition": f'attachment; filename="interlock-audit-{stamp}.{ext}"'}
    return Response(body, media_type=media, headers=headers)
