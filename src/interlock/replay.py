"""`interlock demo`: a replay of the seed incident on real components.

An agent, running with a human's (alice's) borrowed rights, decides to "delete and recreate the
environment". Everything here is real: a Terraform configuration of `terraform_data`
resources in a sandbox and a production workspace, plans made by the terraform binary, the
shipped Cedar pack, an embedded SQLite store with principals, approvals and the hash-chained
audit log. Only the people are simulated.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from .explain import DECISION_STYLE

RESOURCES = ("network", "database", "cache", "queue", "app", "ingress")
INVENTORY = """default = "production"
[[rule]]
name = "sandbox"
tier = "sandbox"
tf_workspace = ["sandbox"]
host = ["*.sandbox.internal"]
[[rule]]
name = "production"
tier = "production"
tf_workspace = ["prod"]
host = ["*.prod.internal"]
database = ["postgres://*@db.prod.internal/*"]
"""
AGENT, HUMAN = "kiro-agent", "alice"


def _config(recreate: dict[str, str]) -> str:
    blocks = []
    for name in RESOURCES:
        trigger = recreate.get(name, "v1")
        blocks.append(f'resource "terraform_data" "{name}" {{\n  input = "{name}"\n'
                      f'  triggers_replace = "{trigger}"\n}}\n')
    return "\n".join(blocks)


class Replay:
    def __init__(self, console: Console, root: Path, terraform: str | None):
        from . import approvals
        from .principals import add_principal
        from .store import open_store

        self.console = console
        self.root = root
        self.terraform = terraform
        self.inventory = root / "inventory.toml"
        self.inventory.write_text(INVENTORY)
        self.db = f"sqlite:///{root / 'interlock.db'}"
        self.store = open_store(self.db)
        self.approvals = approvals
        self.people: dict[str, Any] = {}
        for name in ("alice", "bob", "carol"):
            self.people[name], _ = add_principal(self.store, name, "human", roles=("approver",))
        self.people[AGENT], _ = add_principal(self.store, AGENT, "agent", acts_for=HUMAN)
        self.workdir = root / "infra"
        self.workdir.mkdir()
        self.home = root / "home" / "agent"  # the agent's home directory in this replay
        self.home.mkdir(parents=True)

    # -- narration ------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.console.print(Text(text), highlight=False)

    def verdict(self, decision: Any) -> None:
        label = decision.decision.replace("_", " ").upper()
        if decision.decision == "require_approval":
            label += f" ({decision.approvals_required} approvals)"
        line = Text("  → ")
        line.append(label, style=DECISION_STYLE[decision.decision])
        line.append(f"  [{decision.environment}]  ", style="bold")
        line.append("; ".join(f"{r['policy']}: {r['message']}" for r in decision.reasons),
                    style="dim")
        self.console.print(line)

    # -- terraform ------------------------------------------------------------------------------
    def _tf(self, *args: str) -> None:
        import subprocess

        subprocess.run([self.terraform or "terraform", *args], cwd=self.workdir, check=True,
                       capture_output=True, text=True, timeout=300)

    def setup_terraform(self) -> None:
        (self.workdir / "main.tf").write_text(_config({}))
        self._tf("init", "-input=false", "-no-color")
        for ws in ("sandbox", "prod"):
            self._tf("workspace", "new", ws)
            self._tf("apply", "-auto-approve", "-input=false", "-no-color")

    def apply(self, workspace: str, **kw: Any) -> Any:
        from .terraform.apply import ApplyOptions, ApplyRun
        from .terraform.approval import StoreApprovals

        quiet = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115
        opts = ApplyOptions(chdir=self.workdir, terraform_bin=self.terraform,
                            inventory=str(self.inventory), db=self.db, workspace=workspace,
                            agent=AGENT, yes=True, **kw)
        self.redeemer = StoreApprovals(self.db, AGENT, quiet)
        # terraform's own output is captured and only its last word shown
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            outcome = ApplyRun(opts, quiet, redeem=self.redeemer).run()
        done = [ln for ln in buf.getvalue().splitlines() if ln.startswith("Apply complete!")]
        if done:
            self.say(f"  terraform: {done[-1]}")
        return outcome

    # -- the story ------------------------------------------------------------------------------
    def run(self) -> bool:
        c = self.console
        ok = True
        if self.terraform:
            ok &= self.delete_and_recreate()
        else:
            c.print("[yellow]terraform is not installed: skipping the Terraform replay[/yellow]")
        ok &= self.drop_database_during_freeze()
        ok &= self.wipe_home()
        self.timeline()
        return ok

    def delete_and_recreate(self) -> bool:
        c = self.console
        c.print(Rule("1. 'Delete and recreate the environment'"))
        self.say("A real Terraform configuration with six resources, applied in two workspaces: "
                 "sandbox and prod.")
        self.setup_terraform()
        everything = {name: "recreate-1" for name in RESOURCES}
        (self.workdir / "main.tf").write_text(_config(everything))
        self.say(f"\n{AGENT} (acting for {HUMAN}) replaces every resource in the sandbox:")
        out = self.apply("sandbox")
        self.verdict(out.decision)
        self.say("\nThe same plan in production:")
        out = self.apply("prod")
        self.verdict(out.decision)
        denied = out.decision.decision == "deny" and not out.applied
        self.say("  nothing applied: replacing 100% of a production state is mass destruction.")
        (self.workdir / "main.tf").write_text(_config({"app": "recreate-1"}))
        self.say(f"\n{AGENT} narrows the change to recreating only the app in production:")
        out = self.apply("prod")
        self.verdict(out.decision)
        rid = self.redeemer.request_id
        self.say(f"  approval request {rid} filed, bound to the action hash and the plan file "
                 f"{out.plan_sha256[:16]}…")
        try:
            self.approvals.vote(self.store, rid, self.people[HUMAN], "approve", "ship it")
            refused = False
        except self.approvals.Forbidden as e:
            refused = True
            self.say(f"  {HUMAN} tries to approve → refused: {e}")
        for who in ("bob", "carol"):
            view = self.approvals.vote(self.store, rid, self.people[who], "approve",
                                       "recreating the app only; data stays")
            self.say(f"  {who} approves → {len(view.approvals)}/{view.approvals_required}, "
                     f"request {view.state}")
        again = self.apply("prod", plan_file=Path(out.kept_plan), expect_hash=out.plan_sha256)
        self.say(f"  {AGENT} re-runs with the kept plan → {again.message}")
        replay = self.apply("prod", plan_file=Path(out.kept_plan), expect_hash=out.plan_sha256)
        self.say(f"  …and once more → not applied ({replay.decision.decision if replay.decision else 'refused'}"
                 f"): the grant was single use")
        return denied and refused and again.applied and not replay.applied

    def _decide(self, envelope: dict, tier: str | None = None) -> Any:
        from .actions import parse_action
        from .audit import record_decision
        from .controls import controls_source
        from .pipeline import Decider

        decider = Decider(None, str(self.inventory), tier, environ={"HOME": str(self.home)},
                          controls=controls_source(self.db))
        decision = decider.decide(envelope)
        record_decision(self.store, decision, parse_action(envelope), AGENT)
        return decision

    def drop_database_during_freeze(self) -> bool:
        self.console.print(Rule("2. DROP DATABASE during a code freeze"))
        self.approvals.freeze(self.store, "production", actor="bob", reason="release freeze")
        self.say("bob freezes production for the release. The agent, cleaning up, runs:")
        self.say("  psql -h db.prod.internal -c 'DROP DATABASE shop'")
        d = self._decide({"tool": "shell", "agent": AGENT, "on_behalf_of": HUMAN, "input": {
            "command": "psql -h db.prod.internal -c 'DROP DATABASE shop'", "cwd": str(self.root)}})
        self.verdict(d)
        self.approvals.unfreeze(self.store, "production", actor="bob")
        return d.decision == "deny"

    def wipe_home(self) -> bool:
        self.console.print(Rule("3. rm -rf ~/"))
        self.say("On a sandbox machine, where changes flow, the agent 'tidies up' its home:")
        ok = True
        for command in ("rm -rf ~/", "cd ~ && rm -rf ./*",
                        "echo Y2QgfiAmJiBybSAtcmYgLi8q | base64 -d | sh"):
            self.say(f"  {command}")
            d = self._decide({"tool": "shell", "agent": AGENT, "on_behalf_of": HUMAN, "input": {
                "command": command, "cwd": str(self.workdir)}}, tier="sandbox")
            self.verdict(d)
            ok &= d.decision == "deny"
        return ok

    def timeline(self) -> None:
        from .audit import export, to_markdown

        self.console.print(Rule("4. The post-mortem writes itself"))
        result = self.store.audit.verify()
        entries = export(self.store)
        self.say(f"audit chain: {'verified' if result.ok else 'BROKEN'} — {result.entries} "
                 "entries, each naming its predecessor's hash")
        md = to_markdown(entries, title="interlock demo timeline")
        self.console.print(Panel(Markdown(md), title="audit timeline", expand=True))


def run(console: Console | None = None, keep: bool = False) -> int:
    console = console or Console()
    console.print(Panel(Text(
        "A replay of the seed incident: an AI agent with a human's borrowed access decides to "
        "'delete and recreate' production. Real Terraform, real Cedar policy, real store and "
        "audit log — only the people are simulated.", justify="left"), title="interlock demo"))
    root = Path(tempfile.mkdtemp(prefix="interlock-demo-"))
    terraform = shutil.which(os.environ.get("INTERLOCK_TERRAFORM", "terraform"))
    rc_file = root / "terraformrc"
    rc_file.write_text("")
    saved = {k: os.environ.get(k) for k in ("TF_CLI_CONFIG_FILE", "TF_IN_AUTOMATION",
                                            "INTERLOCK_DB", "CHECKPOINT_DISABLE")}
    os.environ.update({"TF_CLI_CONFIG_FILE": str(rc_file), "TF_IN_AUTOMATION": "1",
                       "CHECKPOINT_DISABLE": "1"})
    os.environ.pop("INTERLOCK_DB", None)
    replay = None
    try:
        replay = Replay(console, root, terraform)
        ok = replay.run()
    finally:
        if replay is not None:
            replay.store.close()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if keep:
            console.print(f"files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    console.print(Text("every step behaved as designed" if ok else
                       "some step did not behave as designed", style="bold green" if ok
                       else "bold red"))
    return 0 if ok else 1
