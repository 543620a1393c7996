"""`interlock terraform apply`: plan, decide, and apply exactly the saved plan that was decided.

    plan -out=PRIVATE/plan.tfplan  →  SHA-256  →  show -json  →  decide (workspace, working_dir)
      deny              → exit 2, nothing applied
      require_approval  → plan kept at WORKDIR/.interlock/plans/<action hash>.tfplan, exit 3
      allow             → state still the one planned against? file still that SHA-256?
                          → `apply PLANFILE` (never re-plans); terraform's exit status
`--plan-file P --expect-hash H` starts from a saved plan instead: it is copied into a private
directory only if its SHA-256 is H, and the copy is what is shown, decided and applied.
`.interlock/` is a protected path (DESIGN.md): an agent cannot swap a kept plan.
Every failure before the apply leaves the infrastructure untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InterlockError
from .planfile import (
    PlanFileError,
    check_hash,
    check_state,
    copy_verified,
    current_state,
    keep,
    prior_state,
    private_dir,
    sha256_file,
    valid_hex_hash,
)
from .runner import Interrupted, Terraform, TerraformError, find_binary

if TYPE_CHECKING:
    from rich.console import Console

    from ..decision import Decision

EXIT_APPLIED = 0
EXIT_ERROR = 1
EXIT_DENY = 2
EXIT_APPROVAL = 3
EXIT_INTERRUPTED = 130
PLANS_DIR = Path(".interlock") / "plans"
# Plan arguments that would make the file we decide on differ from the one we apply, or the
# state we check differ from the one terraform writes.
REFUSED_PLAN_ARGS = {
    "-out": "interlock chooses where the plan is saved",
    "-state": "legacy local-state paths are not supported; use a backend",
    "-state-out": "legacy local-state paths are not supported; use a backend",
    "-backup": "legacy local-state paths are not supported; use a backend",
    "-detailed-exitcode": "interlock reads the plan itself",
    "-chdir": "use --chdir",
}

# Seam for approvals: given the decision, the plan file's SHA-256 and the decided envelope,
# redeem an approved grant bound to them (True) or file/keep a request (False).
# `approval.StoreApprovals` is the store-backed one.
Redeemer = Callable[["Decision", str, dict[str, Any]], bool]


class UsageProblem(InterlockError):
    """The command line asks for something this command will not do."""


@dataclass(slots=True)
class ApplyOptions:
    chdir: Path = field(default_factory=Path.cwd)
    terraform_bin: str | None = None
    policy: str | None = None
    inventory: str | None = None
    env: str | None = None
    db: str | None = None
    workspace: str | None = None
    plan_file: Path | None = None
    expect_hash: str | None = None
    extra: Sequence[str] = ()
    yes: bool = False
    agent: str | None = None
    timeout: float = 600.0
    apply_timeout: float | None = None
    json_out: bool = False


@dataclass(slots=True)
class Outcome:
    status: int
    message: str
    decision: Decision | None = None
    plan_sha256: str = ""
    kept_plan: str | None = None
    applied: bool = False

    def to_json(self) -> dict[str, Any]:
        d = self.decision
        return {
            "status": self.status,
            "applied": self.applied,
            "message": self.message,
            "decision": d.decision if d is not None else "deny",
            "approvals_required": d.approvals_required if d is not None and
            d.decision == "require_approval" else 0,
            "environment": d.environment if d is not None else None,
            "action_hash": d.action_hash if d is not None else "",
            "plan_sha256": self.plan_sha256,
            "plan_file": self.kept_plan,
        }


def check_extra(extra: Sequence[str]) -> None:
    for arg in extra:
        name = arg.split("=", 1)[0]
        name = "-" + name.lstrip("-") if name.startswith("-") else name
        if name in REFUSED_PLAN_ARGS:
            raise UsageProblem(f"plan argument {arg!r} is not allowed: {REFUSED_PLAN_ARGS[name]}")


class ApplyRun:
    """One `interlock terraform apply`. Steps are methods so that tests can interpose."""

    def __init__(self, opts: ApplyOptions, console: Console | None = None,
                 redeem: Redeemer | None = None, confirm: Callable[[], bool] | None = None):
        from rich.console import Console

        self.opts = opts
        self.console = console or Console(stderr=opts.json_out, highlight=False)
        self.redeem = redeem
        self.confirm = confirm or self._ask
        self.workdir = opts.chdir.resolve()
        self.private: Path | None = None
        self.plan_path: Path | None = None  # the file shown, decided and applied
        self.sha = ""
        self.decision: Decision | None = None
        self.envelope: dict[str, Any] = {}

    # -- hooks --------------------------------------------------------------------------------
    def checkpoint(self, stage: str) -> None:
        """Called after the decision ("decided") and before the final checks ("before-apply").
        Does nothing; tests use it to change the world in between."""

    def _ask(self) -> bool:
        if not sys.stdin.isatty():
            return False
        return self.console.input("Apply exactly this plan? Only 'yes' is accepted: ") == "yes"

    # -- the flow -----------------------------------------------------------------------------
    def run(self) -> Outcome:
        try:
            return self._run()
        except UsageProblem as e:
            return self._failed(EXIT_ERROR, str(e))
        except PlanFileError as e:
            return self._failed(EXIT_DENY, str(e))
        except Interrupted as e:
            return self._failed(EXIT_INTERRUPTED, f"{e}; nothing applied")
        except KeyboardInterrupt:
            return self._failed(EXIT_INTERRUPTED, "interrupted; nothing applied")
        except InterlockError as e:
            return self._failed(EXIT_ERROR, f"{e}; nothing applied")
        finally:
            if self.private is not None:
                shutil.rmtree(self.private, ignore_errors=True)

    def _failed(self, status: int, message: str) -> Outcome:
        return Outcome(status, message, self.decision, self.sha)

    def _run(self) -> Outcome:
        o = self.opts
        if not self.workdir.is_dir():
            raise UsageProblem(f"--chdir {o.chdir}: not a directory")
        if o.plan_file is not None:
            if o.extra:
                raise UsageProblem("plan arguments cannot change a saved plan; drop them or "
                                   "drop --plan-file")
            if not o.expect_hash or not valid_hex_hash(o.expect_hash):
                raise UsageProblem("--plan-file needs --expect-hash with the plan file's "
                                   "SHA-256 (64 hex digits)")
        elif o.expect_hash:
            raise UsageProblem("--expect-hash needs --plan-file")
        check_extra(o.extra)

        environ = dict(os.environ)
        if o.workspace:
            environ["TF_WORKSPACE"] = o.workspace
        tf = Terraform(find_binary(o.terraform_bin, environ), self.workdir, environ, o.timeout)
        workspace = tf.workspace()
        if o.workspace and workspace != o.workspace:
            raise TerraformError(f"asked for workspace {o.workspace!r}, terraform is on "
                                 f"{workspace!r}")

        self.private = private_dir()
        self.plan_path = self.private / "plan.tfplan"
        if o.plan_file is not None:
            assert o.expect_hash is not None
            copy_verified(Path(o.plan_file), self.plan_path, o.expect_hash)
            self.sha = o.expect_hash.lower()
        else:
            self.console.print(f"planning in {self.workdir} (workspace {workspace}) …")
            tf.plan(self.plan_path, o.extra)
            self.sha = sha256_file(self.plan_path)
        plan = tf.show_json(self.plan_path)
        check_hash(self.plan_path, self.sha, "while it was being read")

        decision = self.decision = self._decide(plan, workspace)
        self._summarise(plan, workspace, decision)
        self.checkpoint("decided")

        if decision.decision == "deny":
            return Outcome(EXIT_DENY, "denied; nothing applied", decision, self.sha)
        if decision.decision == "require_approval":
            if self.redeem is None or not self.redeem(decision, self.sha, self.envelope):
                kept = self._keep(decision, tf, workspace)
                return Outcome(EXIT_APPROVAL, self._approval_message(decision, kept), decision,
                               self.sha, str(kept))
        elif decision.decision != "allow":
            return Outcome(EXIT_DENY, f"unknown decision {decision.decision!r}; nothing applied",
                           decision, self.sha)

        if plan.get("applyable") is False:
            return Outcome(EXIT_APPLIED, "no changes; nothing to apply", decision, self.sha)
        if not (o.yes or self.confirm()):
            return Outcome(EXIT_ERROR, "not confirmed (pass --yes when not on a terminal); "
                           "nothing applied", decision, self.sha)
        self.checkpoint("before-apply")
        # Last checks, as close to the apply as they can be: the state is still the one the
        # plan was made against, and the file is still the one that was decided.
        check_state(prior_state(self.plan_path), current_state(tf.state_pull()))
        check_hash(self.plan_path, self.sha, "between the decision and the apply")
        try:
            rc = tf.apply_saved(self.plan_path, o.apply_timeout, to_stderr=o.json_out)
        except TerraformError as e:  # interrupted or timed out mid-apply: say so honestly
            return Outcome(EXIT_INTERRUPTED if isinstance(e, Interrupted) else EXIT_ERROR,
                           f"{e} during the apply; terraform was asked to stop gracefully and "
                           "some changes may have been applied: plan again to see the state",
                           decision, self.sha)
        if rc != 0:
            return Outcome(rc, f"terraform apply failed (exit {rc})", decision, self.sha)
        return Outcome(EXIT_APPLIED, "applied exactly the decided plan", decision, self.sha,
                       applied=True)

    def _decide(self, plan: dict[str, Any], workspace: str) -> Decision:
        from ..controls import controls_source
        from ..pipeline import Decider

        o = self.opts
        # As `check`: a configured store's freeze / kill switch / break-glass count, and a
        # configured store that cannot be read denies.
        decider = Decider(o.policy, o.inventory, o.env, controls=controls_source(o.db))
        envelope: dict[str, Any] = {"tool": "terraform", "input": {
            "plan": plan, "workspace": workspace, "working_dir": str(self.workdir)}}
        if o.agent:
            envelope["agent"] = o.agent
        self.envelope = envelope
        return decider.decide(envelope)

    def _summarise(self, plan: dict[str, Any], workspace: str, decision: Decision) -> None:
        from ..analysis.terraform import analyze_plan
        from .summary import render_plan_summary

        notes = [f"plan file SHA-256 {self.sha}"]
        try:
            analysis = analyze_plan(plan, workspace, str(self.workdir))
        except InterlockError:  # the decision already carries the error
            render_plan_summary(decision, self.console, notes=notes)
            return
        render_plan_summary(analysis, self.console, decision=decision, notes=notes)

    def _keep(self, decision: Decision, tf: Terraform, workspace: str) -> Path:
        assert self.plan_path is not None
        dest = self.workdir / PLANS_DIR / f"{decision.action_hash}.tfplan"
        if not (dest.is_file() and sha256_file(dest) == self.sha):
            keep(self.plan_path, dest)
        state = prior_state(self.plan_path)
        meta = {
            "action_hash": decision.action_hash, "plan_sha256": self.sha,
            "policy_version": decision.policy_version, "decision": decision.decision,
            "approvals_required": decision.approvals_required,
            "environment": decision.environment, "workspace": workspace,
            "working_dir": str(self.workdir), "agent": self.opts.agent,
            "prior_state": {"lineage": state.lineage, "serial": state.serial},
            "terraform": tf.binary, "created_at": int(time.time()),
        }
        try:
            dest.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
        except OSError as e:
            raise PlanFileError(f"cannot write {dest.with_suffix('.json')}: {e}") from None
        return dest

    def _approval_message(self, decision: Decision, kept: Path) -> str:
        n = decision.approvals_required
        return (f"approval required ({n} approval{'s' if n != 1 else ''}); nothing applied.\n"
                f"  action hash   {decision.action_hash}\n"
                f"  plan SHA-256  {self.sha}\n"
                f"  plan kept at  {kept}\n"
                f"once approved: interlock terraform apply --chdir {self.workdir} "
                f"--plan-file {kept} --expect-hash {self.sha}")


def run_apply(opts: ApplyOptions, console: Console | None = None,
              redeem: Redeemer | None = None) -> Outcome:
    run = ApplyRun(opts, console, redeem)
    outcome = run.run()
    if opts.json_out:
        sys.stdout.write(json.dumps(outcome.to_json()) + "\n")
        sys.stdout.flush()
    style = {EXIT_APPLIED: "bold green", EXIT_APPROVAL: "bold yellow"}.get(outcome.status,
                                                                          "bold red")
    from rich.text import Text

    run.console.print(Text(outcome.message, style=style), soft_wrap=True)
    return outcome
