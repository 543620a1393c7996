"""Real Terraform runs for the tests: write a config, init, apply, change it, plan, show -json.

Only the built-in `terraform_data` resource is used, so nothing is downloaded. Every command
runs with an empty CLI config (the machines' TF_CLI_CONFIG_FILE points to a missing file),
TF_IN_AUTOMATION and no input, in a directory the caller owns (a pytest tmp dir).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"
HAVE_TERRAFORM = os.access(TERRAFORM, os.X_OK)
FIXTURES = Path(__file__).parent / "fixtures" / "terraform"

needs_terraform = pytest.mark.skipif(not HAVE_TERRAFORM, reason="terraform binary not installed")


AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"


def resource_change(addr: str, actions: Any, rtype: str = "aws_instance",
                    provider: str = AWS_PROVIDER, *, before: Any = None, after: Any = None,
                    **extra: Any) -> dict[str, Any]:
    """One `resource_changes[]` entry as `terraform show -json` writes it."""
    return {"address": addr, "mode": "managed", "type": rtype, "name": addr.rsplit(".", 1)[-1],
            "provider_name": provider, **extra,
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}}


def load_fixture(name: str) -> dict[str, Any]:
    with open(FIXTURES / name, encoding="utf-8") as f:
        return json.load(f)


class TfProject:
    """One Terraform working directory with a local state."""

    def __init__(self, root: Path) -> None:
        self.dir = root
        root.mkdir(parents=True, exist_ok=True)
        rc = root / ".terraformrc-empty"
        rc.write_text("")
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(rc),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }
        self._initialised = False

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([TERRAFORM, *args], check=False, cwd=self.dir, env=self.env,
                              text=True, capture_output=True, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    def write(self, config: str) -> TfProject:
        (self.dir / "main.tf").write_text(config)
        if not self._initialised:
            self.run("init", "-input=false", "-no-color")
            self._initialised = True
        return self

    def apply(self) -> TfProject:
        self.run("apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=50")
        return self

    def plan(self, *args: str, check: bool = True, out: str = "tfplan") -> dict[str, Any]:
        """`plan -out` then `show -json` of that file, parsed."""
        self.run("plan", f"-out={out}", "-input=false", "-no-color", "-parallelism=50", *args,
                 check=check)
        shown = self.run("show", "-json", out)
        return json.loads(shown.stdout)


def data(name: str, *, input: str | None = None, trigger: str | None = None,
         count: int | None = None, cbd: bool = False) -> str:
    """HCL of one `terraform_data` resource."""
    lines = [f'resource "terraform_data" "{name}" {{']
    if count is not None:
        lines.append(f"  count = {count}")
    if input is not None:
        lines.append(f'  input = "{input}"')
    if trigger is not None:
        lines.append(f'  triggers_replace = "{trigger}"')
    if cbd:
        lines.append("  lifecycle {\n    create_before_destroy = true\n  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def removed(address: str, destroy: bool = False) -> str:
    return (f"removed {{\n  from = {address}\n  lifecycle {{\n"
            f"    destroy = {'true' if destroy else 'false'}\n  }}\n}}\n")
