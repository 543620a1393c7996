"""Gaps found in review, each closed: none of these may end in an allow or a traceback."""

from __future__ import annotations

import pytest

from interlock import analysis
from interlock.errors import ConfigError, InputError
from interlock.actions import parse_action
from interlock.inventory import parse_inventory
from interlock.pipeline import Decider


@pytest.mark.parametrize("tool, inp", [
    ("shell", {"command": "ls", "cwd": "/tmp"}),
    ("http", {"method": "GET", "url": "https://example.com/"}),
    ("mcp", {"server": "s", "tool": "t", "arguments": {}}),
    ("file_write", {"path": "/tmp/x", "content": ""}),
])
def test_an_analyzer_that_finds_nothing_denies(monkeypatch, tool, inp):
    monkeypatch.setattr(analysis, "analyze", lambda action, environ=None: [])
    d = Decider(None, None, "sandbox").decide({"tool": tool, "input": inp})
    assert d.decision == "deny" and "no effects" in d.error


def test_sql_transaction_control_is_a_real_empty_answer():
    d = Decider(None, None, "production").decide(
        {"tool": "sql", "input": {"statement": "BEGIN; COMMIT;"}})
    assert d.decision == "allow" and d.effects == []


def test_empty_cwd_is_an_error():
    with pytest.raises(InputError, match="cwd is empty"):
        parse_action({"tool": "shell", "input": {"command": "ls", "cwd": " "}})


def test_empty_inventory_list_is_an_error():
    with pytest.raises(ConfigError, match="non-empty"):
        parse_inventory('[[rule]]\ntier = "sandbox"\nkube_context = []\n')


def test_misplaced_options_before_check_still_answer_a_deny_object(run_cli):
    proc = run_cli("--env", "sandbox", "check", stdin=b'{"tool":"shell","input":{"command":"ls"}}')
    assert proc.returncode == 1
    import json

    out = json.loads(proc.stdout)
    assert out["decision"] == "deny" and out["error"]
