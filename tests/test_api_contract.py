"""The HTTP API contract (DESIGN.md) over a real loopback server, on SQLite and PostgreSQL:
every route, its status codes, and the two-person rule's must-show cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pg import pg_url_fixture, store_fixture  # noqa: F401
from test_api_support import Api, kubectl, start_api


@pytest.fixture
def api(store, tmp_path):
    a = start_api(store, tmp_path)
    yield a
    a.server.stop()


def _open(api: Api, who: str = "bot", **kw) -> tuple[dict, dict]:
    env = kubectl(**kw)
    status, body = api.decide(who, env)
    assert status == 200, body
    assert body["decision"] == "require_approval", body
    assert body["request_id"]
    return env, body


# -- authentication, health, metrics, OpenAPI ----------------------------------------------------
def test_health_metrics_openapi_need_no_token(api: Api) -> None:
    assert api("GET", "/healthz") == (200, {"status": "ok"})
    status, text = api("GET", "/metrics")
    assert status == 200 and "interlock_http_requests_total" in text
    status, spec = api("GET", "/openapi.json")
    assert status == 200
    for path in ("/v1/decisions", "/v1/requests/{request_id}", "/v1/requests/{request_id}/votes",
                 "/v1/requests/{request_id}/cancel", "/v1/requests/{request_id}/redeem",
                 "/v1/audit", "/v1/audit/verify", "/healthz", "/metrics"):
        assert path in spec["paths"], path


@pytest.mark.parametrize("path,method", [("/v1/decisions", "POST"), ("/v1/requests/x", "GET"),
                                         ("/v1/audit", "GET"), ("/v1/audit/verify", "GET"),
                                         ("/v1/requests", "GET")])
def test_no_token_is_401(api: Api, path: str, method: str) -> None:
    status, body = api(method, path, body={} if method == "POST" else None)
    assert status == 401 and "bearer token" in body["error"]
    status, body = api(method, path, body={} if method == "POST" else None,
                       headers={"Authorization": "Bearer not-a-real-token"})
    assert status == 401 and "invalid" in body["error"]


def test_revoked_token_is_401(api: Api) -> None:
    assert api.decide("bot2", kubectl(context="dev-1"))[0] == 200
    status, body = api("POST", "/v1/principals/bot2/tokens/revoke", "root")
    assert status == 200 and body["tokens_revoked"] == 1
    assert api.decide("bot2", kubectl(context="dev-1"))[0] == 401
    # only admins revoke; agents never
    assert api("POST", "/v1/principals/bob/tokens/revoke", "alice")[0] == 403
    assert api("POST", "/v1/principals/bob/tokens/revoke", "bot")[0] == 403
    assert api("POST", "/v1/principals/nobody/tokens/revoke", "root")[0] == 404


# -- decisions -------------------------------------------------------------------------------
def test_allow_and_deny_are_200_and_audited(api: Api) -> None:
    status, body = api.decide("bot", {"tool": "shell", "input": {"command": "ls", "cwd": "/"}})
    assert status == 200 and body["decision"] == "allow" and "request_id" not in body
    status, body = api.decide("bot", {"tool": "shell", "input": {"command": "rm -rf /"}})
    assert status == 200 and body["decision"] == "deny"
    # a malformed envelope is a deny with an error, still a 200 and still audited
    status, body = api.decide("bot", {"tool": "nope", "input": {}})
    assert status == 200 and body["decision"] == "deny" and "unknown tool" in body["error"]
    assert api.audit_kinds().count("decision") == 3


def test_bad_bodies_are_4xx(api: Api) -> None:
    for raw in (b"", b"not json", b'{"a": 1, "a": 2}', b"[1, 2]", b'"text"', b"\xff\xfe"):
        status, body = api("POST", "/v1/decisions", "bot", raw=raw)
        assert 400 <= status < 500 and body["error"], (raw, status, body)


def test_body_too_large_is_413(api: Api) -> None:
    big = {"tool": "shell", "input": {"command": "echo " + "x" * 1_100_000}}
    status, body = api.decide("bot", big)
    assert status == 413 and "too large" in body["error"]


def test_oversized_bodies_always_get_their_413(api: Api) -> None:
    """The server reads and discards an oversized body before answering, so the client sees
    the 413 rather than a connection reset -- with a Content-Length and when chunked."""
    import http.client
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(api.url)
    payload = json.dumps({"tool": "shell", "input": {"command": "echo " + "y" * 2_000_000}}).encode()
    headers = {"Authorization": f"Bearer {api.tokens['bot']}", "Content-Type": "application/json"}
    for chunked in (False, True, False, True, False):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
        if chunked:
            conn.request("POST", "/v1/decisions", body=iter([payload[i:i + 65536] for i in
                                                              range(0, len(payload), 65536)]),
                         headers=headers, encode_chunked=True)
        else:
            conn.request("POST", "/v1/decisions", body=payload, headers=headers)
        response = conn.getresponse()
        assert response.status == 413, chunked
        assert "too large" in json.loads(response.read())["error"]
        conn.close()


def test_identity_comes_from_the_token(api: Api) -> None:
    status, body = api.decide("bot", {**kubectl(), "agent": "bot2"})
    assert status == 403 and "bot2" in body["error"]
    status, body = api.decide("bot", {**kubectl(), "on_behalf_of": "bob"})
    assert status == 403
    status, body = api.decide("bot2", {**kubectl(), "on_behalf_of": "alice"})
    assert status == 403
    # naming yourself is fine; the server fills in who the agent acts for
    status, body = api.decide("bot", {**kubectl(context="dev-1"), "agent": "bot"})
    assert status == 200 and body["decision"] == "allow"
    entry = [e for e in __import__("interlock.audit.timeline", fromlist=["export"])
             .export(api.store) if e["kind"] == "decision"][-1]
    assert entry["data"]["agent"] == "bot" and entry["data"]["on_behalf_of"] == "alice"
    # humans without operator/admin do not submit actions; humans never name an agent
    assert api.decide("viewer", kubectl())[0] == 403
    assert api.decide("bob", kubectl())[0] == 403
    assert api.decide("opal", {**kubectl(), "agent": "bot"})[0] == 403


def test_identical_pending_request_is_returned(api: Api) -> None:
    env, first = _open(api)
    status, again = api.decide("bot", env)
    assert status == 200 and again["request_id"] == first["request_id"]
    status, listing = api("GET", "/v1/requests?state=pending", "bob")
    assert [r["id"] for r in listing["requests"]] == [first["request_id"]]


def test_different_change_on_same_target_is_409(api: Api) -> None:
    _, first = _open(api, verb_obj="delete deploy web")
    status, body = api.decide("bot2", kubectl(verb_obj="delete deploy web", ns="payments"))
    # bot2's identical command is a different action (another agent) on the same target
    assert status == 409 and body["blocking_request"] == first["request_id"]
    assert "error" in body


# -- requests and votes ---------------------------------------------------------------------------
def test_get_request_shape_and_404(api: Api) -> None:
    _, opened = _open(api)
    status, r = api("GET", f"/v1/requests/{opened['request_id']}", "bot")
    assert status == 200
    assert {"id", "state", "approvals_required", "approvals", "action_hash",
            "expires_at"} <= set(r)
    assert r["state"] == "pending" and r["approvals_required"] == 2 and r["approvals"] == []
    assert r["action_hash"] == opened["action_hash"]
    assert api("GET", "/v1/requests/doesnotexist", "bot")[0] == 404


def test_two_person_rule(api: Api) -> None:
    env, opened = _open(api)
    rid = opened["request_id"]
    # an agent token never votes (the requester itself, here)
    status, body = api.vote("bot", rid)
    assert status == 403 and "agent" in body["error"]
    # the human the agent acts for cannot approve it
    status, body = api.vote("alice", rid)
    assert status == 403 and "on-behalf-of" in body["error"]
    # a human without the approver role cannot vote
    assert api.vote("opal", rid)[0] == 403
    assert api.vote("bob", rid)[0] == 200
    # the same human twice
    status, body = api.vote("bob", rid)
    assert status == 403 and "already voted" in body["error"]
    status, r = api.vote("carol", rid)
    assert status == 200 and r["state"] == "approved" and sorted(r["approvals"]) == ["bob", "carol"]
    # no more votes once decided
    assert api.vote("dave", rid)[0] == 409
    # redeem: a modified action fails, the approved one succeeds once, a replay fails
    modified = kubectl(verb_obj="delete deploy web --force")
    status, body = api("POST", f"/v1/requests/{rid}/redeem", "bot", modified)
    assert status == 409 and "different action" in body["error"]
    status, body = api("POST", f"/v1/requests/{rid}/redeem", "bot", env)
    assert status == 200 and body["state"] == "redeemed"
    status, body = api("POST", f"/v1/requests/{rid}/redeem", "bot", env)
    assert status == 409 and "already used" in body["error"]
    # refused votes and redeems are audited too
    kinds = api.audit_kinds()
    assert kinds.count("vote.refused") == 5 and kinds.count("redeem.refused") == 2
    assert "grant.redeemed" in kinds


def test_requester_cannot_approve_own_request(api: Api) -> None:
    _, opened = _open(api, who="alice")  # alice is a human operator and an approver
    status, body = api.vote("alice", opened["request_id"])
    assert status == 403 and "requester" in body["error"]


def test_only_requester_redeems(api: Api) -> None:
    env, opened = _open(api, context="stage-1")  # staging: one approval
    rid = opened["request_id"]
    assert api.vote("bob", rid)[1]["state"] == "approved"
    assert api("POST", f"/v1/requests/{rid}/redeem", "bot2", env)[0] in (403, 409)
    assert api("POST", f"/v1/requests/{rid}/redeem", "bot", env)[0] == 200


def test_veto(api: Api) -> None:
    env, opened = _open(api)
    rid = opened["request_id"]
    assert api.vote("bob", rid)[0] == 200
    status, r = api.vote("carol", rid, "reject", "not during the sale")
    assert status == 200 and r["state"] == "rejected"
    assert api.vote("dave", rid)[0] == 409
    assert api("POST", f"/v1/requests/{rid}/redeem", "bot", env)[0] == 409
    # the target lock is released: a new request for it can open
    assert api.decide("bot", env)[1]["request_id"] != rid


def test_expired_request(api: Api) -> None:
    env, opened = _open(api, context="stage-1")
    rid = opened["request_id"]
    api.store.clock.advance(hours=2)  # past the 1 h TTL
    status, r = api("GET", f"/v1/requests/{rid}", "bot")
    assert status == 200 and r["state"] == "expired"
    assert api.vote("bob", rid)[0] == 409
    assert api("POST", f"/v1/requests/{rid}/redeem", "bot", env)[0] == 409


def test_approved_then_expired_grant(api: Api) -> None:
    env, opened = _open(api, context="stage-1")
    rid = opened["request_id"]
    assert api.vote("bob", rid)[1]["state"] == "approved"
    api.store.clock.advance(hours=2)
    assert api("POST", f"/v1/requests/{rid}/redeem", "bot", env)[0] == 409


def test_cancel(api: Api) -> None:
    _, opened = _open(api)
    rid = opened["request_id"]
    assert api("POST", f"/v1/requests/{rid}/cancel", "bob", {"reason": "x"})[0] == 403
    status, r = api("POST", f"/v1/requests/{rid}/cancel", "bot", {"reason": "changed my mind"})
    assert status == 200 and r["state"] == "cancelled"
    assert api("POST", f"/v1/requests/{rid}/cancel", "bot")[0] == 409
    _, opened = _open(api)
    assert api("POST", f"/v1/requests/{opened['request_id']}/cancel", "root")[0] == 200


def test_vote_body_validation(api: Api) -> None:
    _, opened = _open(api)
    rid = opened["request_id"]
    for body in ({"vote": "maybe"}, {"vote": "approve", "extra": 1}, {}, [], {"vote": 1}):
        status, out = api("POST", f"/v1/requests/{rid}/votes", "bob", body)
        assert status == 422 and out["error"], body
    assert api.vote("bob", "nosuchrequest")[0] == 404


def test_agents_list_only_their_own_requests(api: Api) -> None:
    _open(api)
    _open(api, who="bot2", ns="other")
    assert len(api("GET", "/v1/requests", "bob")[1]["requests"]) == 2
    mine = api("GET", "/v1/requests", "bot2")[1]["requests"]
    assert [r["requester"] for r in mine] == ["bot2"]
    assert api("GET", "/v1/requests?state=bogus", "bob")[0] == 422


# -- controls ----------------------------------------------------------------------------------
def test_freeze(api: Api) -> None:
    assert api("POST", "/v1/freeze/production", "bot")[0] == 403  # agents never
    assert api("POST", "/v1/freeze/production", "bob")[0] == 403  # approver only
    status, body = api("POST", "/v1/freeze/production", "opal", {"reason": "incident 42"})
    assert status == 200 and body["changed"]
    status, d = api.decide("bot", kubectl())
    assert status == 200 and d["decision"] == "deny"
    assert any(r["policy"] == "control.freeze" for r in d["reasons"])
    # reads go on
    assert api.decide("bot", kubectl(verb_obj="get pods"))[1]["decision"] == "allow"
    assert api("GET", "/v1/controls", "bob")[1]["frozen"] == ["production"]
    assert api("DELETE", "/v1/freeze/production", "opal")[0] == 200
    assert api.decide("bot", kubectl())[1]["decision"] == "require_approval"
    assert api("POST", "/v1/freeze/nowhere", "opal")[0] == 422


def test_kill_switch(api: Api) -> None:
    assert api("POST", "/v1/agents/bot/kill", "bot2")[0] == 403
    assert api("POST", "/v1/agents/bot/kill", "opal", {"reason": "runaway"})[0] == 200
    d = api.decide("bot", kubectl(context="dev-1"))[1]
    assert d["decision"] == "deny" and any(r["policy"] == "control.kill-switch"
                                           for r in d["reasons"])
    assert api.decide("bot2", kubectl(context="dev-1"))[1]["decision"] == "allow"
    assert api("DELETE", "/v1/agents/bot/kill", "opal")[0] == 200
    assert api.decide("bot", kubectl(context="dev-1"))[1]["decision"] == "allow"


def test_breakglass(api: Api) -> None:
    body = {"tier": "production", "reason": "database on fire", "ttl_seconds": 600}
    assert api("POST", "/v1/breakglass", "bot", body)[0] == 403
    assert api("POST", "/v1/breakglass", "opal", body)[0] == 403
    assert api("POST", "/v1/breakglass", "bob", {**body, "reason": "x"})[0] == 400
    status, bg = api("POST", "/v1/breakglass", "bob", body)
    assert status == 200 and bg["human"] == "bob"
    assert api("POST", "/v1/breakglass", "carol", body)[0] == 409
    assert "production" in api("GET", "/v1/controls", "bob")[1]["breakglass"]
    assert api("DELETE", "/v1/breakglass/production", "bob")[1]["ended"] is True
    assert "breakglass.start" in api.audit_kinds()


# -- audit ---------------------------------------------------------------------------------------
def test_audit_routes(api: Api) -> None:
    _open(api)
    api.decide("bot2", kubectl(context="dev-1"))
    assert api("GET", "/v1/audit", "bot")[0] == 403
    assert api("GET", "/v1/audit", "bob")[0] == 403  # approvers are not auditors
    status, body = api("GET", "/v1/audit?agent=bot2", "opal")
    assert status == 200 and body["count"] >= 1
    assert all("bot2" in (e["actor"], e["subject"], e["data"].get("agent"))
               for e in body["entries"])
    status, body = api("GET", "/v1/audit?target=prod-eu", "root")
    assert status == 200 and body["count"] >= 2
    status, body = api("GET", "/v1/audit?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z",
                       "root")
    assert status == 200 and body["count"] == len(api.audit_kinds())
    assert api("GET", "/v1/audit?since=yesterday", "root")[0] == 400
    status, v = api("GET", "/v1/audit/verify", "opal")
    assert status == 200 and v["ok"] is True and v["first_bad"] is None and v["entries"] > 0
    assert api("GET", "/v1/audit/verify", "bot")[0] == 403


def test_key_rotation_keeps_old_checkpoints_verifiable(api: Api) -> None:
    assert api("POST", "/v1/audit/checkpoint", "root")[0] == 200
    assert api("POST", "/v1/audit/rotate-key", "opal")[0] == 403
    status, body = api("POST", "/v1/audit/rotate-key", "root")
    assert status == 200 and body["key_id"]
    api.decide("bot", kubectl(context="dev-1"))
    assert api("POST", "/v1/audit/checkpoint", "root")[0] == 200
    v = api("GET", "/v1/audit/verify", "root")[1]
    assert v["ok"] and v["checkpoints"] >= 2


def test_secrets_are_redacted_in_audit_and_listings(api: Api) -> None:
    secret = "hunter2supersecret"
    env = {"tool": "shell", "input": {
        "command": f"PGPASSWORD={secret} psql -h db.prod.internal -c 'drop table users'",
        "cwd": "/tmp"}}
    status, d = api.decide("bot", env)
    assert status == 200 and d["decision"] in ("require_approval", "deny")
    listing = api("GET", "/v1/requests", "bob")[1]
    audit = api("GET", "/v1/audit", "root")[1]
    import json

    assert secret not in json.dumps(listing) and secret not in json.dumps(audit)


def test_every_response_error_is_json(api: Api) -> None:
    for method, path in (("GET", "/nope"), ("PUT", "/v1/decisions"), ("DELETE", "/healthz")):
        status, body = api(method, path, "bob")
        assert 400 <= status < 500 and isinstance(body, dict) and body["error"]


def test_ttl_from_settings(store, tmp_path) -> None:
    a = start_api(store, tmp_path, request_ttl=timedelta(minutes=5))
    try:
        _, opened = _open(a)
        r = a("GET", f"/v1/requests/{opened['request_id']}", "bob")[1]
        assert r["expires_at"] == (store.clock.now + timedelta(minutes=5)).isoformat()
    finally:
        a.server.stop()
