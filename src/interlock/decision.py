"""The Decision an enforcement point acts on, and its `check` JSON form (DESIGN.md contract)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .effects import Effect


@dataclass(slots=True)
class Decision:
    decision: str  # allow | require_approval | deny
    approvals_required: int
    environment: str
    reasons: list[dict[str, str]]
    effects: list[Effect] = field(default_factory=list)
    action_hash: str = ""
    error: str | None = None
    policy_version: str | None = None
    approver_group: str | None = None  # only members of this group may approve

    def to_json(self) -> dict:
        out = {
            "decision": self.decision,
            "approvals_required": self.approvals_required if self.decision == "require_approval"
            else 0,
            "environment": self.environment,
            "reasons": self.reasons,
            "effects": [e.to_json() for e in self.effects],
            "action_hash": self.action_hash,
        }
        if self.policy_version is not None:
            out["policy_version"] = self.policy_version
        if self.approver_group is not None and self.decision == "require_approval":
            out["approver_group"] = self.approver_group
        if self.error is not None:
            out["error"] = self.error
        return out
