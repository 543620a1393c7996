"""The Action envelope: validation (fail closed on anything unexpected) and normalisation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from interlock.actions import TOOLS, parse_action
from interlock.actions.envelope import TOOL_FIELDS
from interlock.errors import InputError

# One minimal valid input per tool, and every optional field with a valid value.
MINIMAL = {
    "shell": {"command": "ls"},
    "terraform": {"plan": {}},
    "sql": {"statement": "SELECT 1"},
    "http": {"method": "GET", "url": "https://example.com/"},
    "mcp": {"server": "github", "tool": "list_issues"},
    "file_write": {"path": "/tmp/x", "content": ""},
    "file_delete": {"path": "/tmp/x"},
}
OPTIONAL = {
    "shell": {"cwd": "/tmp"},
    "terraform": {"workspace": "prod", "working_dir": "/tmp"},
    "sql": {"dialect": "mysql", "database": "db.prod.internal"},
    "http": {"body": {"a": [1, None, True]}},
    "mcp": {"arguments": {"repo": "x"}, "annotations": {"readOnlyHint": True}},
    "file_write": {},
    "file_delete": {},
}
# A value of the wrong JSON type for each field.
WRONG = {"plan": "not an object", "arguments": [1], "annotations": "x"}


def act(tool_: str, **inp) -> dict:
    return {"tool": tool_, "input": {**MINIMAL[tool_], **inp}}


def test_tool_table_matches_design() -> None:
    assert set(TOOLS) == {"shell", "terraform", "sql", "http", "mcp", "file_write", "file_delete"}
    assert set(MINIMAL) == set(TOOLS)


@pytest.mark.parametrize("tool", sorted(MINIMAL))
def test_minimal_and_full_inputs_are_accepted(tool: str) -> None:
    a = parse_action(act(tool))
    assert a.tool == tool and a.agent is None and a.on_behalf_of is None
    full = parse_action({"tool": tool, "input": {**MINIMAL[tool], **OPTIONAL[tool]},
                         "agent": "claude", "on_behalf_of": "alice"})
    assert full.agent == "claude" and full.on_behalf_of == "alice"
    assert set(full.input) <= set(TOOL_FIELDS[tool])


@pytest.mark.parametrize("tool,field", [(t, f) for t, spec in TOOL_FIELDS.items()
                                        for f, (_, req) in spec.items() if req])
def test_missing_required_field(tool: str, field: str) -> None:
    inp = {**MINIMAL[tool], **OPTIONAL[tool]}
    del inp[field]
    with pytest.raises(InputError, match=f"missing required field '{field}'"):
        parse_action({"tool": tool, "input": inp})


@pytest.mark.parametrize("tool", sorted(MINIMAL))
def test_unknown_input_field(tool: str) -> None:
    with pytest.raises(InputError, match=r"unknown field\(s\) 'sneaky'"):
        parse_action(act(tool, sneaky="x"))


@pytest.mark.parametrize("extra", [{"sneaky": 1}, {"decision": "allow"}, {"Tool": "shell"}])
def test_unknown_envelope_field(extra: dict) -> None:
    with pytest.raises(InputError, match="unknown field"):
        parse_action({**act("sql"), **extra})


@pytest.mark.parametrize("obj", [None, [], "shell", 1, True, [{"tool": "shell"}]])
def test_envelope_must_be_an_object(obj) -> None:
    with pytest.raises(InputError, match="JSON object"):
        parse_action(obj)


@pytest.mark.parametrize("obj,msg", [
    ({"input": {"command": "ls"}}, "missing required field 'tool'"),
    ({"tool": "shell"}, "missing required field 'input'"),
    ({"tool": "powershell", "input": {"command": "ls"}}, "unknown tool 'powershell'"),
    ({"tool": "SHELL", "input": {"command": "ls"}}, "unknown tool"),
    ({"tool": "", "input": {}}, "unknown tool"),
    ({"tool": True, "input": {}}, "'tool' must be string"),
    ({"tool": "shell", "input": "ls"}, "'input' must be object"),
    ({"tool": "shell", "input": ["ls"]}, "'input' must be object"),
    ({"tool": "shell", "input": {"command": "ls"}, "agent": 7}, "'agent' must be string"),
    ({"tool": "shell", "input": {"command": "ls"}, "agent": None}, "'agent' must be string"),
    ({"tool": "shell", "input": {"command": "ls"}, "agent": "  "}, "'agent' is empty"),
    ({"tool": "shell", "input": {"command": "ls"}, "on_behalf_of": ""}, "'on_behalf_of' is empty"),
    ({"tool": "shell", "input": {"command": "ls"}, "on_behalf_of": ["a"]}, "must be string"),
])
def test_envelope_errors(obj: dict, msg: str) -> None:
    with pytest.raises(InputError, match=msg):
        parse_action(obj)


STRING_FIELDS = [(t, f) for t, spec in TOOL_FIELDS.items() for f, (types, _) in spec.items()
                 if types == (str,)]


@pytest.mark.parametrize("tool,field", STRING_FIELDS)
@pytest.mark.parametrize("bad", [True, False, 0, 1.5, None, {}, ["x"]])
def test_string_fields_reject_other_types(tool: str, field: str, bad) -> None:
    with pytest.raises(InputError, match=f"'{field}' must be string"):
        parse_action(act(tool, **{field: bad}))


@pytest.mark.parametrize("tool,field", [("terraform", "plan"), ("mcp", "arguments"),
                                        ("mcp", "annotations")])
@pytest.mark.parametrize("bad", [True, 0, 3.0, "x", ["x"], None])
def test_object_fields_reject_other_types(tool: str, field: str, bad) -> None:
    with pytest.raises(InputError, match=f"'{field}' must be object"):
        parse_action(act(tool, **{field: bad}))


@pytest.mark.parametrize("body", [None, True, 0, 1.5, "x", [], {"a": {"b": [None]}}])
def test_http_body_accepts_any_json(body) -> None:
    assert parse_action(act("http", body=body)).input["body"] == body


# --- shell --------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["", "   ", "\n\t"])
def test_shell_empty_command(command: str) -> None:
    with pytest.raises(InputError, match="command is empty"):
        parse_action(act("shell", command=command))


@pytest.mark.parametrize("command", ["ls\x00", "rm -rf /tmp/x\x00/", "\x00"])
def test_shell_nul_byte(command: str) -> None:
    with pytest.raises(InputError, match="NUL"):
        parse_action(act("shell", command=command))


def test_shell_cwd_defaults_and_resolves(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_action(act("shell")).input["cwd"] == os.path.realpath(tmp_path)
    (tmp_path / "sub").mkdir()
    assert parse_action(act("shell", cwd="sub/../sub/.")).input["cwd"] == \
        os.path.realpath(tmp_path / "sub")
    with pytest.raises(InputError, match="NUL"):
        parse_action(act("shell", cwd="/tmp\x00"))


def test_shell_cwd_symlink_resolved(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    got = parse_action(act("shell", cwd=str(tmp_path / "link"))).input["cwd"]
    assert got == os.path.realpath(real)


# --- sql ----------------------------------------------------------------------------------

@pytest.mark.parametrize("given,expected", [
    (None, "postgres"), ("postgres", "postgres"), ("PostgreSQL", "postgres"), ("pg", "postgres"),
    ("POSTGRES", "postgres"), ("mysql", "mysql"), ("MySQL", "mysql"), ("sqlite", "sqlite"),
])
def test_sql_dialect_normalised(given, expected) -> None:
    inp = {} if given is None else {"dialect": given}
    assert parse_action(act("sql", **inp)).input["dialect"] == expected


@pytest.mark.parametrize("dialect", ["oracle", "tsql", "", "postgres ", "sqlite3", "mssql"])
def test_sql_dialect_rejected(dialect: str) -> None:
    with pytest.raises(InputError, match="unknown dialect"):
        parse_action(act("sql", dialect=dialect))


@pytest.mark.parametrize("statement", ["", "  ", "\n"])
def test_sql_empty_statement(statement: str) -> None:
    with pytest.raises(InputError, match="statement is empty"):
        parse_action(act("sql", statement=statement))


# --- http ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "Post", "DELETE", "patch", "head", "options", "put"])
def test_http_method_normalised(method: str) -> None:
    assert parse_action(act("http", method=method)).input["method"] == method.upper()


@pytest.mark.parametrize("method", ["", "GET ", "G ET", "get;rm", "GET\n", "P\u017fST"])
def test_http_method_rejected(method: str) -> None:
    with pytest.raises(InputError, match="unknown method"):
        parse_action(act("http", method=method))


def test_http_empty_url() -> None:
    with pytest.raises(InputError, match="url is empty"):
        parse_action(act("http", url=" "))


# --- mcp ----------------------------------------------------------------------------------

def test_mcp_arguments_default_to_empty_object() -> None:
    a = parse_action(act("mcp"))
    assert a.input["arguments"] == {}
    # Defaults are filled, so an explicit empty object is the same action.
    assert a == parse_action(act("mcp", arguments={}))


def test_mcp_annotations_accepted() -> None:
    ann = {"title": "List", "readOnlyHint": True, "destructiveHint": False,
           "idempotentHint": True, "openWorldHint": False}
    assert parse_action(act("mcp", annotations=ann)).input["annotations"] == ann
    assert parse_action(act("mcp", annotations={})).input["annotations"] == {}


@pytest.mark.parametrize("ann,msg", [
    ({"readOnlyHint": "true"}, "'readOnlyHint' must be boolean"),
    ({"destructiveHint": 0}, "'destructiveHint' must be boolean"),
    ({"idempotentHint": None}, "'idempotentHint' must be boolean"),
    ({"title": True}, "'title' must be string"),
    ({"readonlyhint": True}, "unknown field"),
    ({"trustMe": True}, "unknown field"),
])
def test_mcp_annotations_rejected(ann: dict, msg: str) -> None:
    with pytest.raises(InputError, match=msg):
        parse_action(act("mcp", annotations=ann))


# --- files and paths ----------------------------------------------------------------------

@pytest.mark.parametrize("tool", ["file_write", "file_delete"])
def test_file_path_relative_resolves(tool: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    got = parse_action(act(tool, path="a/../b.txt")).input["path"]
    assert got == os.path.join(os.path.realpath(tmp_path), "b.txt")


@pytest.mark.parametrize("tool", ["file_write", "file_delete"])
def test_file_path_symlink_resolved(tool: str, tmp_path: Path) -> None:
    target_dir = tmp_path / "etc-like"
    target_dir.mkdir()
    (target_dir / "passwd").write_text("x")
    (tmp_path / "innocent").symlink_to(target_dir)
    (tmp_path / "file-link").symlink_to(target_dir / "passwd")
    # A symlinked directory in the middle, a symlink as the last component, and a new file
    # (which does not exist yet) under a symlinked directory.
    assert parse_action(act(tool, path=str(tmp_path / "innocent" / "passwd"))).input["path"] \
        == os.path.realpath(target_dir / "passwd")
    assert parse_action(act(tool, path=str(tmp_path / "file-link"))).input["path"] \
        == os.path.realpath(target_dir / "passwd")
    assert parse_action(act(tool, path=str(tmp_path / "innocent" / "new"))).input["path"] \
        == os.path.join(os.path.realpath(target_dir), "new")


def test_file_path_symlink_loop_does_not_raise(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    got = parse_action(act("file_delete", path=str(tmp_path / "a"))).input["path"]
    assert got.startswith(os.path.realpath(tmp_path))


def test_file_path_tilde_expands(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    got = parse_action(act("file_write", path="~/.bashrc")).input["path"]
    assert got == os.path.join(os.path.realpath(tmp_path), ".bashrc")


@pytest.mark.parametrize("tool", ["file_write", "file_delete"])
@pytest.mark.parametrize("path,msg", [("", "path is empty"), ("/tmp/a\x00b", "NUL")])
def test_file_path_rejected(tool: str, path: str, msg: str) -> None:
    with pytest.raises(InputError, match=msg):
        parse_action(act(tool, path=path))


def test_terraform_working_dir_resolved(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    a = parse_action(act("terraform", working_dir=str(tmp_path / "link")))
    assert a.input["working_dir"] == os.path.realpath(tmp_path / "real")


def test_parse_does_not_mutate_its_input() -> None:
    obj = act("sql", dialect="PG")
    before = repr(obj)
    parse_action(obj)
    assert repr(obj) == before
