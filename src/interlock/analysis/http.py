"""HTTP requests → Effects: the method says the verb, a table of known APIs says more.

The target is the URL's host; the resource names method, scheme, host and path but never the
query string or userinfo (they carry tokens).
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..effects import Effect, Risk, Scope, Target, Verb, opaque
from ..errors import InputError

_METHOD_VERBS: dict[str, Verb] = {
    "GET": Verb.READ, "HEAD": Verb.READ, "OPTIONS": Verb.READ,
    "POST": Verb.CREATE, "PUT": Verb.UPDATE, "PATCH": Verb.UPDATE, "DELETE": Verb.DELETE,
    # WebDAV (RFC 4918, 3253 DeltaV, 3744 ACL, 5842 BIND, 4791 CalDAV, 5323 SEARCH) and the
    # draft QUERY method: the safe ones read, the rest change the collection.
    "PROPFIND": Verb.READ, "REPORT": Verb.READ, "SEARCH": Verb.READ, "QUERY": Verb.READ,
    "MKCOL": Verb.CREATE, "MKCALENDAR": Verb.CREATE, "MKWORKSPACE": Verb.CREATE,
    "MKACTIVITY": Verb.CREATE, "COPY": Verb.UPDATE, "MOVE": Verb.UPDATE,
    "PROPPATCH": Verb.UPDATE, "LOCK": Verb.UPDATE, "UNLOCK": Verb.UPDATE,
    "ORDERPATCH": Verb.UPDATE, "BIND": Verb.UPDATE, "REBIND": Verb.UPDATE,
    "UNBIND": Verb.DELETE, "CHECKIN": Verb.UPDATE, "CHECKOUT": Verb.UPDATE,
    "UNCHECKOUT": Verb.UPDATE, "VERSION-CONTROL": Verb.UPDATE, "LABEL": Verb.UPDATE,
    "MERGE": Verb.UPDATE, "UPDATE": Verb.UPDATE, "BASELINE-CONTROL": Verb.UPDATE,
    "ACL": Verb.PRIVILEGE,
    # Cache invalidation (Varnish, Squid, nginx, Fastly): evicts copies the origin still
    # has, so an update of the cache rather than a deletion of data.
    "PURGE": Verb.UPDATE, "BAN": Verb.UPDATE, "REFRESH": Verb.UPDATE,
    # RFC 2068 link maintenance
    "LINK": Verb.UPDATE, "UNLINK": Verb.UPDATE,
}
# Details for the methods above that are not plain CRUD (default: "HTTP METHOD").
_METHOD_DETAILS: dict[str, str] = {
    "PURGE": "cache invalidation: evicts cached copies (the origin keeps the data)",
    "BAN": "cache invalidation: evicts every cached copy matching a pattern",
    "REFRESH": "cache invalidation",
    "COPY": "WebDAV COPY (may overwrite the destination)",
    "MOVE": "WebDAV MOVE (may overwrite the destination)",
    "ACL": "WebDAV ACL changes access control",
    "LOCK": "WebDAV LOCK blocks other writers",
}
_MASS = frozenset({Risk.MASS_DESTRUCTION})

# Cloud instance metadata services: they hand out the instance's credentials.
METADATA_HOSTS = frozenset({
    "169.254.169.254", "metadata.google.internal", "metadata", "fd00:ec2::254",
    "169.254.170.2", "100.100.100.200", "metadata.azure.com",
})


@dataclass(frozen=True, slots=True)
class ApiRule:
    """A known API call. `path` segments: literal, `{name}` (one segment, captured), `**` (rest)."""

    hosts: tuple[str, ...]          # exact hosts, or "*" for any (path shape is specific enough)
    methods: tuple[str, ...]
    path: str
    verb: Verb | None = None        # None: keep the method's verb
    resource: str = ""              # template over the captures
    scope: Scope = Scope.ONE
    risks: frozenset[Risk] = frozenset()
    stateful: bool = False
    detail: str = ""
    target: tuple[str, str] | None = None  # (target kind, capture name)


_ANY = ("*",)
_GH = ("api.github.com",)
_ALL = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")

# First match wins, so specific shapes come before general ones.
_EXEC_SUBRESOURCES = ("exec", "attach", "portforward", "proxy")
_ES_READS = ("_search", "_msearch", "_count", "_mget", "_sql", "_field_caps", "_validate",
             "_explain", "_termvectors", "_mtermvectors", "_analyze", "_eql", "_async_search",
             "_render", "_knn_search", "_terms_enum", "_pit", "_resolve")

_ES_READ_PAIRS = frozenset({("_search", "scroll"), ("_search", "template"),
                            ("_msearch", "template"), ("_render", "template"),
                            ("_validate", "query"), ("_eql", "search"), ("_sql", "translate")})
_ES_PREFIXES = frozenset({"_all", "_plugins", "_opendistro"})  # `/_plugins/_sql`

API_RULES: tuple[ApiRule, ...] = (
    # Kubernetes API server (any host: the path shape is unmistakable). `kubectl exec`,
    # `attach`, `port-forward` and the proxy are GETs (websocket upgrades) that run commands
    # or reach into the pod: never reads.
    *(ApiRule(_ANY, _ALL, f"api/v1/namespaces/{{ns}}/pods/{{name}}/{sub}/**",
              verb=Verb.EXECUTE, resource="k8s/pods/{ns}/{name}",
              detail=f"pods/{sub}: runs commands in or reaches into a pod",
              target=("k8s_namespace", "ns")) for sub in _EXEC_SUBRESOURCES),
    *(ApiRule(_ANY, _ALL, f"api/v1/namespaces/{{ns}}/services/{{name}}/{sub}/**",
              verb=Verb.EXECUTE, resource="k8s/services/{ns}/{name}",
              detail=f"services/{sub}: reaches into a service", target=("k8s_namespace", "ns"))
      for sub in ("proxy",)),
    ApiRule(_ANY, _ALL, "api/v1/nodes/{name}/proxy/**", verb=Verb.EXECUTE,
            resource="k8s/nodes/{name}", detail="nodes/proxy: reaches the kubelet API"),
    ApiRule(_ANY, ("POST",), "api/v1/namespaces/{ns}/serviceaccounts/{name}/token",
            verb=Verb.READ_SECRET, resource="k8s/serviceaccount/{ns}/{name}",
            detail="mints a service account token", target=("k8s_namespace", "ns")),
    ApiRule(_ANY, ("GET",), "api/v1/secrets", verb=Verb.READ_SECRET, resource="k8s/secret/*",
            detail="reads the secrets of every namespace"),
    ApiRule(_ANY, ("DELETE",), "apis/apiextensions.k8s.io/{version}/customresourcedefinitions/**",
            resource="k8s/customresourcedefinitions", scope=Scope.ALL, risks=_MASS,
            stateful=True, detail="deleting a CRD deletes every resource of its kind"),
    ApiRule(_ANY, ("DELETE",), "api/v1/persistentvolumes/{name}",
            resource="k8s/persistentvolumes/{name}", stateful=True,
            detail="deletes a persistent volume (its data, if the reclaim policy is Delete)"),
    *(ApiRule(_ANY, ("DELETE",), f"api/v1/{kind}", resource=f"k8s/{kind}/*", scope=Scope.ALL,
              risks=_MASS, stateful=True, detail="deletes a whole cluster-wide collection")
      for kind in ("namespaces", "nodes", "persistentvolumes")),
    *(ApiRule(_ANY, ("DELETE",), f"api/v1/{kind}/{{name}}", resource=f"k8s/{kind}/{{name}}")
      for kind in ("nodes",)),
    ApiRule(_ANY, ("DELETE",), "api/v1/namespaces/{ns}", resource="k8s/namespace/{ns}",
            scope=Scope.ALL, risks=_MASS, stateful=True, detail="deletes a namespace and all in it",
            target=("k8s_namespace", "ns")),
    ApiRule(_ANY, ("GET",), "api/v1/namespaces/{ns}/secrets/**", verb=Verb.READ_SECRET,
            resource="k8s/secret/{ns}", detail="reads Kubernetes secrets",
            target=("k8s_namespace", "ns")),
    ApiRule(_ANY, ("DELETE",), "api/v1/namespaces/{ns}/{kind}", resource="k8s/{kind}/{ns}/*",
            scope=Scope.ALL, risks=_MASS, stateful=True, detail="deletes a whole collection",
            target=("k8s_namespace", "ns")),
    ApiRule(_ANY, ("DELETE",), "apis/{group}/{version}/namespaces/{ns}/{kind}",
            resource="k8s/{kind}/{ns}/*", scope=Scope.ALL, risks=_MASS, stateful=True,
            detail="deletes a whole collection", target=("k8s_namespace", "ns")),
    ApiRule(_ANY, ("POST", "PUT", "PATCH"), "apis/rbac.authorization.k8s.io/**",
            verb=Verb.PRIVILEGE, resource="k8s/rbac", detail="changes Kubernetes RBAC"),
    ApiRule(_ANY, _ALL, "api/v1/namespaces/{ns}/{kind}/{name}/**",
            resource="k8s/{kind}/{ns}/{name}", target=("k8s_namespace", "ns")),
    ApiRule(_ANY, _ALL, "apis/{group}/{version}/namespaces/{ns}/{kind}/{name}/**",
            resource="k8s/{kind}/{ns}/{name}", target=("k8s_namespace", "ns")),
    ApiRule(_ANY, _ALL, "api/v1/namespaces/{ns}/**", resource="k8s/namespace/{ns}",
            target=("k8s_namespace", "ns")),
    ApiRule(_ANY, _ALL, "apis/{group}/{version}/namespaces/{ns}/**",
            resource="k8s/namespace/{ns}", target=("k8s_namespace", "ns")),
    # GitHub REST API
    ApiRule(_GH, ("DELETE",), "repos/{owner}/{repo}", resource="github/repo/{owner}/{repo}",
            scope=Scope.ALL, risks=_MASS, stateful=True, detail="deletes a repository"),
    ApiRule(_GH, ("PUT", "DELETE"), "repos/{owner}/{repo}/collaborators/{user}",
            verb=Verb.PRIVILEGE, resource="github/repo/{owner}/{repo}/collaborator/{user}"),
    ApiRule(_GH, ("PUT", "POST", "DELETE"), "repos/{owner}/{repo}/branches/{branch}/protection/**",
            verb=Verb.PRIVILEGE, resource="github/repo/{owner}/{repo}/branch/{branch}/protection",
            detail="changes branch protection"),
    ApiRule(_GH, ("PUT", "DELETE", "PATCH"), "orgs/{org}/memberships/{user}", verb=Verb.PRIVILEGE,
            resource="github/org/{org}/member/{user}"),
    ApiRule(_GH, ("PUT", "DELETE"), "orgs/{org}/members/{user}", verb=Verb.PRIVILEGE,
            resource="github/org/{org}/member/{user}"),
    ApiRule(_GH, ("PUT", "POST", "DELETE"), "repos/{owner}/{repo}/actions/secrets/**",
            verb=Verb.PRIVILEGE, resource="github/repo/{owner}/{repo}/secrets",
            detail="changes Actions secrets"),
    ApiRule(_GH, ("DELETE",), "orgs/{org}", resource="github/org/{org}", scope=Scope.ALL,
            risks=_MASS, stateful=True, detail="deletes an organization"),
    ApiRule(_GH, _ALL, "repos/{owner}/{repo}/**", resource="github/repo/{owner}/{repo}"),
    # Elasticsearch / OpenSearch (any host: the `_`-prefixed endpoints are unmistakable)
    ApiRule(_ANY, ("POST",), "{index}/_delete_by_query", verb=Verb.DELETE,
            resource="elasticsearch/index/{index}", scope=Scope.MANY, stateful=True,
            detail="deletes the documents a query matches"),
    ApiRule(_ANY, ("POST",), "{index}/_update_by_query", verb=Verb.UPDATE,
            resource="elasticsearch/index/{index}", scope=Scope.MANY, stateful=True,
            detail="updates the documents a query matches"),
    ApiRule(_ANY, ("POST", "PUT"), "_bulk", verb=Verb.UPDATE, resource="elasticsearch/_bulk",
            scope=Scope.MANY, stateful=True, detail="bulk index/update/delete"),
    ApiRule(_ANY, ("POST", "PUT"), "{index}/_bulk", verb=Verb.UPDATE,
            resource="elasticsearch/index/{index}", scope=Scope.MANY, stateful=True,
            detail="bulk index/update/delete"),
)


def _match(rule_path: str, segs: list[str]) -> dict[str, str] | None:
    parts = rule_path.split("/")
    caps: dict[str, str] = {}
    for i, p in enumerate(parts):
        if p == "**":
            return caps
        if i >= len(segs):
            return None
        if p.startswith("{"):
            caps[p[1:-1]] = segs[i]
        elif p != segs[i]:
            return None
    return caps if len(segs) == len(parts) else None


def parse_url(url: str) -> tuple[str, str, str]:
    """(scheme, host, path) of an http(s) URL; InputError for anything else."""
    if any(c in url for c in "\x00\r\n\t "):
        raise InputError("http: url contains whitespace or control characters")
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError as exc:
        raise InputError(f"http: malformed url: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"http: url scheme must be http or https, got {parts.scheme or 'none'!r}")
    if not host:
        raise InputError("http: url has no host")
    return scheme, normalize_host(host), parts.path or "/"


def normalize_host(host: str) -> str:
    """The host as the resolver sees it, so inventory globs and the metadata list match:
    lower case, no trailing dot, IP literals canonical (`0xa9fea9fe`, `2852039166`,
    `::ffff:169.254.169.254` → `169.254.169.254`), IDN in punycode."""
    host = host.rstrip(".").lower()
    if ":" in host:
        try:
            ip6 = ipaddress.IPv6Address(host.partition("%")[0])
        except ValueError:
            return host
        return str(ip6.ipv4_mapped or ip6.compressed)
    if re.fullmatch(r"[0-9a-fx.]+", host) and re.search(r"[0-9]", host):
        try:  # the forms curl and libc accept: hex, octal, decimal, 1-3 parts
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return host
    if not host.isascii():
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError:
            return host
    return host


def analyze_http(method: str, url: str, body: object = None) -> list[Effect]:
    if not isinstance(method, str) or not isinstance(url, str):
        raise InputError("http: method and url must be strings")
    method = method.upper()
    scheme, host, path = parse_url(url)
    query = _query(url)
    form = _body(body)
    override = _method_override(query, form)
    if override is not None and _METHOD_VERBS.get(override) not in (None, Verb.READ):
        method = override  # `_method=DELETE` on a POST: frameworks route it as a DELETE
    shown_host = f"[{host}]" if ":" in host else host
    resource = f"http {method} {scheme}://{shown_host}{path}"
    targets: tuple[Target, ...] = (Target("host", host),)
    verb = _METHOD_VERBS.get(method)
    if verb is None:
        return [opaque(resource, f"HTTP {method}: a method whose effect is not known", targets)]

    if host in METADATA_HOSTS:
        return [Effect(Verb.READ_SECRET, resource, targets,
                       detail="cloud instance metadata service (hands out credentials)")]

    aws = _aws_query_action(host, method, query, form, resource, targets)
    if aws is not None:
        return [aws]

    raw = [unquote(s) for s in path.strip("/").split("/") if s]
    segs = _remove_dot_segments(raw)
    out = _path_effects(method, verb, host, segs, query, form, resource, targets)
    if segs != raw:
        # Clients remove `.`/`..` (RFC 3986) but a server may see them as sent: both count.
        out += [e for e in _path_effects(method, verb, host, raw, query, form, resource, targets)
                if e not in out]
    return out


def _remove_dot_segments(segs: list[str]) -> list[str]:
    out: list[str] = []
    for s in segs:
        if s == "..":
            if out:
                out.pop()
        elif s != ".":
            out.append(s)
    return out


def _path_effects(method: str, verb: Verb, host: str, segs: list[str], query: dict[str, str],
                  form: Any, resource: str, targets: tuple[Target, ...]) -> list[Effect]:
    es = _es_endpoint(method, segs, form, resource, targets)
    if es is not None:
        return [es]
    for rule in API_RULES:
        if method not in rule.methods or (rule.hosts != _ANY and host not in rule.hosts):
            continue
        caps = _match(rule.path, segs)
        if caps is None:
            continue
        rverb = rule.verb or verb
        extra = targets
        if rule.target is not None:
            extra = targets + (Target(rule.target[0], caps[rule.target[1]]),)
        return [Effect(rverb, rule.resource.format(**caps), extra,
                       reversible=rverb in (Verb.READ, Verb.READ_SECRET, Verb.CREATE)
                       and not rule.risks,
                       stateful=rule.stateful, scope=rule.scope, risks=rule.risks,
                       detail=" — ".join(x for x in (resource, rule.detail) if x))]
    if method == "POST":
        rpc = _rpc_body(host, form, resource, targets, segs, query)
        if rpc is not None:
            return rpc
    if method in ("GET", "POST"):
        gql = _graphql(segs, query, form, resource, targets)
        if gql is not None:
            return [gql]
    if verb is Verb.READ and segs:
        # RPC-style APIs act on GET (`/api/chat.delete`, `/admin/delete_all_users`).
        from .mcp import name_words
        words = name_words(segs[-1])  # method-like: the verb leads or ends (`deleteMessage`)
        if words and _DELETE_WORDS.intersection((words[0], words[-1])):
            return [Effect(Verb.DELETE, resource, targets, reversible=False,
                           detail=f"HTTP {method} to an endpoint named for deletion")]
    return [Effect(verb, resource, targets, reversible=verb in (Verb.READ, Verb.CREATE),
                   detail=_METHOD_DETAILS.get(method, f"HTTP {method}"))]


_DELETE_WORDS = frozenset({"delete", "remove", "destroy", "drop", "purge", "wipe", "truncate",
                           "terminate", "erase", "uninstall", "revoke", "kill", "flush",
                           "flushall", "flushdb"})


def _query(url: str) -> dict[str, str]:
    try:
        return {k.lower(): v for k, v in parse_qsl(urlsplit(url.strip()).query,
                                                   keep_blank_values=True)}
    except ValueError:
        return {}


def _body(body: object) -> Any:
    """The body as data: JSON text decoded, `a=b&c=d` form text as a dict."""
    if isinstance(body, str):
        text = body.strip()
        if text[:1] in ("{", "["):
            try:
                return json.loads(text)
            except ValueError:
                return body
        if "=" in text and "\n" not in text and " " not in text:
            return dict(parse_qsl(text, keep_blank_values=True))
    return body


def _method_override(query: dict[str, str], form: Any) -> str | None:
    for d in (query, form if isinstance(form, dict) else {}):
        for key in ("_method", "x-http-method-override", "x-http-method", "x-method-override"):
            v = next((v for k, v in d.items() if isinstance(k, str) and k.lower() == key), None)
            if isinstance(v, str) and v.strip():
                return v.strip().upper()
    return None


# AWS query APIs (EC2, IAM, STS, SQS, SNS, RDS …): `?Action=TerminateInstances`, on GET or in
# a form body. The action's first word decides, like `aws` CLI operations.
_AWS_READ_PREFIXES = ("Describe", "List", "Get", "Search", "Lookup", "Check", "Validate",
                      "Estimate", "Preview", "Simulate", "Test", "View")
_AWS_PRIVILEGE_HOSTS = ("iam.", "sts.", "sso.", "organizations.", "kms.")
# Services that speak the query protocol (`{service}[-fips].{region}.amazonaws.com`). Others on
# amazonaws.com (S3, API Gateway `execute-api`, Lambda URLs, …) serve the customer's own paths,
# where `Action=` is just a parameter.
_AWS_QUERY_SERVICES = frozenset({
    "ec2", "iam", "sts", "sqs", "sns", "rds", "elasticloadbalancing", "autoscaling",
    "cloudformation", "monitoring", "elasticache", "redshift", "email", "ses", "sdb",
    "elasticbeanstalk", "importexport", "cloudsearch", "elasticmapreduce", "docdb", "neptune",
    "cloudwatch",
})


def _aws_query_host(host: str) -> bool:
    if not host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return False
    service = host.split(".", 1)[0].removesuffix("-fips")
    return service in _AWS_QUERY_SERVICES


def _aws_query_action(host: str, method: str, query: dict[str, str], form: Any, resource: str,
                      targets: tuple[Target, ...]) -> Effect | None:
    if method not in ("GET", "POST") or not _aws_query_host(host):
        return None
    actions = [a for a in (query.get("action"), form.get("Action") if isinstance(form, dict)
                           else None) if isinstance(a, str) and a]
    if not actions:
        return None
    # Both in the query string and the form body: which one the service reads is not ours to
    # guess, so the stricter decides.
    return max((_aws_action_effect(host, a, resource, targets) for a in actions),
               key=lambda e: _strictness(e.verb))


def _aws_action_effect(host: str, action: str, resource: str,
                       targets: tuple[Target, ...]) -> Effect:
    res = f"{resource}?Action={action}"
    if action.startswith(_AWS_READ_PREFIXES):
        secret = action in ("GetSecretValue", "GetParameter", "GetParameters",
                            "GetSessionToken", "AssumeRole", "GetFederationToken")
        return Effect(Verb.READ_SECRET if secret else Verb.READ, res, targets,
                      detail=f"AWS API {action}")
    from .mcp import _name_verb, name_words
    verb = _name_verb(name_words(action)) or Verb.OPAQUE
    if verb is Verb.READ:
        verb = Verb.OPAQUE  # a read word that is not the first word: cannot tell
    if host.startswith(_AWS_PRIVILEGE_HOSTS) and verb is not Verb.OPAQUE:
        verb = Verb.PRIVILEGE
    return Effect(verb, res, targets, reversible=False, detail=f"AWS API {action}")


def _es_endpoint(method: str, segs: list[str], form: Any, resource: str,
                 targets: tuple[Target, ...]) -> Effect | None:
    """Elasticsearch/OpenSearch: POST searches are reads; deleting every index, or a wildcard
    of them, is mass destruction; `_delete_by_query` matching everything is too."""
    if method == "POST" and _es_read(segs):
        return Effect(Verb.READ, resource, targets, detail="Elasticsearch search/read API")
    if method == "DELETE" and len(segs) == 1 and (
            segs[0] in ("_all", "*") or "*" in segs[0] or "," in segs[0]):
        return Effect(Verb.DELETE, f"elasticsearch/index/{segs[0]}", targets, reversible=False,
                      stateful=True, scope=Scope.ALL, risks=_MASS,
                      detail=f"{resource} — deletes every index the pattern matches")
    if method == "POST" and len(segs) == 2 and segs[1] == "_delete_by_query" and isinstance(
            form, dict) and _es_match_all(form.get("query")):
        return Effect(Verb.DELETE, f"elasticsearch/index/{segs[0]}", targets, reversible=False,
                      stateful=True, scope=Scope.ALL, risks=_MASS,
                      detail=f"{resource} — match_all: deletes every document")
    return None


def _es_read(segs: list[str]) -> bool:
    """The endpoint is the LAST segment (or a known two-segment one like `_search/scroll`),
    and everything before it names indices: `logs/_update/_count` is not a count."""
    n = 2 if tuple(segs[-2:]) in _ES_READ_PAIRS else 1
    if len(segs) < n or (n == 1 and segs[-1] not in _ES_READS):
        return False
    return all(not s.startswith("_") or s in _ES_PREFIXES for s in segs[:-n])


def _es_match_all(q: object) -> bool:
    return q is None or (isinstance(q, dict) and set(q) == {"match_all"})


# GraphQL: a document of only queries reads; any mutation or subscription changes.
_GQL_TOKEN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*'
                        r'|[A-Za-z_][A-Za-z0-9_]*|\.\.\.|[{}()\[\]:$@=!|&,]|\S')


def _graphql_ops(doc: str) -> list[tuple[str, list[str]]] | None:
    """[(operation type, top-level field names)] of a GraphQL document; None if unreadable."""
    toks = [t for t in _GQL_TOKEN.findall(doc) if not t.startswith("#") and t != ","]
    ops: list[tuple[str, list[str]]] = []
    depth, paren, i, op = 0, 0, 0, None
    while i < len(toks):
        t = toks[i]
        if t == "(":
            paren += 1
        elif t == ")":
            paren -= 1
        elif paren:
            pass
        elif t == "{":
            if depth == 0 and op is None:
                op = ("query", [])  # the `{ … }` shorthand is a query
                ops.append(op)
            depth += 1
        elif t == "}":
            depth -= 1
            if depth == 0:
                op = None
            if depth < 0:
                return None
        elif depth == 0 and t in ("query", "mutation", "subscription", "fragment"):
            op = (t, [])
            ops.append(op)
        elif depth == 1 and op is not None and re.match(r"[A-Za-z_]", t):
            if i + 1 < len(toks) and toks[i + 1] == ":":  # `alias: field`
                i += 2
                t = toks[i] if i < len(toks) else t
            op[1].append(t)
        i += 1
    return ops if depth == 0 and paren == 0 and ops else None


_GQL_KEYS = frozenset({"variables", "operationName", "extensions", "operationname"})


def _graphql(segs: list[str], query: dict[str, str], form: Any, resource: str,
             targets: tuple[Target, ...]) -> Effect | None:
    items = form if isinstance(form, list) else [form] if isinstance(form, dict) else []
    # `{"query": …}` is a GraphQL request at a /graphql endpoint or with GraphQL's other keys;
    # elsewhere it may be a search or SQL API and says nothing.
    if not any("graphql" in s.lower() for s in segs) and not any(
            isinstance(d, dict) and (_GQL_KEYS & set(d)) for d in items):
        return None
    docs: list[Any] = [d["query"] for d in items
                       if isinstance(d, dict) and isinstance(d.get("query"), str)]
    at_endpoint = bool(segs) and "graphql" in segs[-1].lower()
    if len(docs) < len(items) or (not items and at_endpoint and "query" not in query
                                  and _GQL_KEYS & set(query)):
        # A persisted query (`extensions.persistedQuery`, `id`) runs text the server holds.
        return Effect(Verb.OPAQUE, resource, targets, reversible=False,
                      detail="GraphQL request without a readable query (persisted query?)")
    if not docs and "query" in query and at_endpoint:
        docs.append(query["query"])
    if not docs:
        return None
    from .mcp import _name_verb, name_words
    verb = Verb.READ
    fields: list[str] = []
    for doc in docs:
        ops = _graphql_ops(doc)
        if ops is None:
            return Effect(Verb.OPAQUE, resource, targets, detail="GraphQL document not understood")
        for kind, names in ops:
            if kind in ("mutation", "subscription"):
                fields += names
                fverb = max((_name_verb(name_words(n)) or Verb.UPDATE for n in names),
                            key=_strictness, default=Verb.UPDATE)
                if fverb is Verb.READ:
                    fverb = Verb.UPDATE  # a mutation changes something, whatever its name
                verb = max(verb, fverb, key=_strictness)
    if verb is Verb.READ:
        return Effect(Verb.READ, resource, targets, detail="GraphQL query (no mutation)")
    return Effect(verb, resource, targets, reversible=False,
                  detail=f"GraphQL mutation {', '.join(fields[:5]) or '?'}")


def _strictness(v: Verb) -> int:
    from .mcp import _STRICTNESS
    return _STRICTNESS.get(v, len(_STRICTNESS))


def _rpc_body(host: str, form: Any, resource: str, targets: tuple[Target, ...],
              segs: list[str], query: dict[str, str]) -> list[Effect] | None:
    """JSON-RPC: MCP `tools/call` is an MCP tool call; otherwise the method name's words."""
    calls = form if isinstance(form, list) else [form]
    if not calls or not all(isinstance(c, dict) and c.get("jsonrpc") and isinstance(
            c.get("method"), str) for c in calls):
        return None
    from .mcp import _name_verb, analyze_mcp, name_words
    out: list[Effect] = []
    for c in calls:
        params = c.get("params")
        if c["method"] == "tools/call" and isinstance(params, dict) and isinstance(
                params.get("name"), str):
            args = params.get("arguments")
            out += analyze_mcp(host, params["name"], args if isinstance(args, dict) else {},
                               None)
            continue
        verb = _name_verb(name_words(c["method"]))
        if c["method"] in ("initialize", "tools/list", "resources/list", "prompts/list",
                           "resources/read", "prompts/get", "ping"):
            verb = Verb.READ
        if verb is None:
            return None  # a method name that says nothing: the HTTP method decides
        out.append(Effect(verb, f"{resource} {c['method']}", targets,
                          reversible=verb in (Verb.READ, Verb.CREATE),
                          detail=f"JSON-RPC {c['method']}"))
    return out
