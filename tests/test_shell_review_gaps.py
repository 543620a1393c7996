"""Gaps found while wiring the agent hooks: recursive searches of credential directories and
the hook settings of newer agents."""

from __future__ import annotations

import pytest

from interlock.pipeline import Decider

DECIDER = Decider(None, None, "sandbox", environ={"HOME": "/home/u"})


def _decide(command: str):
    return DECIDER.decide({"tool": "shell", "input": {"command": command, "cwd": "/home/u/proj"}})


@pytest.mark.parametrize("command", [
    "grep -r -e key -- /home/u/.aws",
    "grep -rn password ~/.ssh",
    "grep --recursive token ~/.kube",
    "rg secret ~/.aws",
    "ag -i token /home/u",
])
def test_recursive_search_of_a_credential_directory_is_a_secret_read(command):
    d = _decide(command)
    assert d.decision == "require_approval"
    assert [e.verb for e in d.effects] == ["read_secret"]


@pytest.mark.parametrize("command", ["grep -rn TODO src/", "rg interlock", "ls -R ~/.ssh"])
def test_ordinary_searches_stay_reads(command):
    assert _decide(command).decision == "allow"


@pytest.mark.parametrize("path", ["/home/u/proj/.codex/hooks.json",
                                  "/home/u/proj/.cursor/hooks/guard.sh",
                                  "/home/u/proj/.gemini/hooks/x.sh"])
def test_newer_agents_hook_files_are_protected(path):
    d = DECIDER.decide({"tool": "file_write", "input": {"path": path, "content": "{}"}})
    assert d.decision == "deny"
    assert any("tamper" in e.to_json()["risks"] for e in d.effects)


PROD = Decider(None, None, "production", environ={"HOME": "/home/u"})


@pytest.mark.parametrize("command", [
    "export PATH=/tmp/evil:$PATH; ls",
    "PATH=/tmp/x ls -la",
    "sudo PATH=/tmp/x cat README.md",
    "env PATH=/tmp/x git status",
])
def test_a_read_through_a_changed_path_is_not_a_read(command):
    d = PROD.decide({"tool": "shell", "input": {"command": command, "cwd": "/home/u/proj"}})
    assert d.decision == "require_approval"
    assert "execute" in [e.verb for e in d.effects]


@pytest.mark.parametrize("command", ["ls -la", "export PATH=/usr/bin:/bin; echo hi; cd /tmp"])
def test_builtins_and_plain_reads_stay_reads(command):
    d = PROD.decide({"tool": "shell", "input": {"command": command, "cwd": "/home/u/proj"}})
    assert d.decision == "allow"
