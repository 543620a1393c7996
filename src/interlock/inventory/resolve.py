"""Environment resolution: give each effect the tier of its targets (DESIGN.md "Inventory").

Tier of an effect = the strictest tier among the rules its targets match, where an effect whose
locators (everything but qualifiers such as a namespace) match no rule — or that has a target we
could not determine — also takes the default tier. So an overlap never weakens, and unknown
means the default (production unless the operator says otherwise).

An effect's locators describe one resource at several grains (profile ⊃ bucket), so one named
locator identifies it. Two exceptions, both of which can only make a decision stricter:
- several values of ONE locator kind cannot be grains of one resource (two buckets, two
  accounts a provider may use): each of them must be named, or the default applies;
- an IDENTITY locator (which machine, cluster, account or project the change lands in) must be
  named itself. Nothing else vouches for it: `/tmp/**` is sandbox on this machine, not on the
  host `ssh` reaches, and a `dev` workspace says nothing about the account its provider uses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..effects import Effect, Target
from ..globs import any_match
from .implicit import LOOKUPS
from .model import QUALIFIER_KINDS, Inventory, Rule, stricter

# Where a change lands, as opposed to what it touches there (bucket, database, path, branch,
# workspace, stack), which an agent can often pick freely.
IDENTITY_KINDS = frozenset({"host", "kube_context", "aws_profile", "aws_account", "gcp_project"})


class Resolver:
    def __init__(self, inventory: Inventory, environ: Mapping[str, str] | None = None):
        self.inventory = inventory
        self.environ = os.environ if environ is None else environ
        self._implicit: dict[tuple[str, str | None], str | None] = {}
        # kind → the rules naming it and their patterns (one stable tuple each, which
        # any_match finds its regex for by identity): a pure function of the frozen
        # inventory, rebuilt if a different inventory is assigned.
        self._tables: dict[str, list[tuple[Rule, tuple[str, ...]]]] = {}
        self._tables_of: Inventory | None = None

    def refresh(self) -> None:
        """Forget implicit lookups: they are read at decision time, so a long-lived resolver
        (batch, server) must not keep yesterday's kube context."""
        self._implicit.clear()

    def implicit(self, target: Target) -> str | None:
        if target.undeterminable is not None:
            return None  # known to be unknowable: the guard's environment is not it
        key = (target.kind, target.source)
        if key not in self._implicit:
            lookup = LOOKUPS.get(target.kind)
            try:
                self._implicit[key] = lookup(target.source, self.environ) if lookup else None
            except Exception:  # noqa: BLE001 - an unreadable environment is undeterminable
                self._implicit[key] = None
        return self._implicit[key]

    def _table(self, kind: str) -> list[tuple[Rule, tuple[str, ...]]]:
        if self._tables_of is not self.inventory:
            self._tables.clear()
            self._tables_of = self.inventory
        table = self._tables.get(kind)
        if table is None:
            table = [(rule, tuple(rule.patterns[kind])) for rule in self.inventory.rules
                     if rule.patterns.get(kind)]
            self._tables[kind] = table
        return table

    def match(self, kind: str, value: str) -> tuple[str, str] | None:
        """(tier, rule label) of the strictest rule naming this target, or None."""
        best: tuple[str, str] | None = None
        for rule, patterns in self._table(kind):
            pattern = any_match(patterns, value)
            if pattern is not None and (best is None or stricter(rule.tier, best[0]) != best[0]):
                best = (rule.tier, rule.label(kind, pattern))
        return best

    def resolve(self, effect: Effect) -> Effect:
        default = self.inventory.default
        tier: str | None = None
        rule: str | None = None
        decisive: str | None = None
        locator_matched = False
        implicit_unknown: dict[str, None] = {}  # kinds whose environment lookup found nothing
        unknown: dict[str, None] = {}  # other reasons for the default tier, in order
        seen: dict[str, None] = {}
        named: dict[str, dict[str, bool]] = {}  # locator kind -> value -> named by a rule
        for target in effect.targets:
            value = target.value if target.value is not None else self.implicit(target)
            if value is None:
                if target.undeterminable is not None:
                    unknown[f"{target.kind} undeterminable: {target.undeterminable}"] = None
                else:
                    implicit_unknown[target.kind] = None
                seen[f"{target.kind}:(unknown)"] = None
                continue
            shown = f"{target.kind}:{value}"
            seen[shown] = None
            hit = self.match(target.kind, value)
            if target.kind not in QUALIFIER_KINDS:
                values = named.setdefault(target.kind, {})
                values[value] = values.get(value, False) or hit is not None
            if hit is None:
                continue
            if target.kind not in QUALIFIER_KINDS:
                locator_matched = True
            if tier is None or stricter(hit[0], tier) != tier:
                tier, rule, decisive = hit[0], hit[1], shown
        if locator_matched:
            # Two values of one kind are two resources: a named one must not hide the other.
            for kind, values in named.items():
                if len(values) > 1:
                    unknown.update(dict.fromkeys(
                        f"{kind}:{v} named by no rule (one of {len(values)} {kind} values)"
                        for v, is_named in values.items() if not is_named))
            for kind in IDENTITY_KINDS & named.keys():
                unknown.update(dict.fromkeys(
                    f"{kind}:{v} named by no rule (no other target vouches for where a "
                    "change lands)" for v, is_named in named[kind].items()
                    if not is_named and len(named[kind]) == 1))
        if tier is None or not locator_matched or implicit_unknown or unknown:
            # Unknown means the default tier; it can only make the effect stricter.
            if tier is None or stricter(default, tier) == default and default != tier:
                reasons = ([f"{', '.join(implicit_unknown)} undeterminable"]
                           if implicit_unknown else []) + list(unknown)
                why = (f"default tier ({'; '.join(reasons)})" if reasons
                       else "default tier (no inventory rule matched)")
                tier, rule, decisive = default, why, None
        effect.environment = tier
        effect.rule = rule
        effect.resolved_target = decisive or ", ".join(seen)
        return effect
