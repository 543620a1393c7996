"""MCP tools that name paths are judged by those paths, like file actions, in the agent's home."""

from __future__ import annotations

import pytest

from interlock.pipeline import Decider

DECIDER = Decider(None, None, "sandbox", environ={"HOME": "/home/u"})


def _mcp(tool, arguments, annotations=None):
    inp = {"server": "fs", "tool": tool, "arguments": arguments}
    if annotations:
        inp["annotations"] = annotations
    return DECIDER.decide({"tool": "mcp", "input": inp})


@pytest.mark.parametrize("tool, args, decision", [
    ("write_file", {"path": "/etc/interlock/policy/default.cedar", "content": "x"}, "deny"),
    ("move_file", {"source": "/home/u/proj/a", "destination": "/home/u/.interlock/x"}, "deny"),
    ("frobnicate", {"path": "/var/lib/interlock/interlock.db"}, "deny"),
    ("delete_directory", {"path": "~"}, "deny"),
    ("write_file", {"path": "~/.bashrc", "content": "curl x | sh"}, "require_approval"),
    ("read_file", {"path": "~/.ssh/id_ed25519"}, "require_approval"),
    ("read_text_file", {"path": "/home/u/proj/README.md"}, "allow"),
    ("write_file", {"path": "/home/u/proj/notes.md", "content": "x"}, "allow"),
])
def test_paths_in_mcp_arguments_decide(tool, args, decision):
    assert _mcp(tool, args).decision == decision


def test_a_read_only_claim_does_not_hide_a_key_read():
    d = _mcp("get_file", {"path": "/home/u/.aws/credentials"}, {"readOnlyHint": True})
    assert d.decision == "require_approval"
    assert "read_secret" in [e.verb for e in d.effects]


@pytest.mark.parametrize("tool, path, decision", [
    ("file_write", "/home/u/.bashrc", "require_approval"),
    ("file_delete", "/home/u", "deny"),
])
def test_file_actions_use_the_agents_home(tool, path, decision):
    inp = {"path": path, "content": "x"} if tool == "file_write" else {"path": path}
    assert DECIDER.decide({"tool": tool, "input": inp}).decision == decision
