"""`check --terraform-plan`: a shell `terraform apply` is decided on its real plan.

The command line of `terraform apply` looks the same whether it adds a tag or deletes the
environment; the plan does not.
"""

from __future__ import annotations

from tfhelpers import TfProject, data, needs_terraform

from interlock.pipeline import Decider

pytestmark = needs_terraform


def _project(tmp_path, n=5):
    tf = TfProject(tmp_path / "live")
    tf.write("".join(data(f"r{i}", input="v1") for i in range(n))).apply()
    return tf


def _decide(tf, command, tier, plans):
    d = Decider(None, None, tier, environ=tf.env, terraform_plans=plans)
    return d.decide({"tool": "shell", "input": {"command": command, "cwd": str(tf.dir)}})


def test_an_innocent_looking_apply_that_destroys_everything_is_denied(tmp_path):
    tf = _project(tmp_path)
    tf.write("")  # the agent emptied the configuration
    blind = _decide(tf, "terraform apply -auto-approve", "production", plans=False)
    assert blind.decision == "require_approval"  # the command line alone says "an apply"
    seen = _decide(tf, "terraform apply -auto-approve", "production", plans=True)
    assert seen.decision == "deny"
    assert {e.verb for e in seen.effects} == {"delete"}
    assert len(seen.effects) == 5
    assert all("mass_destruction" in e.to_json()["risks"] for e in seen.effects)
    # nothing was applied: the state still holds the five resources
    assert tf.run("state", "list").stdout.split() == [f"terraform_data.r{i}" for i in range(5)]


def test_a_plan_that_changes_nothing_is_allowed_even_in_production(tmp_path):
    tf = _project(tmp_path, n=2)
    d = _decide(tf, "cd . && terraform apply -auto-approve", "production", plans=True)
    assert d.decision == "allow"
    assert all(e.verb == "read" for e in d.effects)  # `cd .` is a read; the plan adds nothing


def test_one_update_in_sandbox_flows_and_names_the_resource(tmp_path):
    tf = _project(tmp_path, n=2)
    tf.write(data("r0", input="v2") + data("r1", input="v1"))
    d = _decide(tf, "terraform apply", "sandbox", plans=True)
    assert d.decision == "allow"
    assert [(e.verb, e.resource) for e in d.effects] == [("update", "terraform_data.r0")]


def test_when_the_plan_cannot_be_computed_the_command_line_decides(tmp_path):
    tf = _project(tmp_path, n=1)
    (tf.dir / "main.tf").write_text("this is not HCL {")
    d = _decide(tf, "terraform apply -auto-approve", "production", plans=True)
    assert d.decision == "require_approval" and d.approvals_required == 2
    assert [e.program for e in d.effects] == ["terraform"]


def test_remote_and_dynamic_applies_are_not_planned_locally(tmp_path):
    tf = _project(tmp_path, n=1)
    tf.write("")
    d = _decide(tf, "ssh ops1 'cd live && terraform apply -auto-approve'", "production", True)
    assert all(e.resource.startswith("terraform ") for e in d.effects if e.program == "terraform")
    d = _decide(tf, 'terraform apply -var "x=$X"', "production", plans=True)
    assert d.decision != "allow"
