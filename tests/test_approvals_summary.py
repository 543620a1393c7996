"""A request's stored summary keeps the destructive effects even when a plan is long."""

from __future__ import annotations

from interlock import approvals
from interlock.pipeline import Decider
from interlock.principals import add_principal
from interlock.store import open_store


def _change(address, actions):
    return {"address": address, "mode": "managed", "type": "terraform_data",
            "name": address.split(".")[1], "provider_name": "terraform.io/builtin/terraform",
            "change": {"actions": actions, "before": None if actions == ["create"] else {},
                       "after": {}, "after_unknown": {}}}


def test_replace_beyond_the_50th_effect_is_in_the_summary(tmp_path):
    plan = {"format_version": "1.2", "terraform_version": "1.11.4",
            "resource_changes": [_change(f"terraform_data.c{i}", ["create"]) for i in range(60)]
            + [_change(f"terraform_data.keep{i}", ["no-op"]) for i in range(20)]
            + [_change("terraform_data.db", ["delete", "create"])]}
    envelope = {"tool": "terraform", "input": {"plan": plan, "workspace": "ws"}, "agent": "a1"}
    decision = Decider(None, None, "staging").decide(envelope)
    assert decision.decision == "require_approval", decision.to_json()["reasons"]
    store = open_store(f"sqlite:///{tmp_path / 'i.db'}")
    agent, _ = add_principal(store, "a1", "agent")
    view, _ = approvals.open_request(store, decision, envelope, agent)
    shown = view.summary["effects"]
    assert len(shown) == 50
    assert shown[0]["verb"] == "replace" and shown[0]["resource"] == "terraform_data.db"
    store.close()
