"""MCP analyzer: annotations (claims), tool-name words, delegation to SQL/shell."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.analysis.mcp import analyze_mcp, name_words
from interlock.effects import Risk, Target, Verb
from interlock.errors import InputError


@pytest.mark.parametrize(("name", "words"), [
    ("delete_user", ["delete", "user"]),
    ("deleteUserRecord", ["delete", "user", "record"]),
    ("list-S3Buckets", ["list", "s3", "buckets"]),
    ("get.HTTPResponse", ["get", "httpresponse"]),
    ("", []),
])
def test_name_words(name, words):
    assert name_words(name) == words


CASES = [
    # (tool, arguments, annotations, verb, detail fragment)
    ("list_issues", {}, None, Verb.READ, "tool name suggests read"),
    ("getFile", {}, None, Verb.READ, ""),
    ("search_code", {"query": "foo"}, None, Verb.READ, ""),
    ("create_issue", {}, None, Verb.CREATE, ""),
    ("add-comment", {}, None, Verb.CREATE, ""),
    ("update_issue", {}, None, Verb.UPDATE, ""),
    ("write_file", {}, None, Verb.UPDATE, ""),
    ("delete_branch", {}, None, Verb.DELETE, ""),
    ("purgeCache", {}, None, Verb.DELETE, ""),
    ("run_tests", {}, None, Verb.EXECUTE, ""),
    ("frobnicate", {}, None, Verb.OPAQUE, "says nothing"),
    ("query", {}, None, Verb.OPAQUE, "query tool"),
    # annotations are claims, reported as such
    ("frobnicate", {}, {"readOnlyHint": True}, Verb.READ,
     "annotation readOnlyHint=true (server's claim)"),
    ("frobnicate", {}, {"destructiveHint": True}, Verb.DELETE, "destructiveHint=true"),
    ("frobnicate", {}, {"destructiveHint": False}, Verb.UPDATE, "destructiveHint=false"),
    ("frobnicate", {}, {"idempotentHint": True}, Verb.OPAQUE, ""),
    # a read-only claim does not survive a name that says delete: the stricter wins
    ("drop_table", {}, {"readOnlyHint": True}, Verb.DELETE, "overridden by the tool name"),
    ("delete_repo", {}, {"readOnlyHint": True, "destructiveHint": False}, Verb.DELETE, ""),
    ("list_items", {}, {"destructiveHint": True}, Verb.DELETE, ""),
]


@pytest.mark.parametrize(("tool", "arguments", "annotations", "verb", "fragment"), CASES)
def test_mcp_cases(tool, arguments, annotations, verb, fragment):
    (eff,) = analyze_mcp("srv", tool, arguments, annotations)
    assert eff.verb is verb
    assert eff.resource == f"mcp srv/{tool}"
    assert f"mcp srv/{tool}" in eff.detail
    assert fragment in eff.detail
    assert eff.targets == ()


def test_url_argument_is_the_target():
    (eff,) = analyze_mcp("web", "fetch", {"url": "https://Docs.Example.com/x?k=1"}, None)
    assert eff.targets == (Target("host", "docs.example.com"),)
    (eff,) = analyze_mcp("web", "fetch", {"url": "not a url"}, None)
    assert eff.targets == ()


def test_sql_argument_is_analysed():
    effs = analyze_mcp("pg", "query", {"sql": "DROP TABLE users"}, {"readOnlyHint": True})
    assert [e.verb for e in effs] == [Verb.DELETE]
    assert Risk.MASS_DESTRUCTION in effs[0].risks
    assert "mcp pg/query" in effs[0].detail


def test_sql_database_argument_gives_targets():
    (eff,) = analyze_mcp("pg", "run_sql", {"query": "SELECT 1",
                                           "database": "postgres://u:pw@db.prod/app"}, None)
    assert eff.verb is Verb.READ
    assert Target("host", "db.prod") in eff.targets
    assert "pw" not in str(eff.to_json())


def test_mysql_tool_uses_mysql_dialect():
    (eff,) = analyze_mcp("db", "mysql_query", {"sql": "SELECT load_file('/etc/shadow')"}, None)
    assert eff.verb is Verb.READ_SECRET


def test_command_argument_goes_to_the_shell_analyzer():
    effs = analyze_mcp("sh", "run_command", {"command": "rm -rf /"}, None)
    assert effs  # shell analyzer result, or opaque while it is not importable
    assert all(e.verb is not Verb.READ for e in effs)
    assert all("mcp sh/run_command" in e.detail for e in effs)


@pytest.mark.parametrize(("args", "exc"), [
    (("s", "t", [], None), InputError),
    (("s", "t", {}, []), InputError),
])
def test_bad_input(args, exc):
    with pytest.raises(exc):
        analyze_mcp(*args)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
                     max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(), st.dictionaries(
    st.sampled_from(["url", "sql", "query", "x", "database"]), _json, max_size=4),
    st.none() | st.fixed_dictionaries({}, optional={
        "readOnlyHint": st.booleans(), "destructiveHint": st.booleans()}))
def test_random_input_raises_only_input_error(server, tool, arguments, annotations):
    try:
        effects = analyze_mcp(server, tool, arguments, annotations)
    except InputError:
        return
    assert effects
