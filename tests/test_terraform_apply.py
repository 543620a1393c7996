"""`interlock terraform apply` and `plan_for_shell` against the REAL terraform binary.

Every case plans, decides and (maybe) applies in a pytest tmp dir with `terraform_data` only,
and then looks at the real state to see what did or did not happen.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from tfhelpers import TERRAFORM, TfProject, data, needs_terraform

from interlock.terraform.apply import (
    EXIT_APPLIED,
    EXIT_APPROVAL,
    EXIT_DENY,
    EXIT_ERROR,
    PLANS_DIR,
    ApplyOptions,
    ApplyRun,
    Outcome,
)
from interlock.terraform.planfile import NO_STATE, prior_state, sha256_file
from interlock.terraform.shell import plan_args, plan_for_shell

pytestmark = needs_terraform
ROOT = Path(__file__).resolve().parents[1]
INVENTORY = """default = "production"
[[rule]]
tier = "production"
tf_workspace = ["prod"]
[[rule]]
tier = "sandbox"
tf_workspace = ["sandbox"]
"""
TEN = "".join(data(f"r{i}", input="x") for i in range(9))


@pytest.fixture(autouse=True)
def tf_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rc = tmp_path / "empty.tfrc"
    rc.write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(rc))
    monkeypatch.setenv("TF_IN_AUTOMATION", "1")
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    monkeypatch.delenv("TF_WORKSPACE", raising=False)


@pytest.fixture
def inventory(tmp_path: Path) -> str:
    p = tmp_path / "inventory.toml"
    p.write_text(INVENTORY)
    return str(p)


def project(root: Path, config: str, workspace: str | None = None) -> TfProject:
    proj = TfProject(root)
    proj.write(config)
    if workspace:
        proj.run("workspace", "new", workspace)
    return proj.apply()


def state(proj: TfProject) -> dict:
    return json.loads(proj.run("state", "pull").stdout)


def inputs(proj: TfProject) -> dict[str, object]:
    out = {}
    for r in state(proj)["resources"]:
        for inst in r["instances"]:
            value = inst["attributes"].get("input")
            out[r["name"]] = value["value"] if isinstance(value, dict) else value
    return out


def run(proj: TfProject, run_cls: type[ApplyRun] = ApplyRun, redeem=None,
        **kw) -> tuple[Outcome, str]:
    out = io.StringIO()
    opts = ApplyOptions(chdir=proj.dir, terraform_bin=TERRAFORM, yes=True, **kw)
    outcome = run_cls(opts, Console(file=out, width=200), redeem=redeem).run()
    return outcome, out.getvalue()


def test_sandbox_allow_applies_the_saved_plan(tmp_path, capfd):
    proj = project(tmp_path / "p", data("a", input="v1") + data("b", input="b"))
    before = state(proj)["serial"]
    proj.write(data("a", input="v2") + data("b", input="b") + data("c", input="new"))
    outcome, shown = run(proj, env="sandbox")
    assert outcome.status == EXIT_APPLIED and outcome.applied, outcome.message
    assert outcome.decision.decision == "allow"
    assert inputs(proj) == {"a": "v2", "b": "b", "c": "new"}
    assert state(proj)["serial"] > before
    assert "Apply complete! Resources: 1 added, 1 changed, 0 destroyed." in capfd.readouterr().out
    assert f"plan file SHA-256 {outcome.plan_sha256}" in shown
    assert not (proj.dir / PLANS_DIR).exists()  # nothing kept when nothing waits


def test_production_replace_needs_approval_and_keeps_the_plan(tmp_path, inventory):
    proj = project(tmp_path / "p", TEN + data("db", trigger="t1"), workspace="prod")
    before = state(proj)
    proj.write(TEN + data("db", trigger="t2"))
    outcome, shown = run(proj, inventory=inventory)
    d = outcome.decision
    assert outcome.status == EXIT_APPROVAL and not outcome.applied
    assert (d.decision, d.approvals_required, d.environment) == ("require_approval", 2,
                                                                 "production")
    assert state(proj)["serial"] == before["serial"]  # nothing applied
    kept = proj.dir / PLANS_DIR / f"{d.action_hash}.tfplan"
    assert outcome.kept_plan == str(kept)
    assert sha256_file(kept) == outcome.plan_sha256
    meta = json.loads(kept.with_suffix(".json").read_text())
    assert meta["plan_sha256"] == outcome.plan_sha256 and meta["workspace"] == "prod"
    assert meta["prior_state"] == {"lineage": before["lineage"], "serial": before["serial"]}
    assert d.action_hash in outcome.message and outcome.plan_sha256 in outcome.message
    assert "--expect-hash" in outcome.message
    assert "replace" in shown and "replace paths: triggers_replace" in shown

    # Redeeming it later: the right hash re-decides on the same bytes (same action hash) and,
    # once the approval is redeemed, applies exactly that plan.
    seen = []

    def redeem(decision, plan_sha, envelope):
        seen.append((decision.action_hash, plan_sha))
        return True

    again, _ = run(proj, inventory=inventory, plan_file=kept,
                   expect_hash=outcome.plan_sha256, redeem=redeem)
    assert seen == [(d.action_hash, outcome.plan_sha256)]
    assert again.status == EXIT_APPLIED and again.applied, again.message
    assert state(proj)["serial"] > before["serial"]


def test_plan_file_needs_the_right_hash(tmp_path, inventory):
    proj = project(tmp_path / "p", TEN + data("db", trigger="t1"), workspace="prod")
    proj.write(TEN + data("db", trigger="t2"))
    first, _ = run(proj, inventory=inventory)
    kept = Path(first.kept_plan)
    serial = state(proj)["serial"]

    wrong = "0" * 64
    outcome, _ = run(proj, inventory=inventory, plan_file=kept, expect_hash=wrong,
                     redeem=lambda d, s, e: True)
    assert outcome.status == EXIT_DENY and not outcome.applied
    assert "expected " + wrong in outcome.message

    # Without an approval (no store yet) the right hash still waits for one.
    waiting, _ = run(proj, inventory=inventory, plan_file=kept, expect_hash=first.plan_sha256)
    assert waiting.status == EXIT_APPROVAL
    assert waiting.decision.action_hash == first.decision.action_hash
    assert state(proj)["serial"] == serial

    bad, _ = run(proj, inventory=inventory, plan_file=kept)
    assert bad.status == EXIT_ERROR and "--expect-hash" in bad.message


def test_destroy_all_in_production_is_denied(tmp_path):
    proj = project(tmp_path / "p", TEN)
    serial = state(proj)["serial"]
    outcome, shown = run(proj, env="production", extra=["-destroy"])
    assert outcome.status == EXIT_DENY and not outcome.applied
    assert outcome.decision.decision == "deny"
    assert "FULL DESTROY" in shown
    assert state(proj)["serial"] == serial and len(state(proj)["resources"]) == 9
    assert not (proj.dir / PLANS_DIR).exists()


class SwapPlan(ApplyRun):
    """Changes the saved plan after the decision, before the apply."""

    def checkpoint(self, stage: str) -> None:
        if stage == "before-apply":
            assert self.plan_path is not None
            with open(self.plan_path, "ab") as f:
                f.write(b"\0")


def test_plan_file_modified_after_the_decision_is_refused(tmp_path):
    proj = project(tmp_path / "p", data("a", input="v1"))
    serial = state(proj)["serial"]
    proj.write(data("a", input="v2"))
    outcome, _ = run(proj, SwapPlan, env="sandbox")
    assert outcome.status == EXIT_DENY and not outcome.applied
    assert outcome.decision.decision == "allow"
    assert "changed between the decision and the apply" in outcome.message
    assert state(proj)["serial"] == serial and inputs(proj) == {"a": "v1"}


def test_state_moved_before_apply_is_refused(tmp_path, inventory):
    proj = project(tmp_path / "p", TEN + data("a", input="v1"), workspace="prod")
    proj.write(TEN + data("a", input="v2"))
    first, _ = run(proj, inventory=inventory)
    assert first.status == EXIT_APPROVAL
    planned = prior_state(Path(first.kept_plan))

    # Someone applies another change first, from a second plan.
    proj.write(TEN + data("a", input="other"))
    proj.run("plan", "-out=second", "-input=false", "-no-color")
    proj.run("apply", "-input=false", "-no-color", "second")
    moved = state(proj)
    assert moved["serial"] > planned.serial and moved["lineage"] == planned.lineage

    outcome, _ = run(proj, inventory=inventory, plan_file=Path(first.kept_plan),
                     expect_hash=first.plan_sha256, redeem=lambda d, s, e: True)
    assert outcome.status == EXIT_DENY and not outcome.applied
    assert "the state moved" in outcome.message
    assert f"serial {planned.serial}" in outcome.message
    assert f"serial {moved['serial']}" in outcome.message
    assert inputs(proj)["a"] == "other"  # the approved plan was not applied over it


def test_refused_plan_arguments_and_no_confirmation(tmp_path):
    proj = project(tmp_path / "p", data("a", input="v1"))
    outcome, _ = run(proj, env="sandbox", extra=["-out=elsewhere"])
    assert outcome.status == EXIT_ERROR and "-out" in outcome.message
    proj.write(data("a", input="v2"))
    out = io.StringIO()
    opts = ApplyOptions(chdir=proj.dir, terraform_bin=TERRAFORM, env="sandbox")
    outcome = ApplyRun(opts, Console(file=out), confirm=lambda: False).run()
    assert outcome.status == EXIT_ERROR and "not confirmed" in outcome.message
    assert inputs(proj) == {"a": "v1"}


def test_fresh_directory_and_cli_json(tmp_path):
    """First apply into an empty state (lineage "" in the plan), through the real CLI."""
    proj = TfProject(tmp_path / "p")
    proj.write(data("a", input="v1"))
    env = {**proj.env, "PYTHONPATH": str(ROOT / "src"), "INTERLOCK_TERRAFORM": TERRAFORM}
    proc = subprocess.run([sys.executable, "-m", "interlock", "terraform", "apply", "--json",
                           "--env", "sandbox", "--yes", "--chdir", str(proj.dir)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["applied"] is True and result["decision"] == "allow"
    assert len(result["plan_sha256"]) == 64 and len(result["action_hash"]) == 64
    assert "Apply complete!" in proc.stderr
    assert inputs(proj) == {"a": "v1"}

    usage = subprocess.run([sys.executable, "-m", "interlock", "terraform", "apply",
                            "--expect-hash", "ab"], capture_output=True, text=True, env=env,
                           cwd=proj.dir, timeout=60)
    assert usage.returncode == 1 and "--expect-hash needs --plan-file" in usage.stdout


def test_prior_state_of_a_fresh_plan(tmp_path):
    proj = TfProject(tmp_path / "p")
    proj.write(data("a", input="v1"))
    proj.plan(out="fresh")
    assert prior_state(proj.dir / "fresh") == NO_STATE


# -- plan_for_shell --------------------------------------------------------------------------
def test_plan_for_shell_apply_and_destroy(tmp_path):
    proj = project(tmp_path / "p", data("a", input="v1") + data("b", input="b"))
    proj.write(data("a", input="v2") + data("b", input="b"))
    plan = plan_for_shell(proj.dir, ["terraform", "apply", "-auto-approve", "-input=false"])
    assert plan is not None
    actions = {rc["address"]: rc["change"]["actions"] for rc in plan["resource_changes"]}
    assert actions == {"terraform_data.a": ["update"], "terraform_data.b": ["no-op"]}

    destroy = plan_for_shell(tmp_path, ["terraform", "-chdir=p",
                                        "destroy", "-auto-approve"])
    assert destroy is not None
    assert {tuple(rc["change"]["actions"]) for rc in destroy["resource_changes"]} == {("delete",)}

    targeted = plan_for_shell(proj.dir, ["terraform", "apply", "-target",
                                         "terraform_data.b", "-auto-approve"])
    assert targeted is not None
    assert [rc["address"] for rc in targeted["resource_changes"]] == ["terraform_data.b"]
    assert inputs(proj) == {"a": "v1", "b": "b"}  # planning changed nothing


def test_plan_for_shell_fails_to_none(tmp_path):
    (tmp_path / "main.tf").write_text('variable "x" {}\n' + data("a", input="${var.x}"))
    assert plan_for_shell(tmp_path, ["terraform", "apply"]) is None  # -input=false: no x
    assert plan_for_shell(tmp_path, ["terraform", "apply", "-var", "x=1"]) is not None
    assert plan_for_shell(tmp_path, ["terraform", "apply", "-var", "x=1"], timeout=0.001) is None
    assert plan_for_shell(tmp_path, ["terraform", "plan"]) is None
    assert plan_for_shell(tmp_path, ["terragrunt", "apply"]) is None
    assert plan_for_shell(tmp_path, ["/nonexistent/terraform", "apply"]) is None


@pytest.mark.parametrize("argv, expected", [
    (["terraform", "apply"], (None, [], None)),
    (["tofu", "-chdir=infra", "apply", "-auto-approve", "-var", "x=1", "-var-file=a.tfvars",
      "-replace=aws_db_instance.main", "-lock=false"],
     ("infra", ["-var", "x=1", "-var-file=a.tfvars", "-replace=aws_db_instance.main",
                "-lock=false"], None)),
    (["terraform", "destroy", "-target=x.y"], (None, ["-destroy", "-target=x.y"], None)),
    (["terraform", "apply", "saved.tfplan"], (None, [], "saved.tfplan")),
    (["terraform", "apply", "-input=false", "--", "saved.tfplan"], (None, [], "saved.tfplan")),
    (["terraform", "apply", "-var", "x=1", "saved.tfplan"], None),
    (["terraform", "apply", "saved.tfplan", "-auto-approve"], None),
    (["terraform", "apply", "-state=other.tfstate"], None),
    (["terraform", "apply", "-var"], None),
    (["terraform", "-version"], None),
    (["terraform", "import", "a.b", "id"], None),
    (["terraform", "destroy", "plan"], None),
    (["terragrunt", "apply"], None),
    ([], None),
])
def test_plan_args(argv, expected):
    assert plan_args(argv) == expected


def fake_terraform(tmp_path: Path, body: str) -> str:
    """A wrapper script around the real binary; `body` runs first and may exit."""
    script = tmp_path / "fake-terraform"
    script.write_text(f"#!/bin/sh\n{body}\nexec {TERRAFORM} \"$@\"\n")
    script.chmod(0o755)
    return str(script)


def test_failing_apply_passes_its_exit_status_through(tmp_path):
    proj = project(tmp_path / "p", data("a", input="v1"))
    proj.write(data("a", input="v2"))
    fake = fake_terraform(tmp_path, 'if [ "$1" = apply ]; then echo boom >&2; exit 7; fi')
    out = io.StringIO()
    opts = ApplyOptions(chdir=proj.dir, terraform_bin=fake, env="sandbox", yes=True)
    outcome = ApplyRun(opts, Console(file=out)).run()
    assert outcome.status == 7 and not outcome.applied
    assert "terraform apply failed (exit 7)" in outcome.message


def test_plan_timeout_stops_terraform_and_applies_nothing(tmp_path):
    proj = project(tmp_path / "p", data("a", input="v1"))
    proj.write(data("a", input="v2"))
    fake = fake_terraform(tmp_path, 'if [ "$1" = plan ]; then exec sleep 30; fi')
    opts = ApplyOptions(chdir=proj.dir, terraform_bin=fake, env="sandbox", yes=True,
                        timeout=0.5)
    run_ = ApplyRun(opts, Console(file=io.StringIO()))
    outcome = run_.run()
    assert outcome.status == EXIT_ERROR and "timed out after 0.5 s" in outcome.message
    assert "nothing applied" in outcome.message and outcome.decision is None
    assert run_.private is not None and not run_.private.exists()  # temp plan removed
    assert inputs(proj) == {"a": "v1"}


def test_ctrl_c_while_planning_exits_130_and_applies_nothing(tmp_path):
    proj = project(tmp_path / "p", data("a", input="v1"))
    proj.write(data("a", input="v2"))
    fake = fake_terraform(tmp_path, 'if [ "$1" = plan ]; then touch planning; exec sleep 30; fi')
    env = {**proj.env, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "interlock", "terraform", "apply",
                             "--terraform-bin", fake, "--env", "sandbox", "--yes"],
                            cwd=proj.dir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not (proj.dir / "planning").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in out and "nothing applied" in out
    assert inputs(proj) == {"a": "v1"}
