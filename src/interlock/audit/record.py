"""Audit entries for decisions (the pipeline's output), one call per decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..actions import Action
from ..decision import Decision
from .summary import action_record, action_summary, effect_targets

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.store import Store
    from .log import Appended


def decision_data(decision: Decision, action: Action | None,
                  request_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "decision": decision.decision,
        "approvals_required": decision.approvals_required,
        "environment": decision.environment,
        "action_hash": decision.action_hash,
        "policy_version": decision.policy_version,
        "reasons": [r.get("policy", "") for r in decision.reasons],
        "targets": effect_targets(decision.effects),
        "verbs": sorted({str(e.verb) for e in decision.effects}),
    }
    if decision.error is not None:
        data["error"] = decision.error
    if action is not None:
        data.update(tool=action.tool, agent=action.agent, on_behalf_of=action.on_behalf_of,
                    summary=action_summary(action), action=action_record(action))
    if request_id is not None:
        data["request_id"] = request_id
    return data


def record_decision(store: Store, decision: Decision, action: Action | None, actor: str,
                    request_id: str | None = None, session: Session | None = None) -> Appended:
    """Append a `decision` entry (in `session` if given, else its own transaction)."""
    data = decision_data(decision, action, request_id)
    subject = decision.action_hash
    if session is not None:
        return store.audit.append(session, "decision", actor, subject, data)
    return store.audit.record("decision", actor, subject, data)
