"""The Terraform plan of an approval request as a readable diff: changes grouped by action,
data-losing groups first, each with why Terraform replaces it (`replace_paths`).

Built from the effects stored with the request (the plan itself is bound by hash, not stored),
with the ordering and headings of `terraform.summary` so the web, the terminal and the
Markdown summaries list changes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...terraform.summary import GROUP_HEADING, GROUP_INDEX, PLANWIDE_PREFIXES, VERB_GROUP

DANGER_GROUPS = frozenset(("replace-stateful", "delete-stateful", "replace", "delete"))
# Marks the (diff-style) line of each group, as `terraform plan` prints it.
GROUP_MARK = {"replace-stateful": "-/+", "delete-stateful": "-", "replace": "-/+", "delete": "-",
              "forget": "~", "update": "~", "create": "+", "read": "<=", "other": "?"}
REPLACE_PATHS = "replace paths: "
# Stored requests keep at most this many effects (approvals.requests.open_request).
STORED_EFFECTS = 50


@dataclass(frozen=True, slots=True)
class PlanRow:
    address: str
    environment: str
    replace_paths: str
    details: tuple[str, ...]
    risks: tuple[str, ...]


@dataclass(slots=True)
class PlanGroup:
    key: str
    heading: str
    mark: str
    danger: bool
    rows: list[PlanRow] = field(default_factory=list)


@dataclass(slots=True)
class PlanView:
    groups: list[PlanGroup]
    planwide: list[str]  # "plan: 1 to create, …", "mass destruction: …" (said once)
    truncated: bool


def _group(effect: dict[str, Any]) -> str:
    from ...effects import Verb

    try:
        key = VERB_GROUP.get(Verb(str(effect.get("verb"))), "other")
    except ValueError:
        key = "other"
    if effect.get("stateful") and key in ("replace", "delete"):
        return f"{key}-stateful"
    return key


def plan_view(effects: list[dict[str, Any]]) -> PlanView:
    groups: dict[str, PlanGroup] = {}
    planwide: list[str] = []
    for e in effects:
        if not isinstance(e, dict):
            continue
        key = _group(e)
        parts = [p for p in str(e.get("detail") or "").split("; ") if p]
        for p in parts:
            if p.startswith(PLANWIDE_PREFIXES) and p not in planwide:
                planwide.append(p)
        paths = next((p[len(REPLACE_PATHS):] for p in parts if p.startswith(REPLACE_PATHS)), "")
        details = tuple(p for p in parts
                        if not p.startswith(PLANWIDE_PREFIXES) and not p.startswith(REPLACE_PATHS))
        g = groups.setdefault(key, PlanGroup(key, GROUP_HEADING[key], GROUP_MARK[key],
                                             key in DANGER_GROUPS))
        g.rows.append(PlanRow(str(e.get("resource", "")), str(e.get("environment") or ""),
                              paths, details, tuple(str(r) for r in e.get("risks") or ())))
    ordered = sorted(groups.values(), key=lambda g: GROUP_INDEX[g.key])
    return PlanView(ordered, planwide, len(effects) >= STORED_EFFECTS)
