"""`interlock policy validate|init|test`: the operator's tools for their own packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock import policytools
from interlock.policy import PACK_DIR, PolicyEngine

CASES = """
[[case]]
name = "select is a read"
action = { tool = "sql", input = { statement = "SELECT 1" } }
expect = "allow"

[[case]]
name = "delete in production"
action = { tool = "sql", input = { statement = "DELETE FROM t WHERE id = 1" } }
expect = "require_approval"
approvals = 2
environment = "production"

[[case]]
name = "delete in sandbox"
env = "sandbox"
action = { tool = "sql", input = { statement = "DELETE FROM t WHERE id = 1" } }
expect = "allow"

[[case]]
name = "drop database in production"
action = { tool = "sql", input = { statement = "DROP DATABASE payments" } }
expect = "deny"

[[case]]
name = "staging host"
action = { tool = "http", input = { method = "PUT", url = "https://api.staging.internal/" } }
expect = "require_approval"
approvals = 1
environment = "staging"
"""


def test_validate_shipped_pack(capsys) -> None:
    assert policytools.validate(str(PACK_DIR)) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok:") and "policies" in out


def test_validate_invalid_pack(tmp_path: Path, capsys) -> None:
    policytools.init(str(tmp_path / "p"))
    (tmp_path / "p" / "x.cedar").write_text('@id("x")\nforbid (principal, action, resource) '
                                            'when { context.tier > 3 };')
    capsys.readouterr()
    assert policytools.validate(str(tmp_path / "p")) == 1
    assert "does not validate" in capsys.readouterr().err
    assert policytools.validate(str(tmp_path / "missing")) == 1


def test_init_copies_a_loadable_pack(tmp_path: Path, capsys) -> None:
    dest = tmp_path / "a" / "b"
    assert policytools.init(str(dest)) == 0
    shipped = sorted(p.name for p in PACK_DIR.iterdir() if p.is_file())
    assert sorted(p.name for p in dest.iterdir()) == shipped
    for name in shipped:
        assert (dest / name).read_bytes() == (PACK_DIR / name).read_bytes()
    assert PolicyEngine(dest).digest == PolicyEngine(PACK_DIR).digest


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    assert policytools.init(str(tmp_path)) == 0
    (tmp_path / "default.cedar").write_text("// mine")
    assert policytools.init(str(tmp_path)) == 1
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "default.cedar").read_text() == "// mine"
    assert policytools.init(str(tmp_path), force=True) == 0
    assert (tmp_path / "default.cedar").read_text() == (PACK_DIR / "default.cedar").read_text()


def test_init_unwritable_destination(tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    assert policytools.init(str(tmp_path / "file" / "sub")) == 1
    assert "cannot write" in capsys.readouterr().err


def test_policy_test_passes(tmp_path: Path, inventory_file: Path, capsys) -> None:
    cases = tmp_path / "cases.toml"
    cases.write_text(CASES)
    assert policytools.run_tests(str(cases), None, str(inventory_file), None) == 0
    assert "5 passed, 0 failed" in capsys.readouterr().out


@pytest.mark.parametrize("change", [
    ('expect = "allow"\n', 'expect = "deny"\n'),
    ("approvals = 2", "approvals = 1"),
    ('environment = "staging"', 'environment = "production"'),
])
def test_policy_test_fails_on_mismatch(tmp_path: Path, inventory_file: Path, capsys,
                                       change) -> None:
    cases = tmp_path / "cases.toml"
    cases.write_text(CASES.replace(*change, 1))
    assert policytools.run_tests(str(cases), None, str(inventory_file), None) == 1
    assert "4 passed, 1 failed" in capsys.readouterr().out


def test_policy_test_against_an_operator_pack(tmp_path: Path, capsys) -> None:
    policytools.init(str(tmp_path / "p"))
    (tmp_path / "p" / "sql.cedar").write_text('@id("no-sql")\nforbid (principal, action, '
                                              'resource) when { context.tool == "sql" };')
    cases = tmp_path / "cases.toml"
    cases.write_text('[[case]]\naction = { tool = "sql", input = { statement = "SELECT 1" } }\n'
                     'expect = "deny"\n')
    assert policytools.run_tests(str(cases), str(tmp_path / "p"), None, None) == 0


def test_policy_test_with_a_broken_pack_fails(tmp_path: Path, capsys) -> None:
    """Every decision of a broken pack is deny: "expect = deny" must not pass vacuously."""
    cases = tmp_path / "cases.toml"
    cases.write_text('[[case]]\naction = { tool = "sql", input = { statement = "DROP '
                     'DATABASE x" } }\nexpect = "deny"\n')
    assert policytools.run_tests(str(cases), str(tmp_path / "missing"), None, None) == 1
    assert "does not exist" in capsys.readouterr().err
    # Same for a case whose env is not a tier.
    cases.write_text('[[case]]\nenv = "prod"\naction = { tool = "sql", input = { statement = '
                     '"DROP DATABASE x" } }\nexpect = "deny"\n')
    assert policytools.run_tests(str(cases), None, None, None) == 1


@pytest.mark.parametrize("text,msg", [
    ("", "expected one or more [[case]] tables"),
    ("case = 1", "expected one or more"),
    ("[[case]\n", "not valid TOML"),
    ('[[case]]\naction = { tool = "sql" }\nexpect = "maybe"', "'expect' must be one of"),
    ('[[case]]\naction = "ls"\nexpect = "allow"', "'action' must be a table"),
    ('[[case]]\naction = { tool = "sql" }\nexpect = "allow"\nexpected = "deny"',
     "unknown key(s) expected"),
])
def test_policy_test_bad_case_file(tmp_path: Path, capsys, text: str, msg: str) -> None:
    cases = tmp_path / "cases.toml"
    cases.write_text(text)
    assert policytools.run_tests(str(cases), None, None, None) == 1
    assert msg in capsys.readouterr().err
    assert policytools.run_tests(str(tmp_path / "missing.toml"), None, None, None) == 1


def test_policy_cli_end_to_end(run_cli, tmp_path: Path, inventory_file: Path) -> None:
    pack = tmp_path / "pack"
    proc = run_cli("policy", "init", str(pack))
    assert proc.returncode == 0 and (pack / "default.cedar").exists()
    assert run_cli("policy", "init", str(pack)).returncode == 1
    assert run_cli("policy", "validate", str(pack)).returncode == 0
    cases = tmp_path / "cases.toml"
    cases.write_text(CASES)
    proc = run_cli("policy", "test", str(cases), "--policy", str(pack), "--inventory",
                   str(inventory_file), env={"COLUMNS": "200"})
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert b"5 passed" in proc.stdout
    proc = run_cli("policy")
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    proc = run_cli("policy", "validate")
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
