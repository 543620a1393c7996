"""Policies can name who approves: `@approvers("sre")` on an approvable forbid."""

from __future__ import annotations

import shutil

import pytest

from interlock import approvals
from interlock.approvals.errors import Forbidden
from interlock.pipeline import Decider
from interlock.policy import PACK_DIR
from interlock.principals import add_principal
from interlock.store import open_store

DB_POLICY = ('@id("db.sre")\n@approvals("2")\n@approvers("sre")\n@reason("database changes: 2 '
             'SREs")\nforbid (principal, action in Action::"change", resource)\n'
             'when { context.tool == "sql" && context.tier == "production" };\n')


def _pack(tmp_path, text):
    d = tmp_path / "pack"
    d.mkdir()
    for p in PACK_DIR.iterdir():
        shutil.copy(p, d / p.name)
    (d / "groups.cedar").write_text(text)
    return d


def test_the_policy_names_the_group_and_only_its_members_approve(tmp_path):
    decider = Decider(_pack(tmp_path, DB_POLICY), None, "production")
    action = {"tool": "sql", "input": {"statement": "UPDATE t SET a = 1 WHERE id = 2"},
              "agent": "a1"}
    d = decider.decide(action)
    assert d.decision == "require_approval" and d.to_json()["approver_group"] == "sre"
    shell = decider.decide({"tool": "shell", "input": {"command": "touch /srv/x"}})
    assert "approver_group" not in shell.to_json()

    store = open_store(f"sqlite:///{tmp_path / 'i.db'}")
    agent, _ = add_principal(store, "a1", "agent")
    outsider, _ = add_principal(store, "olga", "human", roles=("approver",))
    sres = [add_principal(store, n, "human", roles=("approver",), groups=("sre",))[0]
            for n in ("sam", "sue")]
    view, _ = approvals.open_request(store, d, action, agent)
    assert view.approver_group == "sre"
    with pytest.raises(Forbidden):
        approvals.vote(store, view.id, outsider, "approve")
    for who in sres:
        view = approvals.vote(store, view.id, who, "approve")
    assert view.state == "approved"
    store.close()


@pytest.mark.parametrize("text", [
    DB_POLICY.replace('@approvers("sre")', '@approvers("no spaces allowed")'),
    '@id("x")\n@approvers("sre")\n@reason("r")\nforbid (principal, action, resource);\n',
])
def test_a_bad_approvers_annotation_denies_everything(tmp_path, text):
    d = Decider(_pack(tmp_path, text), None, "sandbox").decide(
        {"tool": "shell", "input": {"command": "ls"}})
    assert d.decision == "deny" and "@approvers" in d.error
