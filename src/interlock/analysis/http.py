"""HTTP requests → Effects: the method says the verb, a table of known APIs says more.

The target is the URL's host; the resource names method, scheme, host and path but never the
query string or userinfo (they carry tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..effects import Effect, Risk, Scope, Target, Verb, opaque
from ..errors import InputError

_METHOD_VERBS: dict[str, Verb] = {
    "GET": Verb.READ, "HEAD": Verb.READ, "OPTIONS": Verb.READ,
    "POST": Verb.CREATE, "PUT": Verb.UPDATE, "PATCH": Verb.UPDATE, "DELETE": Verb.DELETE,
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
API_RULES: tuple[ApiRule, ...] = (
    # Kubernetes API server (any host: the path shape is unmistakable)
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
    return scheme, host.rstrip(".").lower(), parts.path or "/"


def analyze_http(method: str, url: str, body: object = None) -> list[Effect]:
    if not isinstance(method, str) or not isinstance(url, str):
        raise InputError("http: method and url must be strings")
    method = method.upper()
    scheme, host, path = parse_url(url)
    shown_host = f"[{host}]" if ":" in host else host
    resource = f"http {method} {scheme}://{shown_host}{path}"
    targets: tuple[Target, ...] = (Target("host", host),)
    verb = _METHOD_VERBS.get(method)
    if verb is None:
        return [opaque(resource, f"HTTP {method} (effect not known)", targets)]

    if host in METADATA_HOSTS:
        return [Effect(Verb.READ_SECRET, resource, targets,
                       detail="cloud instance metadata service (hands out credentials)")]

    segs = [unquote(s) for s in path.strip("/").split("/") if s]
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
    return [Effect(verb, resource, targets, reversible=verb in (Verb.READ, Verb.CREATE),
                   detail=f"HTTP {method}")]
