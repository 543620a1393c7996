"""An agent may run interlock's own guarded commands, never with the operator's settings."""

from __future__ import annotations

import pytest

from interlock.pipeline import Decider

DECIDER = Decider(None, None, "production", environ={"HOME": "/home/u"})


def _decide(command: str):
    return DECIDER.decide({"tool": "shell", "input": {"command": command, "cwd": "/srv/infra"}})


@pytest.mark.parametrize("command", [
    "interlock terraform apply",
    "interlock terraform apply --chdir live --workspace prod -- -var-file=prod.tfvars",
])
def test_guarded_terraform_apply_is_an_apply(command):
    d = _decide(command)
    assert d.decision == "require_approval" and d.approvals_required == 2
    assert [e.verb for e in d.effects] == ["update"]
    assert d.effects[0].targets[0].kind == "tf_workspace"


@pytest.mark.parametrize("command", [
    "interlock terraform apply --env sandbox",
    "interlock terraform apply --policy=/tmp/permissive",
    "interlock terraform apply --inventory /tmp/inv.toml",
    "interlock terraform apply --terraform-bin /tmp/evil",
    "INTERLOCK_TERRAFORM=/tmp/evil interlock terraform apply",
    "interlock serve --policy /tmp/p",
    "interlock run --db sqlite:////tmp/x.db -- rm -rf /srv",
])
def test_operator_settings_from_an_agent_are_tampering(command):
    d = _decide(command)
    assert d.decision == "deny"
    assert any("tamper" in e.to_json()["risks"] for e in d.effects)


def test_check_with_settings_is_only_a_read():
    assert _decide("interlock check --env sandbox < action.json").decision == "allow"
