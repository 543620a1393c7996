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


@pytest.mark.parametrize("command, decision", [
    ("interlock run -- kubectl get pods", "allow"),
    ("interlock run --wait -- kubectl rollout restart deploy/api", "require_approval"),
    ("interlock run -- bash -c 'rm -rf /'", "deny"),
    ("interlock run --broker-socket /run/interlock/b.sock -- env rm -rf ~", "deny"),
])
def test_the_broker_is_a_wrapper_its_command_is_analysed(command, decision):
    assert _decide(command).decision == decision


@pytest.mark.parametrize("flag", ["--as claude", "--token x", "--on-behalf-of alice",
                                  "--credentials /tmp/c.toml", "--guarded"])
def test_broker_operator_flags_from_an_agent_are_tampering(flag):
    d = _decide(f"interlock run {flag} -- ls")
    assert d.decision == "deny"
    assert any("tamper" in e.to_json()["risks"] for e in d.effects)
