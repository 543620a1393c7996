"""Plain, JSON-ready views of requests, votes and controls (what services return)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OPEN_STATES = ("pending", "approved")
STATES = ("pending", "approved", "rejected", "expired", "cancelled", "redeemed")


@dataclass(frozen=True, slots=True)
class VoteView:
    voter: str
    vote: str
    comment: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"voter": self.voter, "vote": self.vote, "comment": self.comment,
                "at": self.at.isoformat()}


@dataclass(frozen=True, slots=True)
class RequestView:
    id: str
    state: str
    action_hash: str
    policy_version: str
    plan_hash: str | None
    requester: str
    on_behalf_of: str | None
    approvals_required: int
    approver_group: str | None
    environment: str
    action: dict[str, Any]
    summary: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    state_reason: str
    votes: tuple[VoteView, ...] = ()
    grant_id: str | None = None
    redeemed_at: datetime | None = None
    lock_keys: tuple[str, ...] = field(default=())

    @property
    def approvals(self) -> list[str]:
        return [v.voter for v in self.votes if v.vote == "approve"]

    @property
    def rejections(self) -> list[str]:
        return [v.voter for v in self.votes if v.vote == "reject"]

    def to_json(self) -> dict[str, Any]:
        """The `GET /v1/requests/{id}` body (DESIGN.md), redacted."""
        return {
            "id": self.id, "state": self.state, "approvals_required": self.approvals_required,
            "approvals": self.approvals, "rejections": self.rejections,
            "action_hash": self.action_hash, "policy_version": self.policy_version,
            "plan_hash": self.plan_hash, "requester": self.requester,
            "on_behalf_of": self.on_behalf_of, "approver_group": self.approver_group,
            "environment": self.environment, "action": self.action,
            "summary": self.summary.get("summary", ""), "reasons": self.summary.get("reasons", []),
            "targets": self.summary.get("targets", []), "lock_keys": list(self.lock_keys),
            "votes": [v.to_json() for v in self.votes],
            "created_at": self.created_at.isoformat(), "expires_at": self.expires_at.isoformat(),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "state_reason": self.state_reason, "grant_id": self.grant_id,
            "redeemed_at": self.redeemed_at.isoformat() if self.redeemed_at else None,
        }


@dataclass(frozen=True, slots=True)
class BreakGlassView:
    id: str
    tier: str
    human: str
    reason: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "tier": self.tier, "human": self.human, "reason": self.reason,
                "created_at": self.created_at.isoformat(),
                "expires_at": self.expires_at.isoformat(),
                "ended_at": self.ended_at.isoformat() if self.ended_at else None}


def loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Controls:
    """Everything the Decider needs from the store: frozen tiers, killed agents, active
    break-glass per tier (read in one transaction)."""

    frozen: frozenset[str] = frozenset()
    killed: frozenset[str] = frozenset()
    breakglass: dict[str, BreakGlassView] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"frozen": sorted(self.frozen), "killed": sorted(self.killed),
                "breakglass": {t: b.to_json() for t, b in self.breakglass.items()}}
