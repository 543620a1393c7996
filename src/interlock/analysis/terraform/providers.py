"""Targets named by a plan's provider configurations (`configuration.provider_config`).

`show -json` keeps provider arguments as expressions: `{"constant_value": v}` for literals,
`{"references": ["var.x", ...]}` otherwise; nested blocks (`assume_role { … }`) are lists of
such expression objects. A root-module `var.x` reference is resolved from the plan's
`variables`; anything else stays unknown (and so adds no target).
"""

from __future__ import annotations

from typing import Any

from ...effects import Target

# Provider type -> ((argument path, target kind or "" for detail only, label), ...).
PROVIDER_ARGS: dict[str, tuple[tuple[tuple[str, ...], str, str], ...]] = {
    "aws": (
        (("profile",), "aws_profile", "profile"),
        (("allowed_account_ids",), "aws_account", "allowed accounts"),
        (("assume_role", "role_arn"), "aws_account", "assume role"),
        (("region",), "", "region"),
    ),
    "google": ((("project",), "gcp_project", "project"), (("region",), "", "region")),
    "google-beta": ((("project",), "gcp_project", "project"), (("region",), "", "region")),
    "kubernetes": ((("config_context",), "kube_context", "context"),),
    "helm": ((("kubernetes", "config_context"), "kube_context", "context"),),
    "azurerm": (
        (("subscription_id",), "", "subscription"),
        (("tenant_id",), "", "tenant"),
    ),
}
# When no configuration of the provider names this kind, the provider falls back to the real
# environment (AWS_PROFILE / default profile, kubeconfig current-context): an implicit target.
# The second field lists the argument paths whose value the environment lookup needs.
IMPLICIT: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "aws": ("aws_profile", ()),
    "kubernetes": ("kube_context", (("config_path",),)),
}


def aws_account_of(value: str) -> str | None:
    """The 12-digit account of an ARN (`arn:aws:iam::111111111111:role/x`), else None."""
    if not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6:
        return None
    acct = parts[4]
    return acct if len(acct) == 12 and acct.isdigit() else None


def _exprs_at(expr: Any, path: tuple[str, ...]) -> list[Any]:
    """Expression objects at `path`, descending through nested-block lists."""
    nodes = [expr]
    for step in path:
        nxt: list[Any] = []
        for node in nodes:
            for item in node if isinstance(node, list) else (node,):
                if isinstance(item, dict) and step in item:
                    nxt.append(item[step])
        nodes = nxt
    return nodes


def _values(expr: Any, variables: dict[str, Any] | None) -> list[str]:
    """Literal string values of an expression (a list literal gives several)."""
    if not isinstance(expr, dict):
        return []
    if "constant_value" in expr:
        value = expr["constant_value"]
    elif variables is not None and isinstance(refs := expr.get("references"), list) and refs:
        name = refs[0]
        if not (isinstance(name, str) and name.startswith("var.")):
            return []
        var = variables.get(name[4:])
        value = var.get("value") if isinstance(var, dict) else None
    else:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def provider_type(provider_name: str) -> str:
    """`registry.terraform.io/hashicorp/aws` -> `aws`; a bare `aws` stays `aws`."""
    return provider_name.rpartition("/")[2]


class ProviderTargets:
    """Targets and detail per provider, computed once per provider and cached."""

    __slots__ = ("_cache", "_configs", "_variables")

    def __init__(self, plan: dict[str, Any]) -> None:
        config = plan.get("configuration")
        pc = config.get("provider_config") if isinstance(config, dict) else None
        self._configs: list[tuple[str, str, dict[str, Any], bool]] = []
        if isinstance(pc, dict):
            for key, entry in pc.items():
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                    continue
                full = entry.get("full_name")
                exprs = entry.get("expressions")
                root = ":" not in key and not entry.get("module_address")
                self._configs.append((entry["name"], full if isinstance(full, str) else "",
                                      exprs if isinstance(exprs, dict) else {}, root))
        variables = plan.get("variables")
        self._variables: dict[str, Any] = variables if isinstance(variables, dict) else {}
        self._cache: dict[str, tuple[tuple[Target, ...], str]] = {}

    def get(self, provider_name: str) -> tuple[tuple[Target, ...], str]:
        hit = self._cache.get(provider_name)
        if hit is None:
            hit = self._cache[provider_name] = self._compute(provider_name)
        return hit

    def _compute(self, provider_name: str) -> tuple[tuple[Target, ...], str]:
        ptype = provider_type(provider_name)
        args = PROVIDER_ARGS.get(ptype, ())
        targets: dict[Target, None] = {}
        detail: dict[str, None] = {}
        kinds: set[str] = set()
        sources: list[str] = []
        implicit_kind, implicit_src = IMPLICIT.get(ptype, ("", ()))
        for name, full, exprs, root in self._configs:
            if full != provider_name and (full or name != ptype):
                continue
            variables = self._variables if root else None
            for path, kind, label in args:
                for expr in _exprs_at(exprs, path):
                    for value in _values(expr, variables):
                        if kind == "aws_account" and value.startswith("arn:"):
                            acct = aws_account_of(value)
                            if acct is None:
                                continue
                            value = acct
                        if kind:
                            targets[Target(kind, value)] = None
                            kinds.add(kind)
                        detail[f"{label}={value}"] = None
            for path in implicit_src:
                for expr in _exprs_at(exprs, path):
                    sources.extend(_values(expr, variables))
        if implicit_kind and implicit_kind not in kinds:
            targets[Target(implicit_kind, None, source=sources[0] if sources else None)] = None
        text = f"provider {ptype}: {', '.join(detail)}" if detail else ""
        return tuple(targets), text
