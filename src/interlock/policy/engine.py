"""The Cedar policy engine: load a pack once, decide one effect per request.

Cedar answers permit/forbid; interlock needs allow / require_approval / deny. The bridge is an
annotation: a forbid with @approvals("N") can be lifted by N human approvals, a forbid without it
cannot. cedarpy can fail open (FACTS.md): a forbid whose condition errors is skipped. So packs are
validated against the schema at load (an invalid pack makes every decision deny), requests are
checked against the schema, and any evaluation error or NoDecision is a deny.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import cedarpy

from ..errors import ConfigError
from .overrides import FILE as OVERRIDES_FILE
from .overrides import load_mcp_overrides

PACK_DIR = Path(__file__).with_name("pack")
SCHEMA_FILE = "interlock.cedarschema"

ALLOW, APPROVAL, DENY = "allow", "require_approval", "deny"
ANSWER_CACHE_SIZE = 4096
_GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # as principals.GROUP
_SEVERITY = {ALLOW: 0, APPROVAL: 1, DENY: 2}


@dataclass(frozen=True, slots=True)
class PolicyInfo:
    id: str
    effect: str  # permit | forbid
    approvals: int | None  # None: a hard forbid (or a permit)
    reason: str
    source: str
    approvers: str | None = None  # @approvers("sre"): only members of this group may approve


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: str
    approvals: int
    reasons: tuple[tuple[str, str], ...]  # (policy id, message)
    error: str | None = None
    approver_group: str | None = None  # from the deciding forbid's @approvers

    def stricter(self, other: Verdict) -> Verdict:
        """The stricter of two verdicts; approvals take the larger count; reasons merge."""
        a, b = _SEVERITY[self.decision], _SEVERITY[other.decision]
        if a != b:
            return self if a > b else other
        reasons = tuple(dict.fromkeys(self.reasons + other.reasons))
        # The group of the verdict that asks for more approvals (ties: the first named).
        first, second = (self, other) if self.approvals >= other.approvals else (other, self)
        return Verdict(self.decision, max(self.approvals, other.approvals), reasons,
                       self.error or other.error,
                       first.approver_group or second.approver_group)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"policy {path}: cannot read: {e}") from None


def _parse_approvals(value: str, where: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1 or n > 100:
        raise ConfigError(f"{where}: @approvals must be a whole number from 1 to 100, "
                          f"not {value!r}")
    return n


class PolicyEngine:
    """A loaded, validated policy pack. Load once per process; `evaluate` is ~120 µs."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory is not None else PACK_DIR
        if not self.directory.is_dir():
            raise ConfigError(f"policy directory {self.directory} does not exist")
        files = sorted(self.directory.glob("*.cedar"))
        if not files:
            raise ConfigError(f"policy directory {self.directory} holds no *.cedar files")
        schema_path = self.directory / SCHEMA_FILE
        if not schema_path.exists():
            schema_path = PACK_DIR / SCHEMA_FILE
        self.schema_text = _read(schema_path)
        texts = {str(f): _read(f) for f in files}
        self.infos: dict[str, PolicyInfo] = {}
        static: dict[str, dict] = {}
        for source, text in texts.items():
            try:
                doc = json.loads(cedarpy.policies_to_json_str(text))
            except ValueError as e:
                raise ConfigError(f"policy {source}: {e}") from None
            if doc.get("templates"):
                raise ConfigError(f"policy {source}: templates are not supported")
            for pos, policy in doc.get("staticPolicies", {}).items():
                ann = policy.get("annotations") or {}
                pid = ann.get("id")
                if not pid:
                    raise ConfigError(f"policy {source}: {pos} has no @id annotation")
                if pid in static:
                    raise ConfigError(f"policy {source}: duplicate @id {pid!r}")
                effect = policy.get("effect")
                approvals = None
                if "approvals" in ann:
                    if effect != "forbid":
                        raise ConfigError(f"policy {source}: {pid}: @approvals only makes "
                                          "sense on a forbid")
                    approvals = _parse_approvals(ann["approvals"], f"policy {source}: {pid}")
                approvers = ann.get("approvers")
                if approvers is not None:
                    if approvals is None:
                        raise ConfigError(f"policy {source}: {pid}: @approvers needs "
                                          "@approvals on the same forbid")
                    if not _GROUP.fullmatch(approvers):
                        raise ConfigError(f"policy {source}: {pid}: @approvers must name a "
                                          f"group (letters, digits, . _ -), not {approvers!r}")
                self.infos[pid] = PolicyInfo(pid, effect, approvals, ann.get("reason") or pid,
                                             source, approvers)
                static[pid] = policy
        combined = "\n".join(texts.values())
        try:
            self.schema = cedarpy.Schema.from_str(self.schema_text)
        except ValueError as e:
            raise ConfigError(f"schema {schema_path}: {e}") from None
        result = cedarpy.validate_policies(combined, self.schema_text)
        if not result.validation_passed:
            names = result.id_annotations_by_policy_id
            errs = "; ".join(f"{names.get(e.policy_id, e.policy_id)}: {e.error}"
                             for e in result.errors[:5])
            raise ConfigError(f"policy {self.directory} does not validate against the "
                              f"schema: {errs}")
        try:
            self.policies = cedarpy.PolicySet.from_json_str(
                json.dumps({"staticPolicies": static, "templates": {}, "templateLinks": []}))
            self.entities = cedarpy.Entities.from_json_str("[]", self.schema)
        except ValueError as e:
            raise ConfigError(f"policy {self.directory}: {e}") from None
        self.context_reads, self.reads_resource = _what_policies_read(static.values())
        # Answers by cache_key. The pack is immutable once loaded, so an answer never goes stale;
        # the bound keeps a hostile stream of distinct keys from growing memory.
        self._answers: dict[tuple, Verdict] = {}
        self.mcp_overrides, overrides_text = load_mcp_overrides(self.directory)
        digest = hashlib.sha256()
        for source, text in [(SCHEMA_FILE, self.schema_text), (OVERRIDES_FILE, overrides_text),
                             *sorted(texts.items())]:
            digest.update(Path(source).name.encode() + b"\0" + text.encode() + b"\0")
        self.digest = digest.hexdigest()

    def cache_key(self, principal: tuple[str, str], verb: str, target: str,
                  context: dict) -> tuple | None:
        """A key under which two requests must get the same answer from this pack.

        Only what some policy reads counts: a 10,000-change plan whose effects differ only in
        resource names is then a handful of Cedar calls, not 10,000. None: cache nothing.
        """
        if self.context_reads is None:
            return None
        parts = [principal, verb, target if self.reads_resource else None]
        for name in self.context_reads:
            value = context.get(name)
            parts.append(tuple(value) if isinstance(value, list) else value)
        return tuple(parts)

    def decide(self, principal: tuple[str, str], verb: str, target: str,
               context: dict) -> Verdict:
        """`evaluate`, answered from the cache when a request that reads the same was seen."""
        key = self.cache_key(principal, verb, target, context)
        if key is None:
            return self.evaluate(principal, verb, target, context)
        got = self._answers.get(key)
        if got is None:
            got = self.evaluate(principal, verb, target, context)
            if got.error is None:  # errors are retried, not remembered
                if len(self._answers) >= ANSWER_CACHE_SIZE:
                    self._answers.clear()
                self._answers[key] = got
        return got

    def evaluate(self, principal: tuple[str, str], verb: str, target: str,
                 context: dict) -> Verdict:
        request = {
            "principal": {"type": principal[0], "id": principal[1]},
            "action": {"type": "Action", "id": verb},
            "resource": {"type": "Target", "id": target},
            "context": context,
        }
        try:
            result = cedarpy.is_authorized(request, self.policies, self.entities, self.schema)
        except Exception as e:  # noqa: BLE001 - whatever breaks inside Cedar is a deny
            return Verdict(DENY, 0, (("engine", f"policy evaluation failed: {e}"),), str(e))
        diag = result.diagnostics
        if diag.errors:
            msg = "; ".join(str(e) for e in diag.errors)
            return Verdict(DENY, 0, (("engine", f"policy evaluation error: {msg}"),), msg)
        fired = [self.infos[r] for r in diag.reasons if r in self.infos]
        if result.decision is cedarpy.Decision.Allow:
            return Verdict(ALLOW, 0, tuple((p.id, p.reason) for p in fired))
        if result.decision is not cedarpy.Decision.Deny:
            return Verdict(DENY, 0, (("engine", "policy engine gave no decision"),),
                           "no decision")
        forbids = [p for p in fired if p.effect == "forbid"]
        if not forbids:
            return Verdict(DENY, 0, (("default-deny", "no policy permits this effect"),))
        hard = [p for p in forbids if p.approvals is None]
        if hard:
            return Verdict(DENY, 0, tuple((p.id, p.reason) for p in hard))
        top = max(forbids, key=lambda p: p.approvals or 0)
        group = top.approvers or next((p.approvers for p in forbids if p.approvers), None)
        return Verdict(APPROVAL, top.approvals or 0, tuple((p.id, p.reason) for p in forbids),
                       approver_group=group)


def _what_policies_read(policies) -> tuple[tuple[str, ...] | None, bool]:
    """The context attributes the policies read, and whether any looks at the resource.

    Returns (None, True) when a policy uses `context` other than through `.attr` or `has attr`
    (then every attribute may matter and nothing is cached).
    """
    attrs: set[str] = set()
    reads_resource = False
    opaque_use = False

    def walk(node, parent_ok: bool) -> None:
        nonlocal reads_resource, opaque_use
        if isinstance(node, dict):
            if node.get("Var") == "context" and not parent_ok:
                opaque_use = True
            if node.get("Var") == "resource":
                reads_resource = True
            for op in (".", "has"):
                inner = node.get(op)
                if isinstance(inner, dict) and isinstance(inner.get("left"), dict) \
                        and inner["left"].get("Var") == "context":
                    attrs.add(inner.get("attr", ""))
                    for k, v in inner.items():
                        if k != "left":
                            walk(v, False)
                    for k, v in node.items():
                        if k != op:
                            walk(v, False)
                    return
            for v in node.values():
                walk(v, False)
        elif isinstance(node, list):
            for v in node:
                walk(v, False)

    for policy in policies:
        if (policy.get("resource") or {}).get("op", "All") != "All":
            reads_resource = True
        walk(policy.get("conditions", []), False)
    if opaque_use:
        return None, True
    return tuple(sorted(attrs)), reads_resource

