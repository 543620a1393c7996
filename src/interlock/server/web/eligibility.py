"""May this human vote on this request, and if not, why — in words for the request page.

The voter rules live in `approvals.eligibility` (which `approvals.requests.vote` also applies,
and which stays the authority: a POST is decided there). This adds what the page needs around
them: the request's state and a revoked principal, worded for a reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import principals as P
from ...approvals.eligibility import voter_ineligibility

if TYPE_CHECKING:
    from ...store.store import Store

STATE_REASON = {
    "approved": "This request is already approved.",
    "rejected": "This request was rejected.",
    "expired": "This request has expired.",
    "cancelled": "This request was cancelled.",
    "redeemed": "This request was approved and its grant has been used.",
}


def can_vote(store: Store, request_id: str, principal: P.Principal) -> tuple[bool, str]:
    from ...store import models as m

    now = store.now()
    with store.read() as s:
        r = s.get(m.Request, request_id) if isinstance(request_id, str) else None
        if r is None:
            return False, "No such request."
        state = "expired" if r.state in ("pending", "approved") and r.expires_at <= now \
            else r.state
        who = P.load_id(s, principal.id)
        if who is None or who.disabled or who.name != principal.name:
            return False, "Your principal is revoked or unknown."
        if not who.is_human:  # before the state: an agent is told the rule, not the state
            return False, "Agents never approve."
        if state != "pending":
            return False, STATE_REASON.get(state, f"This request is {state}.")
        refusal = voter_ineligibility(s, r, who)
        return (True, "") if refusal is None else (False, refusal.human)
