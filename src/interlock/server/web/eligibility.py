"""May this human vote on this request, and if not, why? The same rules, in the same data,
as `approvals.requests.vote` (which stays the authority: a POST is decided there). The page
uses the answer to disable the buttons and say why, instead of letting a vote bounce."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from ... import principals as P

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
        if not who.is_human:
            return False, "Agents never approve."
        if state != "pending":
            return False, STATE_REASON.get(state, f"This request is {state}.")
        if not who.roles & P.VOTING_ROLES:
            return False, "You have no approver or admin role, so you cannot vote."
        requester = P.load_id(s, r.requester_id)
        req_name = requester.name if requester else None
        if who.name == req_name:
            return False, "You requested this action: someone else has to approve it."
        chain = P.chain(s, req_name)
        behalf = P.chain(s, r.on_behalf_of)
        if who.name in set(chain) | set(behalf):
            via = " → ".join(chain if who.name in chain else behalf)
            return False, (f"This action was requested on your behalf ({via}): a request "
                           "needs approvers other than the people it acts for.")
        if r.approver_group is not None and r.approver_group not in who.groups:
            return False, f"Only members of approver group “{r.approver_group}” can vote."
        mine = s.execute(select(m.Vote.vote).where(m.Vote.request_id == r.id,
                                                   m.Vote.voter_id == who.id)).first()
        if mine is not None:
            return False, f"You already voted ({mine[0]}) on this request."
        return True, ""
