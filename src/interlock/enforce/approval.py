"""The approval step every enforcement point shares (hooks, MCP proxy, SDK, broker).

On `require_approval`: if the configured store holds an APPROVED request by this agent for
exactly this action (same action hash and policy version), spend its single-use grant and let
the action pass — once. Otherwise file the request (an identical open one is reused) and say
how humans approve it. Decisions are appended to the audit log too.

Without a configured store nothing is filed and nothing passes: the caller keeps its deny.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ..errors import InterlockError

_stores: dict[str, Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ApprovalOutcome:
    redeemed: bool
    request_id: str | None
    message: str


def _store(url: str) -> Any:
    # One open store per URL for the life of the process (the daemon, the proxy, an SDK user).
    with _lock:
        store = _stores.get(url)
        if store is None:
            from ..store import open_store

            store = _stores[url] = open_store(url, create=False)
        return store


def record(decision: Any, envelope: dict[str, Any], db: str | None = None) -> None:
    """Append the decision to the configured store's audit log (no store: nothing to do)."""
    from ..controls import configured_store

    url = configured_store(db)
    if url is None:
        return
    from ..actions import parse_action
    from ..audit import record_decision

    action = None
    try:
        action = parse_action(envelope)
    except InterlockError:
        pass
    record_decision(_store(url), decision, action, envelope.get("agent") or "unknown")


def settle(decision: Any, envelope: dict[str, Any], db: str | None = None) -> ApprovalOutcome:
    """Redeem an approved grant for exactly this action, or file/reuse the request."""
    from .. import approvals
    from ..controls import configured_store
    from ..principals import get_principal

    url = configured_store(db)
    if url is None:
        return ApprovalOutcome(False, None, "no approvals store is configured, so no request "
                               "was filed (an operator sets INTERLOCK_DB or runs `interlock "
                               "serve`)")
    agent = envelope.get("agent")
    try:
        store = _store(url)
        requester = get_principal(store, agent) if agent else None
        if requester is None:
            return ApprovalOutcome(False, None, f"no request was filed: agent {agent!r} is not "
                                   "registered (operator: interlock principals add NAME --kind "
                                   "agent --acts-for HUMAN)")
        for r in approvals.list_requests(store, state="approved", requester=agent):
            if (r.action_hash == decision.action_hash
                    and r.policy_version == (decision.policy_version or "")):
                approvals.redeem(store, r.id, envelope, by=requester,
                                 policy_version=decision.policy_version)
                return ApprovalOutcome(True, r.id, f"approved request {r.id} redeemed")
        view, created = approvals.open_request(store, decision, envelope, requester)
    except approvals.Conflict as e:
        return ApprovalOutcome(False, e.blocking_request, f"no new request: {e}")
    except InterlockError as e:
        return ApprovalOutcome(False, None, f"no request was filed: {e}")
    return ApprovalOutcome(False, view.id, (
        f"approval request {view.id} ({'filed' if created else view.state}, "
        f"{len(view.approvals)}/{view.approvals_required} approvals; "
        f"`interlock requests show {view.id}`)"))
