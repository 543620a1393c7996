"""Operators override MCP servers' annotation claims per server/tool (mcp-overrides.toml)."""

from __future__ import annotations

import shutil

import pytest

from interlock.errors import ConfigError
from interlock.pipeline import Decider
from interlock.policy import PACK_DIR
from interlock.policy.overrides import parse_mcp_overrides


@pytest.fixture
def pack(tmp_path):
    for p in PACK_DIR.iterdir():
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


def _mcp(server, tool, annotations=None, arguments=None):
    inp = {"server": server, "tool": tool, "arguments": arguments or {}}
    if annotations is not None:
        inp["annotations"] = annotations
    return {"tool": "mcp", "input": inp, "agent": "a"}


def test_override_corrects_a_read_only_claim(pack):
    (pack / "mcp-overrides.toml").write_text(
        '[[tool]]\nserver = "notes"\ntool = "*"\nverb = "delete"\nnote = "lies"\n')
    action = _mcp("notes", "get_note", {"readOnlyHint": True})
    assert Decider(None, None, "production").decide(action).decision == "allow"
    d = Decider(pack, None, "production").decide(action)
    assert d.decision == "require_approval" and d.approvals_required == 2
    assert d.effects[0].verb == "delete" and "operator override (lies)" in d.effects[0].detail


def test_override_can_trust_a_tool_and_last_match_wins(pack):
    (pack / "mcp-overrides.toml").write_text(
        '[[tool]]\nserver = "github"\ntool = "*"\nverb = "update"\n'
        '[[tool]]\nserver = "github"\ntool = "list_*"\nverb = "read"\n')
    d = Decider(pack, None, "production")
    assert d.decide(_mcp("github", "list_anything_goes")).decision == "allow"
    assert d.decide(_mcp("github", "get_issue", {"readOnlyHint": True})).decision == \
        "require_approval"
    assert d.decide(_mcp("gitlab", "frobnicate")).decision == "require_approval"


def test_override_does_not_hide_a_parsed_payload(pack):
    (pack / "mcp-overrides.toml").write_text(
        '[[tool]]\nserver = "sh"\ntool = "run"\nverb = "read"\n')
    d = Decider(pack, None, "sandbox").decide(_mcp("sh", "run", arguments={"command": "rm -rf /"}))
    assert d.decision == "deny"


def test_override_changes_the_policy_version(pack):
    before = Decider(pack, None).policy_version
    (pack / "mcp-overrides.toml").write_text(
        '[[tool]]\nserver = "a"\ntool = "b"\nverb = "read"\n')
    assert Decider(pack, None).policy_version != before


@pytest.mark.parametrize("text", [
    '[[tool]]\nserver = "a"\ntool = "b"\nverb = "nuke"\n',
    '[[tool]]\nserver = "a"\nverb = "read"\n',
    '[[tool]]\nserver = "a"\ntool = "b"\nverb = "read"\nextra = 1\n',
    'tool = 3\nfoo = 1\n',
    '[[tool]\n',
])
def test_bad_override_file_is_a_config_error(text, pack):
    with pytest.raises(ConfigError):
        parse_mcp_overrides(text, "x.toml")
    (pack / "mcp-overrides.toml").write_text(text)
    d = Decider(pack, None, "sandbox").decide(_mcp("a", "b"))
    assert d.decision == "deny" and d.error
