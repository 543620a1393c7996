"""Waiting for approval through a hook: the request is filed in the store, the agent is told
plainly, and once two OTHER humans approve, the same action passes exactly once."""

from __future__ import annotations

import json

import pytest
from hookhelp import run_hook, verdict

from interlock import approvals
from interlock.approvals.errors import Forbidden
from interlock.principals import add_principal
from interlock.store import open_store


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'interlock.db'}"
    s = open_store(url)
    s.url_for_tests = url
    yield s
    s.close()


def _payload(command, cwd):
    return json.dumps({"session_id": "s1", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                       "tool_input": {"command": command}, "cwd": cwd}).encode()


def _hook(store, command, cwd):
    return run_hook(["claude-code", "--no-daemon", "--env", "production"],
                    _payload(command, cwd), extra_env={"INTERLOCK_DB": store.url_for_tests})


def test_request_filed_approved_by_others_then_passes_once(store, tmp_path):
    people = {n: add_principal(store, n, "human", roles=("approver",))[0]
              for n in ("alice", "bob", "carol")}
    add_principal(store, "claude-code", "agent", acts_for="alice")
    command = "kubectl rollout restart deploy/api"

    kind, message = verdict("claude-code", _hook(store, command, str(tmp_path)))
    assert kind == "deny" and "needs approval by 2 other humans" in message
    [request] = approvals.list_requests(store, state="pending")
    assert request.id in message and request.requester == "claude-code"

    # retrying before approval files nothing new and still blocks
    assert verdict("claude-code", _hook(store, command, str(tmp_path)))[0] == "deny"
    assert len(approvals.list_requests(store)) == 1

    with pytest.raises(Forbidden):
        approvals.vote(store, request.id, people["alice"], "approve")
    approvals.vote(store, request.id, people["bob"], "approve")
    approvals.vote(store, request.id, people["carol"], "approve")

    assert verdict("claude-code", _hook(store, command, str(tmp_path)))[0] == "allow"
    assert approvals.get_request(store, request.id).state == "redeemed"
    # exactly once: the next identical call needs a new approval
    assert verdict("claude-code", _hook(store, command, str(tmp_path)))[0] == "deny"

    kinds = [e["kind"] for e in __import__("interlock.audit", fromlist=["export"]).export(store)]
    assert "decision" in kinds and "grant.redeemed" in kinds
    assert store.audit.verify().ok


def test_a_different_action_does_not_redeem_an_approval(store, tmp_path):
    people = {n: add_principal(store, n, "human", roles=("approver",))[0] for n in ("bob", "carol")}
    add_principal(store, "claude-code", "agent")
    verdict("claude-code", _hook(store, "kubectl scale deploy/api --replicas=3", str(tmp_path)))
    [request] = approvals.list_requests(store, state="pending")
    for who in ("bob", "carol"):
        approvals.vote(store, request.id, people[who], "approve")
    kind, _ = verdict("claude-code",
                      _hook(store, "kubectl scale deploy/api --replicas=0", str(tmp_path)))
    assert kind == "deny"
    assert approvals.get_request(store, request.id).state == "approved"


def test_unregistered_agent_is_told_why_nothing_was_filed(store, tmp_path):
    kind, message = verdict("claude-code", _hook(store, "kubectl apply -f x.yaml", str(tmp_path)))
    assert kind == "deny" and "not registered" in message


def test_freeze_in_the_store_reaches_the_hook(store, tmp_path):
    approvals.freeze(store, "production", actor="ops")
    kind, message = verdict("claude-code", _hook(store, "kubectl apply -f x.yaml", str(tmp_path)))
    assert kind == "deny" and "frozen" in message
