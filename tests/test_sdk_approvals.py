"""The SDK files approval requests in the store and lets an approved action pass once."""

from __future__ import annotations

import pytest

from interlock import ApprovalRequired, Guard
from interlock import approvals
from interlock.principals import add_principal
from interlock.store import open_store


def test_guard_files_then_redeems_exactly_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'interlock.db'}"
    store = open_store(url)
    people = {n: add_principal(store, n, "human", roles=("approver",))[0] for n in ("bob", "carol")}
    add_principal(store, "py-agent", "agent")
    guard = Guard(env="production", agent="py-agent", db=url)
    ran = []

    @guard.guarded(tool="shell", build=lambda svc: {"command": f"systemctl restart {svc}"})
    def restart(svc):
        ran.append(svc)
        return "restarted"

    with pytest.raises(ApprovalRequired) as info:
        restart("nginx")
    rid = info.value.request_id
    assert rid and approvals.get_request(store, rid).state == "pending" and not ran
    for who in ("bob", "carol"):
        approvals.vote(store, rid, people[who], "approve")
    assert restart("nginx") == "restarted" and ran == ["nginx"]
    with pytest.raises(ApprovalRequired):
        restart("nginx")
    assert ran == ["nginx"]
    store.close()


def test_mcp_gate_files_then_lets_the_approved_call_pass_once(tmp_path):
    from interlock.enforce.approval import settle
    from interlock.enforce.mcp_gate import Gate
    from interlock.pipeline import Decider

    url = f"sqlite:///{tmp_path / 'interlock.db'}"
    store = open_store(url)
    people = {n: add_principal(store, n, "human", roles=("approver",))[0] for n in ("bob", "carol")}
    add_principal(store, "mcp-agent", "agent")
    gate = Gate(Decider(None, None, "production"), "notes", agent="mcp-agent",
                on_require_approval=lambda d, e: settle(d, e, url))
    gate.catalog.absorb([("delete_note", {"destructiveHint": True})], reset=True)
    first = gate.check("delete_note", {"id": 7})
    assert not first.forward and "approval request" in first.text
    [request] = approvals.list_requests(store, state="pending")
    for who in ("bob", "carol"):
        approvals.vote(store, request.id, people[who], "approve")
    assert gate.check("delete_note", {"id": 7}).forward
    assert not gate.check("delete_note", {"id": 7}).forward
    store.close()
