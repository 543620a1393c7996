"""The real hook process, fed recorded payloads for every agent (in-process decisions)."""

from __future__ import annotations

import json

import pytest
from hookhelp import CASES, CLI_HOOK, FIXTURES, run_hook, verdict


@pytest.mark.parametrize("case", CASES, ids=[c["file"][:-5] for c in CASES])
def test_recorded_payload(case: dict) -> None:
    proc = run_hook([case["agent"], "--no-daemon"], (FIXTURES / case["file"]).read_bytes())
    got, message = verdict(case["agent"], proc)
    want = "deny" if case["expect"] in ("deny", "approval") else "allow"
    assert got == want, message
    if case["expect"] == "approval":
        assert "needs approval by 2 other humans" in message, message
        assert "retry exactly the same action" in message
    if case["contains"]:
        assert case["contains"] in message, message


def _payload(command: str) -> bytes:
    return json.dumps({"hook_event_name": "PreToolUse", "cwd": "/tmp", "tool_name": "Bash",
                       "tool_input": {"command": command}}).encode()


def test_sandbox_tier_allows_a_change() -> None:
    proc = run_hook(["claude-code", "--no-daemon", "--env", "sandbox"],
                    (FIXTURES / "claude-code__write_file.json").read_bytes())
    assert verdict("claude-code", proc)[0] == "allow"


def test_deny_names_policy_ids_for_the_model() -> None:
    proc = run_hook(["claude-code", "--no-daemon"], _payload("rm -rf /"))
    _, message = verdict("claude-code", proc)
    assert "[catastrophic]" in message and "Nothing was run" in message


def test_through_the_interlock_cli() -> None:
    proc = run_hook(["claude-code", "--no-daemon"], _payload("rm -rf /"), cmd=CLI_HOOK)
    assert verdict("claude-code", proc)[0] == "deny"
    proc = run_hook(["--no-daemon", "codex"], _payload("ls"), cmd=CLI_HOOK)
    assert verdict("codex", proc)[0] == "allow"


@pytest.mark.parametrize("stdin", [b"", b"   \n", b"not json", b"[1, 2]", b"{\"tool_name\": 3}",
                                   b"\xff\xfe\x00", b"{\"a\": 1, \"a\": 2}",
                                   b"[" * 100000])
@pytest.mark.parametrize("agent", ["claude-code", "gemini", "cursor", "kiro", "codex"])
def test_garbage_is_denied(agent: str, stdin: bytes) -> None:
    assert verdict(agent, run_hook([agent, "--no-daemon"], stdin))[0] == "deny"


def test_huge_input_is_denied() -> None:
    huge = b"{\"tool_name\": \"Bash\", \"tool_input\": {\"command\": \"" + b"a" * (33 << 20) + b"\"}}"
    proc = run_hook(["claude-code", "--no-daemon"], huge)
    _, message = verdict("claude-code", proc)
    assert "larger than" in message


@pytest.mark.parametrize("args", [[], ["nobody"], ["claude-code", "--bogus"],
                                  ["claude-code", "--env", "moon"],
                                  ["claude-code", "--no-daemon", "--socket"]])
def test_misconfigured_hook_denies(args: list[str]) -> None:
    proc = run_hook(args if "--no-daemon" in args else [*args, "--no-daemon"], _payload("ls"))
    assert proc.returncode == 2 and b"misconfigured" in proc.stderr


def test_unknown_tool_can_be_allowed_by_the_operator() -> None:
    payload = (FIXTURES / "claude-code__unknown_tool.json").read_bytes()
    proc = run_hook(["claude-code", "--no-daemon", "--allow-tool", "Frobnicate"], payload)
    assert verdict("claude-code", proc)[0] == "allow"
    proc = run_hook(["claude-code", "--no-daemon"], payload,
                    extra_env={"INTERLOCK_HOOK_ALLOW_TOOLS": "Other, Frobnicate"})
    assert verdict("claude-code", proc)[0] == "allow"


def test_broken_policy_denies(tmp_path) -> None:
    (tmp_path / "broken.cedar").write_text("permit(principal, action, resource) when { nope };")
    proc = run_hook(["claude-code", "--no-daemon", "--policy", str(tmp_path)], _payload("ls"))
    assert verdict("claude-code", proc)[0] == "deny"


def test_missing_inventory_denies(tmp_path) -> None:
    proc = run_hook(["gemini", "--no-daemon", "--inventory", str(tmp_path / "none.toml")],
                    (FIXTURES / "gemini__shell_safe.json").read_bytes())
    assert verdict("gemini", proc)[0] == "deny"


def test_broken_package_still_denies(tmp_path) -> None:
    # The in-process fallback cannot import the pipeline: the stdlib-only client still denies.
    shadow = tmp_path / "interlock" / "enforce"
    shadow.mkdir(parents=True)
    (tmp_path / "interlock" / "__init__.py").write_text("")
    (tmp_path / "interlock" / "hookclient.py").write_text(
        (FIXTURES.parents[2] / "src" / "interlock" / "hookclient.py").read_text())
    (shadow / "__init__.py").write_text("raise RuntimeError('broken install')\n")
    proc = run_hook(["kiro", "--no-daemon"], (FIXTURES / "kiro__shell_safe.json").read_bytes(),
                    extra_env={"PYTHONPATH": str(tmp_path)})
    got, message = verdict("kiro", proc)
    assert got == "deny" and "RuntimeError" in message
