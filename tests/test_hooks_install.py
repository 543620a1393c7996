"""`interlock install`: merge, idempotency, backup, invalid JSON, dry run — through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hookhelp import env

CMD = "/opt/interlock/bin/interlock-hook"


def install(*args: str, home=None) -> subprocess.CompletedProcess:
    extra = {"HOME": str(home)} if home else None
    return subprocess.run([sys.executable, "-m", "interlock", "install", *args],
                          capture_output=True, text=True, env=env(extra), timeout=30,
                          check=False)


def test_claude_merge_keeps_everything_and_is_idempotent(tmp_path) -> None:
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    original = {"model": "opus", "permissions": {"allow": ["Bash(ls:*)"]},
                "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
                    {"type": "command", "command": "/usr/local/bin/other-guard"}]}],
                          "PostToolUse": [{"matcher": "Write", "hooks": [
                              {"type": "command", "command": "prettier"}]}]}}
    settings.write_text(json.dumps(original))
    settings.chmod(0o640)
    for _ in range(2):
        proc = install("claude-code", "--project", str(tmp_path), "--hook-command",
                       f"{CMD} claude-code")
        assert proc.returncode == 0, proc.stderr
    got = json.loads(settings.read_text())
    assert got["model"] == "opus" and got["permissions"] == original["permissions"]
    assert got["hooks"]["PostToolUse"] == original["hooks"]["PostToolUse"]
    pre = got["hooks"]["PreToolUse"]
    assert pre[0] == original["hooks"]["PreToolUse"][0]
    ours = [h for e in pre for h in e["hooks"] if "interlock-hook" in h["command"]]
    assert len(ours) == 1 and ours[0]["command"] == f"{CMD} claude-code"
    assert pre[1]["matcher"] == "*" and ours[0]["timeout"] > 8
    backups = list(settings.parent.glob("settings.json.bak-*"))
    assert len(backups) == 1 and json.loads(backups[0].read_text()) == original
    assert settings.stat().st_mode & 0o777 == 0o640
    assert "already installed" in proc.stdout


def test_invalid_json_is_refused_untouched(tmp_path) -> None:
    settings = tmp_path / ".gemini" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"theme": "dark",}')
    proc = install("gemini", "--project", str(tmp_path))
    assert proc.returncode == 1 and "not valid JSON" in proc.stderr
    assert settings.read_text() == '{"theme": "dark",}'
    assert not list(settings.parent.glob("*.bak-*"))


def test_hooks_of_the_wrong_type_are_refused(tmp_path) -> None:
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"hooks": {"PreToolUse": "oops"}}')
    proc = install("claude-code", "--project", str(tmp_path))
    assert proc.returncode == 1 and "not a list" in proc.stderr


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path) -> None:
    proc = install("cursor", "--project", str(tmp_path), "--dry-run", "--hook-command", CMD)
    assert proc.returncode == 0
    assert "+++" in proc.stdout and "beforeShellExecution" in proc.stdout
    assert not (tmp_path / ".cursor").exists()


@pytest.mark.parametrize("agent,path,event", [
    ("gemini", ".gemini/settings.json", "BeforeTool"),
    ("codex", ".codex/hooks.json", "PreToolUse"),
    ("kiro", ".kiro/agents/interlock.json", "preToolUse"),
    ("cursor", ".cursor/hooks.json", "beforeMCPExecution"),
])
def test_fresh_files_per_agent(tmp_path, agent: str, path: str, event: str) -> None:
    assert install(agent, "--project", str(tmp_path), "--hook-command", CMD).returncode == 0
    assert install(agent, "--project", str(tmp_path), "--hook-command", CMD).returncode == 0
    got = json.loads((tmp_path / path).read_text())
    entries = got["hooks"][event]
    assert len(entries) == 1
    text = json.dumps(entries)
    assert CMD in text
    if agent == "cursor":
        assert got["version"] == 1 and entries[0]["failClosed"] is True
        assert set(got["hooks"]) == {"beforeShellExecution", "beforeMCPExecution",
                                     "beforeReadFile", "preToolUse"}
    if agent == "kiro":
        assert got["tools"] == ["*"]
    if agent == "gemini":
        assert entries[0]["hooks"][0]["timeout"] > 8000  # milliseconds


def test_user_scope_and_default_command(tmp_path) -> None:
    proc = install("claude-code", "--user", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    got = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    command = got["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    assert command.endswith(" claude-code") and command.startswith("/")
