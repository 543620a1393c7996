"""The inventory: which targets belong to which environment tier (DESIGN.md "Inventory").

It is operator data the agent cannot edit. Unknown targets take the default tier, production
unless the operator says otherwise; when several rules match, the strictest tier wins.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..effects import TARGET_KINDS
from ..errors import ConfigError

# Strictest first; the index is the strictness rank (lower = stricter).
TIERS = ("production", "staging", "development", "sandbox")
RANK = {t: i for i, t in enumerate(TIERS)}
DEFAULT_TIER = "production"

# Kinds that only narrow a locator (a namespace lives inside a cluster): matching one can make
# an effect stricter but never stands in for an unmatched locator.
QUALIFIER_KINDS = frozenset({"k8s_namespace"})


def check_tier(value: object, where: str) -> str:
    if not isinstance(value, str) or value not in RANK:
        raise ConfigError(f"{where}: tier must be one of {', '.join(TIERS)}, not {value!r}")
    return value


def stricter(a: str, b: str) -> str:
    return a if RANK[a] <= RANK[b] else b


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    tier: str
    name: str | None
    patterns: dict[str, tuple[str, ...]]

    def label(self, kind: str, pattern: str) -> str:
        return f"{self.name or f'rule[{self.index}]'} ({kind} = {pattern!r} → {self.tier})"


@dataclass(frozen=True, slots=True)
class Inventory:
    default: str = DEFAULT_TIER
    rules: tuple[Rule, ...] = ()
    source: str | None = None
    digest: str = field(default_factory=lambda: hashlib.sha256(b"").hexdigest())

    def with_default(self, tier: str | None) -> Inventory:
        if tier is None:
            return self
        return Inventory(check_tier(tier, "--env"), self.rules, self.source, self.digest)


def parse_inventory(text: str, source: str = "<inventory>") -> Inventory:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"inventory {source}: not valid TOML: {e}") from None
    unknown = sorted(set(data) - {"default", "rule"})
    if unknown:
        raise ConfigError(f"inventory {source}: unknown key(s) {', '.join(unknown)}; "
                          "expected 'default' and [[rule]] tables")
    default = check_tier(data.get("default", DEFAULT_TIER), f"inventory {source}: default")
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"inventory {source}: 'rule' must be an array of tables ([[rule]])")
    rules = []
    for i, raw in enumerate(raw_rules):
        where = f"inventory {source}: rule[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: must be a table")
        tier = check_tier(raw.get("tier"), where)
        name = raw.get("name")
        if name is not None and not isinstance(name, str):
            raise ConfigError(f"{where}: name must be a string")
        patterns: dict[str, tuple[str, ...]] = {}
        for key, value in raw.items():
            if key in ("tier", "name"):
                continue
            if key not in TARGET_KINDS:
                raise ConfigError(f"{where}: unknown target kind {key!r}; known: "
                                  f"{', '.join(TARGET_KINDS)}")
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not value or not all(
                    isinstance(v, str) and v for v in value):
                raise ConfigError(f"{where}: {key} must be a list of non-empty glob strings")
            patterns[key] = tuple(value)
        if not patterns:
            raise ConfigError(f"{where}: names no targets")
        rules.append(Rule(i, tier, name, patterns))
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Inventory(default, tuple(rules), source, digest)


def load_inventory(path: str | Path | None) -> Inventory:
    if path is None:
        return Inventory()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"inventory {p}: cannot read: {e}") from None
    return parse_inventory(text, str(p))
