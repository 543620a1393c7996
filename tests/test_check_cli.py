"""The `interlock check` contract (DESIGN.md), through the REAL command in a subprocess."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from interlock.actions import action_hash, parse_action
from interlock.policy import PACK_DIR

KEYS = {"decision", "approvals_required", "environment", "reasons", "effects", "action_hash",
        "policy_version"}
EFFECT_KEYS = {"verb", "resource", "target", "environment", "reversible", "stateful", "scope",
               "rule", "detail"}
SELECT = {"tool": "sql", "input": {"statement": "SELECT 1"}}
DELETE = {"tool": "sql", "input": {"statement": "DELETE FROM t WHERE id = 1"}}
DROP_DB = {"tool": "sql", "input": {"statement": "DROP DATABASE payments"}}
PUT_STAGING = {"tool": "http", "input": {"method": "PUT", "url": "https://api.staging.internal/x"}}


def assert_contract(out: dict, *, error: bool) -> None:
    # Exactly the contract's keys; policy_version is absent only when no pack was loaded.
    core = KEYS - {"policy_version"} | ({"error"} if error else set())
    assert set(out) in (core, core | {"policy_version"})
    if not error:
        assert "policy_version" in out
    assert out["decision"] in ("allow", "require_approval", "deny")
    assert isinstance(out["approvals_required"], int)
    if out["decision"] != "require_approval":
        assert out["approvals_required"] == 0
    else:
        assert out["approvals_required"] >= 1
    assert out["environment"] in ("production", "staging", "development", "sandbox")
    assert isinstance(out["reasons"], list) and out["reasons"]
    for r in out["reasons"]:
        assert set(r) == {"policy", "message"} and all(isinstance(v, str) for v in r.values())
    for e in out["effects"]:
        assert EFFECT_KEYS <= set(e)
    assert isinstance(out["action_hash"], str)
    if error:
        assert out["decision"] == "deny" and out["error"] and out["effects"] == []


@pytest.mark.parametrize("action,code,decision,approvals", [
    (SELECT, 0, "allow", 0),
    (DELETE, 3, "require_approval", 2),
    (DROP_DB, 2, "deny", 0),
])
def test_exit_codes_and_output(run_check, action, code, decision, approvals) -> None:
    rc, out = run_check(action)
    assert rc == code
    assert_contract(out, error=False)
    assert (out["decision"], out["approvals_required"]) == (decision, approvals)
    assert out["environment"] == "production"
    assert out["action_hash"] == action_hash(parse_action(action))
    assert len(out["policy_version"]) == 64


def test_env_sandbox_allows_what_production_escalates(run_check) -> None:
    rc, out = run_check(DELETE, "--env", "sandbox")
    assert (rc, out["decision"], out["environment"]) == (0, "allow", "sandbox")
    rc, out = run_check(DROP_DB, "--env", "staging")
    assert (rc, out["decision"], out["approvals_required"]) == (3, "require_approval", 2)


def test_inventory_decides_the_tier(run_check, inventory_file: Path) -> None:
    rc, out = run_check(PUT_STAGING, "--inventory", str(inventory_file))
    assert (rc, out["environment"], out["approvals_required"]) == (3, "staging", 1)
    assert "staging" in out["effects"][0]["rule"]
    # A named production target stays production under --env sandbox.
    prod = {"tool": "http", "input": {"method": "DELETE", "url": "https://api.prod.internal/x"}}
    rc, out = run_check(prod, "--inventory", str(inventory_file), "--env", "sandbox")
    assert (rc, out["environment"]) == (3, "production")


@pytest.mark.parametrize("args", [
    ["--nope"],
    ["--env", "prod"],
    ["--env"],
    ["unexpected-positional"],
    ["--inventory"],
])
def test_usage_errors_are_a_deny_with_exit_1(run_check, args) -> None:
    rc, out = run_check(SELECT, *args)
    assert rc == 1  # never argparse's 2, which means deny
    assert_contract(out, error=True)


@pytest.mark.parametrize("raw,msg", [
    (b"", "no input"),
    (b"{", "not valid JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[]", "JSON object"),
    (b'{"tool": "sql", "input": {"statement": "SELECT 1"}, "x": 1}', "unknown field"),
    (b'{"tool": "bash", "input": {"command": "ls"}}', "unknown tool"),
    (b'{"tool": "sql", "tool": "sql", "input": {"statement": "SELECT 1"}}', "duplicate"),
    (b'{"tool": "http", "input": {"method": "GET", "url": "u", "body": NaN}}', "NaN"),
    (b"1" * 5000, "JSON"),
])
def test_malformed_input_is_a_deny_with_exit_1(run_check, raw: bytes, msg: str) -> None:
    rc, out = run_check(raw)
    assert rc == 1
    assert_contract(out, error=True)
    assert msg in out["error"]
    assert out["reasons"][0]["policy"] == "error"


def test_missing_inventory_denies(run_check, tmp_path: Path) -> None:
    rc, out = run_check(SELECT, "--inventory", str(tmp_path / "missing.toml"))
    assert rc == 1
    assert_contract(out, error=True)
    assert "missing.toml" in out["error"]
    bad = tmp_path / "bad.toml"
    bad.write_text('default = "prod"\n')
    rc, out = run_check(SELECT, "--inventory", str(bad))
    assert rc == 1 and "tier must be one of" in out["error"]


def test_invalid_policy_denies(run_check, tmp_path: Path) -> None:
    d = tmp_path / "pack"
    shutil.copytree(PACK_DIR, d)
    (d / "bad.cedar").write_text('@id("bad")\nforbid (principal, action, resource) '
                                 'when { context.tier > 3 };\n')
    rc, out = run_check(SELECT, "--policy", str(d))
    assert rc == 1
    assert_contract(out, error=True)
    assert "does not validate" in out["error"]
    rc, out = run_check(SELECT, "--policy", str(tmp_path / "none"))
    assert rc == 1 and "does not exist" in out["error"]


def test_custom_policy_pack_replaces_the_shipped_one(run_check, tmp_path: Path) -> None:
    d = tmp_path / "pack"
    d.mkdir()
    (d / "p.cedar").write_text('@id("all")\npermit (principal, action, resource);\n'
                               '@id("no-sql")\n@reason("no SQL for you")\nforbid (principal, '
                               'action, resource) when { context.tool == "sql" };\n')
    rc, out = run_check(SELECT, "--policy", str(d))
    assert (rc, out["decision"]) == (2, "deny")
    assert out["reasons"] == [{"policy": "no-sql", "message": "no SQL for you"}]


def test_a_configured_store_that_does_not_exist_denies(run_check, tmp_path: Path) -> None:
    rc, out = run_check(SELECT, "--db", f"sqlite:///{tmp_path}/x.db")
    assert rc == 1
    assert_contract(out, error=True)
    assert "store" in out["error"]


def test_batch(run_cli, tmp_path: Path) -> None:
    lines = [json.dumps(SELECT), "", "   ", json.dumps(DELETE), "{not json", json.dumps(DROP_DB),
             '{"tool": "nope", "input": {}}', json.dumps(SELECT, indent=None) + "\r"]
    f = tmp_path / "actions.jsonl"
    f.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe\n")
    proc = run_cli("check", "--batch", str(f))
    assert proc.returncode == 0, proc.stderr
    outs = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [o["decision"] for o in outs] == ["allow", "require_approval", "deny", "deny", "deny",
                                             "allow", "deny"]
    assert ["error" in o for o in outs] == [False, False, True, False, True, False, True]
    assert outs[0]["action_hash"] == outs[5]["action_hash"]
    for o in outs:
        assert_contract(o, error="error" in o)


def test_batch_from_stdin_and_env(run_cli) -> None:
    raw = (json.dumps(DELETE) + "\n" + json.dumps(DROP_DB) + "\n").encode()
    proc = run_cli("check", "--env", "sandbox", "--batch", "-", stdin=raw)
    assert proc.returncode == 0
    outs = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [(o["decision"], o["environment"]) for o in outs] == [("allow", "sandbox")] * 2


def test_batch_empty_file(run_cli, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n\n")
    proc = run_cli("check", "--batch", str(tmp_path / "empty.jsonl"))
    assert (proc.returncode, proc.stdout) == (0, b"")


@pytest.mark.parametrize("name", ["missing.jsonl", "."])
def test_batch_unreadable_file(run_cli, tmp_path: Path, name: str) -> None:
    proc = run_cli("check", "--batch", str(tmp_path / name))
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert_contract(out, error=True)
    assert "cannot read" in out["error"]


def test_batch_with_broken_policy_answers_every_line(run_cli, tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps(SELECT) + "\n" + json.dumps(DELETE) + "\n")
    proc = run_cli("check", "--policy", str(tmp_path / "nope"), "--batch", str(f))
    outs = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert proc.returncode == 0 and len(outs) == 2
    assert all(o["decision"] == "deny" and "error" in o for o in outs)


@pytest.mark.parametrize("argv", [["explain"], ["check", "--explain"]])
@pytest.mark.parametrize("raw,word", [
    (json.dumps(DELETE).encode(), "REQUIRE APPROVAL"),
    (json.dumps(SELECT).encode(), "ALLOW"),
    (b"{oops", "DENY"),
    # Agent-controlled text must not be read as rich markup ("[/bold]" used to crash it).
    (b'{"tool": "sql", "input": {"statement": "SELECT 1", "[/bold]": 1}}', "DENY"),
    (json.dumps({"tool": "sql", "input": {"statement": 'DELETE FROM "[/x]" WHERE a = 1'}})
     .encode(), "REQUIRE APPROVAL"),
])
def test_explain_renders(run_cli, argv, raw: bytes, word: str) -> None:
    proc = run_cli(*argv, stdin=raw, env={"COLUMNS": "200", "NO_COLOR": "1"})
    text = proc.stdout.decode()
    assert b"Traceback" not in proc.stderr and b"internal error" not in proc.stderr
    assert word in text and "action hash" in text
    assert "internal error" not in text
    assert proc.returncode in (0, 1, 2, 3)


def test_other_usage_errors(run_cli) -> None:
    assert run_cli().returncode == 1
    proc = run_cli("frobnicate")
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    assert run_cli("--version").returncode == 0


def test_inventory_validate(run_cli, inventory_file: Path, tmp_path: Path) -> None:
    proc = run_cli("inventory", "validate", str(inventory_file))
    assert proc.returncode == 0 and b"3 rule(s)" in proc.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\ntier = "production"\nkube = ["x"]\n')
    proc = run_cli("inventory", "validate", str(bad))
    assert proc.returncode == 1 and b"unknown target kind 'kube'" in proc.stderr
    assert run_cli("inventory", "validate", str(tmp_path / "none")).returncode == 1
