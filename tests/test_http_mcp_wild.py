"""HTTP and MCP analyzers against real-world and adversarial calls: decisions in production and
sandbox (empty inventory), through the whole pipeline."""

from __future__ import annotations

import pytest

from interlock.analysis.http import analyze_http, normalize_host
from interlock.analysis.mcp import analyze_mcp
from interlock.effects import Risk, Scope, Verb
from interlock.pipeline import Decider

_DECIDERS: dict[str, Decider] = {}


def decide(tool: str, inp: dict, tier: str) -> str:
    d = _DECIDERS.setdefault(tier, Decider(default_tier=tier))
    got = d.decide({"tool": tool, "input": inp})
    return "A" if got.decision == "allow" else "D" if got.decision == "deny" else "R"


def gql(q: str, url: str = "https://api.example.com/graphql") -> dict:
    return {"method": "POST", "url": url, "body": {"query": q}}


HTTP = [
    # GraphQL over POST: queries read, mutations change
    (gql("query { viewer { login } }"), "A", "A"),
    (gql("{ viewer { login } }"), "A", "A"),
    (gql("# mutation { x }\nquery Q { a(s: \"mutation { x }\") }"), "A", "A"),
    (gql("mutation { deleteRepository(input: {id: 1}) { id } }"), "R", "A"),
    (gql("mutation { a: listThings { id } }"), "R", "A"),
    (gql("{ a "), "R", "A"),
    ({"method": "POST", "url": "https://api.example.com/search", "body": {"query": "{ x }"}},
     "R", "A"),
    # AWS query API: the Action decides, not the HTTP method
    ({"method": "GET", "url": "https://ec2.amazonaws.com/?Action=TerminateInstances&InstanceId.1=i-1"},
     "R", "A"),
    ({"method": "GET", "url": "https://ec2.amazonaws.com/?Action=DescribeInstances"}, "A", "A"),
    ({"method": "POST", "url": "https://ec2.amazonaws.com/",
      "body": "Action=TerminateInstances&InstanceId.1=i-1"}, "R", "A"),
    # Kubernetes: exec/attach/port-forward are GETs that run things
    ({"method": "GET", "url": "https://k8s:6443/api/v1/namespaces/p/pods/web/exec?command=sh"},
     "R", "A"),
    ({"method": "GET", "url": "https://k8s:6443/api/v1/namespaces/p/pods/web/log"}, "A", "A"),
    ({"method": "GET", "url": "https://k8s:6443/api/v1/secrets"}, "R", "R"),
    ({"method": "DELETE", "url": "https://k8s:6443/api/v1/namespaces"}, "D", "A"),
    ({"method": "DELETE", "url": "https://api.example.com/api/v1/sessions"}, "R", "A"),
    # Elasticsearch
    ({"method": "POST", "url": "https://es:9200/logs/_search", "body": {"query": {"match_all": {}}}},
     "A", "A"),
    ({"method": "POST", "url": "https://es:9200/logs-*/_delete_by_query",
      "body": {"query": {"match_all": {}}}}, "D", "A"),
    ({"method": "POST", "url": "https://es:9200/logs/_delete_by_query",
      "body": {"query": {"term": {"user": "x"}}}}, "R", "A"),
    ({"method": "DELETE", "url": "https://es:9200/_all"}, "D", "A"),
    ({"method": "POST", "url": "https://es:9200/_bulk", "body": "{\"delete\":{}}"}, "R", "A"),
    # method override
    ({"method": "POST", "url": "https://api.example.com/users/1?_method=DELETE"}, "R", "A"),
    # RPC-style deletes on GET; a docs page with the word inside is still a read
    ({"method": "GET", "url": "https://slack.com/api/chat.delete?channel=x"}, "R", "A"),
    ({"method": "GET", "url": "https://docs.example.com/how-to-delete-account"}, "A", "A"),
    # metadata service behind other spellings of its address
    ({"method": "GET", "url": "http://0xa9fea9fe/latest/meta-data/"}, "R", "R"),
    ({"method": "GET", "url": "http://2852039166/latest/meta-data/"}, "R", "R"),
    ({"method": "GET", "url": "http://0251.0376.0251.0376/latest/meta-data/"}, "R", "R"),
    ({"method": "GET", "url": "http://[::ffff:169.254.169.254]/latest/meta-data/"}, "R", "R"),
    # JSON-RPC, and MCP over HTTP
    ({"method": "POST", "url": "https://rpc.example.com/",
      "body": {"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": []}}, "A", "A"),
    ({"method": "POST", "url": "https://mcp.example.com/mcp",
      "body": {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": "drop_database", "arguments": {}}}}, "D", "A"),
]


@pytest.mark.parametrize(("inp", "prod", "sandbox"), HTTP)
def test_http_decisions(inp: dict, prod: str, sandbox: str) -> None:
    assert (decide("http", inp, "production"), decide("http", inp, "sandbox")) == (prod, sandbox)


@pytest.mark.parametrize(("host", "want"), [
    ("EXAMPLE.com.", "example.com"),
    ("0xa9fea9fe", "169.254.169.254"),
    ("169.254.43518", "169.254.169.254"),
    ("::ffff:a9fe:a9fe", "169.254.169.254"),
    ("FD00:EC2:0::254", "fd00:ec2::254"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("deadbeef.example.com", "deadbeef.example.com"),
    ("10.0.0.1", "10.0.0.1"),
])
def test_normalize_host(host: str, want: str) -> None:
    assert normalize_host(host) == want


def test_aws_action_named_in_resource() -> None:
    (eff,) = analyze_http("GET", "https://ec2.amazonaws.com/?Action=TerminateInstances")
    assert eff.verb is Verb.DELETE and "Action=TerminateInstances" in eff.resource


def test_graphql_mutation_field_names_set_the_verb() -> None:
    (eff,) = analyze_http("POST", "https://x/graphql",
                          {"query": "mutation { deleteUser(id: 1) { id } }"})
    assert eff.verb is Verb.DELETE and "deleteUser" in eff.detail


def m(server: str, tool: str, arguments: dict | None = None, annotations: dict | None = None) -> dict:
    out: dict = {"server": server, "tool": tool, "arguments": arguments or {}}
    if annotations is not None:
        out["annotations"] = annotations
    return out


MCP = [
    # SQL carried by tools of known SQL servers, whatever the tool is called
    (m("supabase", "apply_migration", {"name": "x", "query": "DROP TABLE users"}), "D", "A"),
    (m("sqlite", "create_table", {"query": "CREATE TABLE x (a)"}), "R", "A"),
    (m("mysql", "mysql_query", {"sql": "/*!50000 DROP TABLE x */"}), "D", "A"),
    (m("postgres", "query", {"sql": "SET search_path TO app"}), "A", "A"),
    (m("postgres", "query", {"sql": "BEGIN"}), "A", "A"),
    (m("github", "search_repositories", {"query": "DROP TABLE users"}), "A", "A"),
    # a CLI string in the arguments
    (m("aws", "call_aws", {"cli_command": "aws s3 ls"}), "A", "A"),
    (m("aws", "call_aws", {"cli_command": "aws ec2 terminate-instances --instance-ids i-1"}),
     "R", "A"),
    (m("kubernetes", "kubectl_generic", {"command": "delete ns payments"}), "D", "A"),
    # names that drop a whole store of data
    (m("github", "delete_repository", {"owner": "a", "repo": "b"}), "D", "A"),
    (m("mongodb", "drop-collection", {"database": "x", "collection": "y"}), "D", "A"),
    (m("mongodb", "delete-many", {"filter": {}}), "D", "A"),
    (m("mongodb", "delete-many", {"filter": {"age": 3}}), "R", "A"),
    (m("redis", "flushall"), "D", "A"),
    (m("x", "deleterepo"), "D", "A"),
    (m("x", "terraform_destroy"), "D", "A"),
    (m("x", "remove_bucket_policy"), "R", "A"),
    # other words for destroy / change
    (m("x", "force_push"), "R", "A"),
    (m("x", "nuke_env"), "R", "A"),
    (m("x", "reset_password"), "R", "A"),
    (m("x", "shutdown_instance"), "R", "A"),
    # secrets are read_secret; listing them is not
    (m("x", "get_secret_value"), "R", "R"),
    (m("x", "get_api_key"), "R", "R"),
    (m("x", "list_secrets"), "A", "A"),
    # lying annotations lose to the name; a URL to the metadata service is a secret read
    (m("x", "delete_x", annotations={"readOnlyHint": True}), "R", "A"),
    (m("fetch", "fetch", {"url": "http://169.254.169.254/latest/meta-data/"}), "R", "R"),
    (m("fetch", "fetch", {"url": "https://example.com/"}), "A", "A"),
]


@pytest.mark.parametrize(("inp", "prod", "sandbox"), MCP)
def test_mcp_decisions(inp: dict, prod: str, sandbox: str) -> None:
    assert (decide("mcp", inp, "production"), decide("mcp", inp, "sandbox")) == (prod, sandbox)


def test_mass_name_effect() -> None:
    (eff,) = analyze_mcp("mongodb", "dropDatabase", {}, None)
    assert (eff.verb, eff.scope, eff.stateful) == (Verb.DELETE, Scope.ALL, True)
    assert Risk.MASS_DESTRUCTION in eff.risks


def test_sql_server_dialect_from_server_name() -> None:
    effects = analyze_mcp("mariadb", "run", {"query": "/*!DROP TABLE t*/"}, None)
    assert [(e.verb, e.resource) for e in effects] == [(Verb.DELETE, "table t")]
