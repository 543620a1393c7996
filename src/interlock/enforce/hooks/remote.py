"""`--server URL`: decide through the HTTP API (DESIGN.md `POST /v1/decisions`) instead of in
process. The server files the approval request itself and returns its `request_id`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

TIMEOUT_S = 5.0


def decide_remote(server: str, envelope: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The server's decision, or a deny with `error` when it cannot be had (fail closed)."""
    import urllib.error
    import urllib.request

    if not server.startswith(("http://", "https://")):
        return _error(f"--server must be an http(s) URL, not {server!r}")
    token = env.get("INTERLOCK_TOKEN")
    if not token:
        return _error("--server is set but INTERLOCK_TOKEN is not (the agent's bearer token)")
    # The server takes agent/on_behalf_of from the token; an envelope naming others is a 403.
    body = {k: v for k, v in envelope.items() if k not in ("agent", "on_behalf_of")}
    req = urllib.request.Request(
        server.rstrip("/") + "/v1/decisions", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            out = json.loads(resp.read(4 * 1024 * 1024))
    except urllib.error.HTTPError as e:
        detail = _read_error(e)
        if e.code == 409 and detail.get("blocking_request"):
            return {"decision": "deny", "environment": "?", "effects": [], "reasons": [
                {"policy": "approvals", "message": "another pending change on the same target "
                 f"waits for approval: request {detail['blocking_request']}"}]}
        return _error(f"the interlock server answered {e.code}: {detail.get('error', '')}")
    except (OSError, ValueError) as e:
        return _error(f"the interlock server at {server} cannot be reached ({e})")
    if not isinstance(out, dict) or out.get("decision") not in ("allow", "deny",
                                                                 "require_approval"):
        return _error("the interlock server's answer is not a decision")
    if out["decision"] == "require_approval" and out.get("request_state") == "approved":
        return _redeem(server, token, str(out.get("request_id", "")), body, out)
    return out


def _redeem(server: str, token: str, request_id: str, body: dict[str, Any],
            decision: dict[str, Any]) -> dict[str, Any]:
    """Spend the approved request's single-use grant for exactly this action: it passes once.
    Any refusal (already redeemed, expired, another action) keeps the action blocked."""
    import urllib.error
    import urllib.parse
    import urllib.request

    req = urllib.request.Request(
        f"{server.rstrip('/')}/v1/requests/{urllib.parse.quote(request_id, safe='')}/redeem",
        data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            resp.read(65536)
    except urllib.error.HTTPError as e:
        return {**decision, "request_state": "approved (not redeemable: "
                f"{_read_error(e).get('error', e.code)})"}
    except (OSError, ValueError):
        return decision
    return {**decision, "decision": "allow", "approvals_required": 0,
            "reasons": [{"policy": "approvals", "message": f"approved request {request_id} "
                         "redeemed (single use)"}]}


def _read_error(e: Any) -> dict[str, Any]:
    try:
        got = json.loads(e.read(65536))
        return got if isinstance(got, dict) else {}
    except (OSError, ValueError):
        return {}


def _error(message: str) -> dict[str, Any]:
    return {"decision": "deny", "approvals_required": 0, "environment": "?", "effects": [],
            "reasons": [{"policy": "error", "message": message}], "error": message}
