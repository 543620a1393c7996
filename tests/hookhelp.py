"""Helpers for the hook tests: run the REAL hook entry points and read an agent's answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "hooks"
CASES = json.loads((FIXTURES / "cases.json").read_text())


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                      os.environ.get("PYTHONPATH")]))
    out.pop("INTERLOCK_HOOK_ALLOW_TOOLS", None)
    out.update(extra or {})
    return out


# The console script `interlock-hook` is `interlock.hookclient:run`; this is the same call.
HOOK = [sys.executable, "-c", "from interlock.hookclient import run; run()"]
CLI_HOOK = [sys.executable, "-m", "interlock", "hook"]


def run_hook(args: list[str], stdin: bytes, *, cmd: list[str] = HOOK,
             extra_env: dict[str, str] | None = None, timeout: float = 30,
             cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*cmd, *args], input=stdin, capture_output=True, env=env(extra_env),
                          check=False,
                          timeout=timeout, cwd=cwd)


def verdict(agent: str, proc: subprocess.CompletedProcess) -> tuple[str, str]:
    """('allow'|'deny', message) as the agent would read the answer; asserts the form is right."""
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert "Traceback" not in out + err, out + err
    if agent == "cursor":
        assert proc.returncode == 0, (proc.returncode, out, err)
        obj = json.loads(out)
        if obj["permission"] == "allow":
            return "allow", ""
        assert obj["permission"] == "deny", obj
        assert obj["agent_message"] == obj["user_message"] != ""
        return "deny", obj["agent_message"]
    if proc.returncode == 0:
        if agent == "gemini":
            assert json.loads(out) == {}, out
        else:
            assert out.strip() == "", out
        return "allow", ""
    # Exit 2 is the only status that blocks in Claude Code, Codex, Gemini CLI and Kiro CLI.
    assert proc.returncode == 2, (proc.returncode, out, err)
    assert err.strip(), "exit 2 needs the reason on stderr"
    if agent in ("claude-code", "codex"):
        obj = json.loads(out)["hookSpecificOutput"]
        assert obj["permissionDecision"] == "deny"
        assert obj["permissionDecisionReason"].strip() == err.strip()
    elif agent == "gemini":
        assert json.loads(out)["decision"] == "deny"
    return "deny", err
