"""`check` honours the store's freeze, kill switch and break-glass; an unreadable store denies."""

from __future__ import annotations

import pytest

from interlock import approvals
from interlock.pipeline import Decider
from interlock.principals import add_principal
from interlock.store import open_store
from interlock.store.quick import read_controls


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'interlock.db'}"
    s = open_store(url)
    s.url_for_tests = url
    yield s
    s.close()


def _decider(url, tier="production"):
    return Decider(None, None, tier, controls=lambda: read_controls(url))


CHANGE = {"tool": "shell", "input": {"command": "kubectl rollout restart deploy/api"},
          "agent": "claude"}
READ = {"tool": "shell", "input": {"command": "kubectl get pods"}, "agent": "claude"}
MASS = {"tool": "shell", "input": {"command": "kubectl delete namespace shop"},
        "agent": "claude", "on_behalf_of": "alice"}


def test_freeze_denies_changes_in_the_frozen_tier_only(store):
    url = store.url_for_tests
    approvals.freeze(store, "production", actor="ops", reason="code freeze")
    d = _decider(url).decide(CHANGE)
    assert d.decision == "deny" and d.reasons[0]["policy"] == "control.freeze"
    assert _decider(url).decide(READ).decision == "allow"
    assert _decider(url, "staging").decide(CHANGE).decision == "require_approval"
    approvals.unfreeze(store, "production", actor="ops")
    assert _decider(url).decide(CHANGE).decision == "require_approval"


def test_kill_switch_denies_everything_the_agent_asks(store):
    url = store.url_for_tests
    approvals.kill(store, "claude", actor="ops", reason="misbehaving")
    for action in (CHANGE, READ):
        d = _decider(url, "sandbox").decide(action)
        assert d.decision == "deny"
        assert any(r["policy"] == "control.kill-switch" for r in d.reasons)
    assert _decider(url, "sandbox").decide({**READ, "agent": "other"}).decision == "allow"


def test_breakglass_lifts_the_hard_deny_for_its_human_only(store):
    url = store.url_for_tests
    assert _decider(url).decide(MASS).decision == "deny"
    alice, _ = add_principal(store, "alice", "human", roles=("approver",))
    approvals.start_breakglass(store, alice, "production", "restore the payments cluster")
    d = _decider(url).decide(MASS)
    assert d.decision == "require_approval" and d.approvals_required == 2
    # another human's agent gets no break-glass
    assert _decider(url).decide({**MASS, "on_behalf_of": "bob"}).decision == "deny"


@pytest.mark.parametrize("make", ["missing", "garbage", "directory"])
def test_an_unreadable_store_denies(tmp_path, make):
    path = tmp_path / "x.db"
    if make == "garbage":
        path.write_bytes(b"this is not sqlite" * 100)
    elif make == "directory":
        path.mkdir()
    d = _decider(f"sqlite:///{path}", "sandbox").decide(READ)
    assert d.decision == "deny" and d.error


def test_check_cli_reads_the_store(store, run_check):
    url = store.url_for_tests
    approvals.freeze(store, "production", actor="ops")
    code, out = run_check(CHANGE, "--db", url)
    assert code == 2 and out["reasons"][0]["policy"] == "control.freeze"
    code, out = run_check(READ, "--db", url)
    assert code == 0
    code, out = run_check(READ, "--db", f"sqlite:///{url[len('sqlite:///'):]}.missing")
    assert code == 1 and out["decision"] == "deny" and "does not exist" in out["error"]
