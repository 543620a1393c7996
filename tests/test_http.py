"""HTTP analyzer: method verbs, known APIs, targets, malformed URLs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.analysis.http import analyze_http
from interlock.effects import Risk, Scope, Target, Verb
from interlock.errors import InputError

MASS = Risk.MASS_DESTRUCTION

CASES = [
    ("GET", "https://api.example.com/v1/items?token=abc", Verb.READ,
     "http GET https://api.example.com/v1/items", Scope.ONE, set()),
    ("HEAD", "https://example.com", Verb.READ, "http HEAD https://example.com/", Scope.ONE, set()),
    ("OPTIONS", "https://example.com/x", Verb.READ, None, Scope.ONE, set()),
    ("POST", "https://example.com/items", Verb.CREATE, "http POST https://example.com/items",
     Scope.ONE, set()),
    ("PUT", "https://example.com/items/1", Verb.UPDATE, None, Scope.ONE, set()),
    ("PATCH", "https://example.com/items/1", Verb.UPDATE, None, Scope.ONE, set()),
    ("DELETE", "https://example.com/items/1", Verb.DELETE, None, Scope.ONE, set()),
    ("TRACE", "https://example.com/", Verb.OPAQUE, None, Scope.ONE, set()),
    ("CONNECT", "https://example.com/", Verb.OPAQUE, None, Scope.ONE, set()),
    ("delete", "https://k8s.prod:6443/api/v1/namespaces/payments", Verb.DELETE,
     "k8s/namespace/payments", Scope.ALL, {MASS}),
    ("DELETE", "https://k8s/api/v1/namespaces/payments/pods", Verb.DELETE, "k8s/pods/payments/*",
     Scope.ALL, {MASS}),
    ("DELETE", "https://k8s/api/v1/namespaces/payments/pods/web-1", Verb.DELETE,
     "k8s/pods/payments/web-1", Scope.ONE, set()),
    ("DELETE", "https://k8s/apis/apps/v1/namespaces/p/deployments/web", Verb.DELETE,
     "k8s/deployments/p/web", Scope.ONE, set()),
    ("GET", "https://k8s/api/v1/namespaces/p/secrets/db", Verb.READ_SECRET, "k8s/secret/p",
     Scope.ONE, set()),
    ("GET", "https://k8s/api/v1/namespaces/p/pods", Verb.READ, "k8s/namespace/p", Scope.ONE, set()),
    ("POST", "https://k8s/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", Verb.PRIVILEGE,
     "k8s/rbac", Scope.ONE, set()),
    ("DELETE", "https://api.github.com/repos/acme/app", Verb.DELETE, "github/repo/acme/app",
     Scope.ALL, {MASS}),
    ("PUT", "https://api.github.com/repos/acme/app/collaborators/bob", Verb.PRIVILEGE, None,
     Scope.ONE, set()),
    ("GET", "https://api.github.com/repos/acme/app/issues", Verb.READ, "github/repo/acme/app",
     Scope.ONE, set()),
    ("GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", Verb.READ_SECRET,
     None, Scope.ONE, set()),
    ("PUT", "http://169.254.169.254/latest/api/token", Verb.READ_SECRET, None, Scope.ONE, set()),
    ("GET", "http://metadata.google.internal/computeMetadata/v1/", Verb.READ_SECRET, None,
     Scope.ONE, set()),
]


@pytest.mark.parametrize(("method", "url", "verb", "resource", "scope", "risks"), CASES)
def test_http_cases(method, url, verb, resource, scope, risks):
    (eff,) = analyze_http(method, url)
    assert eff.verb is verb
    if resource is not None:
        assert eff.resource == resource
    assert eff.scope is scope
    assert set(eff.risks) == risks


def test_targets_host_and_namespace():
    (eff,) = analyze_http("DELETE", "https://K8S.Prod.Internal:6443/api/v1/namespaces/pay")
    assert eff.targets == (Target("host", "k8s.prod.internal"), Target("k8s_namespace", "pay"))


def test_no_secrets_in_resource():
    (eff,) = analyze_http("POST", "https://user:pw@example.com/hook?key=SECRET#frag")
    assert eff.resource == "http POST https://example.com/hook"
    assert "SECRET" not in str(eff.to_json()) and "pw" not in eff.resource


@pytest.mark.parametrize("url", [
    "ftp://example.com/x", "file:///etc/passwd", "/relative/path", "example.com/x",
    "http:///nohost", "http://[::1/", "javascript:alert(1)", "http://exa mple.com/",
])
def test_bad_urls_are_input_errors(url):
    with pytest.raises(InputError):
        analyze_http("GET", url)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["GET", "POST", "DELETE", "TRACE", "weird"]), st.text())
def test_random_urls_raise_only_input_error(method, url):
    try:
        effects = analyze_http(method, url)
    except InputError:
        return
    assert len(effects) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["api", "v1", "namespaces", "apis", "repos", "x", "%2F", ""]),
                max_size=8))
def test_random_paths(segs):
    for method in ("GET", "DELETE", "PUT"):
        for host in ("k8s", "api.github.com"):
            effects = analyze_http(method, f"https://{host}/" + "/".join(segs))
            assert len(effects) == 1
