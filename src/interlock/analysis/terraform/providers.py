"""Targets named by a plan's provider configurations (`configuration.provider_config`).

`show -json` keeps provider arguments as expressions: `{"constant_value": v}` for literals,
`{"references": ["var.x", ...]}` otherwise; nested blocks (`assume_role { … }`) are lists of
such expression objects. A root-module `var.x` reference is resolved from the plan's
`variables`; anything else is undeterminable (`Target.unknown`, which resolves to the default
tier and says why), never silently replaced by the guard's own environment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ...effects import Target

# Provider type -> ((argument path, target kind or "" for detail only, label), ...).
PROVIDER_ARGS: dict[str, tuple[tuple[tuple[str, ...], str, str], ...]] = {
    "aws": (
        (("profile",), "aws_profile", "profile"),
        (("allowed_account_ids",), "aws_account", "allowed accounts"),
        (("assume_role", "role_arn"), "aws_account", "assume role"),
        (("assume_role_with_web_identity", "role_arn"), "aws_account", "assume role"),
        (("region",), "", "region"),
    ),
    "google": ((("project",), "gcp_project", "project"), (("region",), "", "region")),
    "google-beta": ((("project",), "gcp_project", "project"), (("region",), "", "region")),
    "kubernetes": ((("config_context",), "kube_context", "context"),
                   (("host",), "host", "cluster")),
    "helm": ((("kubernetes", "config_context"), "kube_context", "context"),
             (("kubernetes", "host"), "host", "cluster")),
    "kubectl": ((("config_context",), "kube_context", "context"), (("host",), "host", "cluster")),
    "azurerm": (
        (("subscription_id",), "", "subscription"),
        (("tenant_id",), "", "tenant"),
    ),
}
# When a configuration of the provider names none of this kind, the provider falls back to the
# real environment (AWS_PROFILE / default profile, kubeconfig current-context): an implicit
# target. Fields: the kind, the argument paths whose value the environment lookup needs, and the
# argument paths whose mere presence means the environment is NOT what the provider uses
# (static keys, an API server address): then only the other arguments can say where it lands.
IMPLICIT: dict[str, tuple[str, tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]] = {
    "aws": ("aws_profile", (), (("access_key",), ("profile",))),
    "kubernetes": ("kube_context", (("config_path",),), (("config_context",), ("host",))),
    "kubectl": ("kube_context", (("config_path",),), (("config_context",), ("host",))),
    "helm": ("kube_context", (("kubernetes", "config_path"),),
             (("kubernetes", "config_context"), ("kubernetes", "host"))),
}


def _set_by(expr: Any, path: tuple[str, ...], module: str) -> str:
    """Why an argument's value is unknown, for the rule text: `profile set by var.profile`."""
    refs = expr.get("references") if isinstance(expr, dict) else None
    names = [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []
    # `show -json` lists `var.m["k"]` and `var.m` both: keep only the most precise.
    names = [n for n in names
             if not any(o != n and o.startswith((n + "[", n + ".")) for o in names)]
    shown = ", ".join(names[:3]) if names else "an expression"
    where = f" in {module}" if module and names else ""
    return f"{'.'.join(path)} set by {shown}{where}"


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
    """Expression objects at `path`, descending through nested-block lists and through object
    attributes given as one literal (helm 3: `kubernetes = { config_context = "x" }`)."""
    nodes = [expr]
    for step in path:
        nxt: list[Any] = []
        for node in nodes:
            for item in node if isinstance(node, list) else (node,):
                if not isinstance(item, dict):
                    continue
                const = item.get("constant_value")
                if step in item:
                    nxt.append(item[step])
                elif isinstance(const, dict) and step in const:
                    nxt.append({"constant_value": const[step]})
                elif "references" in item and item is not expr:
                    nxt.append(item)  # the whole object comes from an expression
        nodes = nxt
    return nodes


def _values(expr: Any, variables: dict[str, Any] | None) -> list[str] | None:
    """Literal string values of an expression (a list literal gives several); [] when it is
    unset (null, ""), None when it is set by something we cannot evaluate.

    A reference is resolved only when it is the expression's single reference and a root
    variable: `show -json` lists every reference of a template too (`"${var.a}-${var.b}"`),
    so several references mean the value is a combination we do not know."""
    if not isinstance(expr, dict):
        return None
    if "constant_value" in expr:
        value = expr["constant_value"]
    else:
        refs = expr.get("references")
        if variables is None or not isinstance(refs, list) or len(refs) != 1:
            return None
        name = refs[0]
        if not (isinstance(name, str) and name.startswith("var.") and name[4:].isidentifier()):
            return None
        var = variables.get(name[4:])
        if not isinstance(var, dict) or "value" not in var:
            return None
        value = var["value"]
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v for v in value if v]
    return None


def _locator(kind: str, value: str) -> str | None:
    """The inventory value of an argument: an ARN's (or a bare 12-digit) account, a URL's host."""
    if kind == "aws_account":
        if len(value) == 12 and value.isdigit():
            return value  # allowed_account_ids, or role_arn = "arn:…:${var.account}:…"
        return aws_account_of(value)
    if kind == "host":
        return urlsplit(value if "://" in value else f"//{value}").hostname or None
    return value


def provider_type(provider_name: str) -> str:
    """`registry.terraform.io/hashicorp/aws` -> `aws`; a bare `aws` stays `aws`."""
    return provider_name.rpartition("/")[2]


Resolved = tuple[tuple[Target, ...], str]


class ProviderTargets:
    """Targets and detail per provider configuration, computed once and cached.

    A resource is matched to its own configuration through the configuration section's
    `provider_config_key` (aliases, configurations passed into modules). Without one (a
    resource deleted because its configuration is gone), every configuration of its provider
    could be the one, so all their targets count, plus an undeterminable target when they
    disagree: resolution must not pick the sandbox alias of two."""

    __slots__ = ("_by_config", "_cache", "_configs", "_variables")

    def __init__(self, plan: dict[str, Any]) -> None:
        config = plan.get("configuration")
        pc = config.get("provider_config") if isinstance(config, dict) else None
        # key -> (type name, full name, expressions, module address or "" for the root)
        self._configs: dict[str, tuple[str, str, dict[str, Any], str]] = {}
        if isinstance(pc, dict):
            for key, entry in pc.items():
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                    continue
                full = entry.get("full_name")
                exprs = entry.get("expressions")
                module = entry.get("module_address") or key.rpartition(":")[0]
                self._configs[key] = (entry["name"], full if isinstance(full, str) else "",
                                      exprs if isinstance(exprs, dict) else {},
                                      module if isinstance(module, str) else "?")
        variables = plan.get("variables")
        self._variables: dict[str, Any] = variables if isinstance(variables, dict) else {}
        self._cache: dict[tuple[str, str | None], Resolved] = {}
        self._by_config: dict[str, Resolved] = {}

    def get(self, provider_name: str, config_key: str | None = None) -> Resolved:
        ck = (provider_name, config_key)
        hit = self._cache.get(ck)
        if hit is None:
            hit = self._cache[ck] = self._compute(provider_name, config_key)
        return hit

    def _matches(self, key: str, provider_name: str) -> bool:
        name, full, _, _ = self._configs[key]
        return full == provider_name or (not full and name == provider_type(provider_name))

    def _compute(self, provider_name: str, config_key: str | None) -> Resolved:
        if config_key is not None and config_key in self._configs:
            if self._matches(config_key, provider_name):
                return self._one(config_key, provider_name)
        elif config_key is not None:
            # The resource's configuration names a provider configuration without a block:
            # an unconfigured provider, which reads the environment.
            return self._unconfigured(provider_name)
        keys = [k for k in self._configs if self._matches(k, provider_name)]
        if not keys:
            return self._unconfigured(provider_name)
        results = [self._one(k, provider_name) for k in keys]
        targets: dict[Target, None] = {}
        detail: dict[str, None] = {}
        for ts, text in results:
            targets.update(dict.fromkeys(ts))
            if text:
                detail[text] = None
        sets = [frozenset(ts) for ts, _ in results]
        if len(set(sets)) > 1:
            # Which configuration it used decides where it lands: none of them may decide alone.
            ptype = provider_type(provider_name)
            differing = [t.kind for t in targets if not all(t in ts for ts in sets)]
            kind = IMPLICIT.get(ptype, ("",))[0] or differing[0]
            targets[Target.unknown(kind, f"provider {ptype} configuration not known, one of "
                                         f"{len(keys)} that disagree")] = None
            detail[f"provider {ptype}: configuration not known, one of {len(keys)}"] = None
        return tuple(targets), "; ".join(detail)

    def _unconfigured(self, provider_name: str) -> Resolved:
        implicit_kind = IMPLICIT.get(provider_type(provider_name), ("",))[0]
        return ((Target(implicit_kind, None),) if implicit_kind else ()), ""

    def _one(self, key: str, provider_name: str) -> Resolved:
        hit = self._by_config.get(key)
        if hit is None:
            hit = self._by_config[key] = self._config_targets(key, provider_name)
        return hit

    def _config_targets(self, key: str, provider_name: str) -> Resolved:
        _, _, exprs, module = self._configs[key]
        ptype = provider_type(provider_name)
        # A `var.x` of a module is the module's variable, which the plan does not list.
        variables = self._variables if not module else None
        targets: dict[Target, None] = {}
        detail: dict[str, None] = {}
        kinds: set[str] = set()
        for path, kind, label in PROVIDER_ARGS.get(ptype, ()):
            for expr in _exprs_at(exprs, path):
                values = _values(expr, variables)
                if values is None:
                    if kind:
                        targets[Target.unknown(kind, _set_by(expr, path, module))] = None
                        kinds.add(kind)
                    detail[f"{label}=(set by an expression)"] = None
                    continue
                for value in values:
                    if kind:
                        loc = _locator(kind, value)
                        kinds.add(kind)
                        if loc is None:
                            targets[Target.unknown(
                                kind, f"{'.'.join(path)} = {value!r} names no {kind}")] = None
                        else:
                            targets[Target(kind, loc)] = None
                    detail[f"{label}={value}"] = None
        implicit_kind, implicit_src, replaced_by = IMPLICIT.get(ptype, ("", (), ()))
        if implicit_kind:
            explicit = any(_exprs_at(exprs, p) for p in replaced_by)
            if explicit and not kinds:
                # Static keys or an API server set by arguments we cannot map to a target.
                named = ", ".join(".".join(p) for p in replaced_by if _exprs_at(exprs, p))
                why = f"{named} set: the provider does not use the environment's {implicit_kind}"
                targets[Target.unknown(implicit_kind, why)] = None
            elif not explicit and implicit_kind not in kinds:
                sources: list[str] = []
                unknowable: Target | None = None
                for path in implicit_src:
                    for expr in _exprs_at(exprs, path):
                        found = _values(expr, variables)
                        if found is None:  # a kubeconfig we cannot name: its context neither
                            unknowable = Target.unknown(implicit_kind,
                                                        _set_by(expr, path, module))
                        sources.extend(found or ())
                targets[unknowable or Target(implicit_kind, None,
                                             source=sources[0] if sources else None)] = None
        text = f"provider {ptype}: {', '.join(detail)}" if detail else ""
        return tuple(targets), text
