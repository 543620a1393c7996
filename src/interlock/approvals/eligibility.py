"""Who may vote on a request: the one place the two-person rule's voter exclusions live.

`requests.vote` consults it to refuse a vote (403 with `.api`); the web page consults it to
disable the buttons and say why (`.human`). State (pending, expired …) is not a matter of the
voter and stays with each caller: the API answers 409, the page words it for a reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .. import principals as P

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class Ineligible:
    code: str    # agent | no_role | requester | on_behalf | group | voted
    api: str     # for the API error body and the audit record
    human: str   # a sentence for the person looking at the request page


def voter_ineligibility(s: Session, r: Any, who: P.Principal) -> Ineligible | None:
    """Why `who` (a fresh, enabled principal) may not vote on request row `r`, or None."""
    from ..store import models as m

    if not who.is_human:
        return Ineligible("agent", f"{who.name!r} is an agent: agents never approve",
                          "Agents never approve.")
    if not who.roles & P.VOTING_ROLES:
        return Ineligible("no_role", f"{who.name!r} has no approver or admin role",
                          "You have no approver or admin role, so you cannot vote.")
    requester = P.load_id(s, r.requester_id)
    req_name = requester.name if requester else None
    if who.name == req_name:
        return Ineligible("requester", f"{who.name!r} is the requester: a request needs "
                          "approvers other than the people it acts for",
                          "You requested this action: someone else has to approve it.")
    chain = P.chain(s, req_name)
    behalf = P.chain(s, r.on_behalf_of)
    if who.name in set(chain) | set(behalf):
        via = " → ".join(chain if who.name in chain else behalf)
        return Ineligible("on_behalf", f"{who.name!r} is in the requester's on-behalf-of chain "
                          f"({via}): a request needs approvers other than the people it acts "
                          "for",
                          f"This action was requested on your behalf ({via}): a request "
                          "needs approvers other than the people it acts for.")
    if r.approver_group is not None and r.approver_group not in who.groups:
        return Ineligible("group", f"{who.name!r} is not in approver group {r.approver_group!r}",
                          f"Only members of approver group “{r.approver_group}” can vote.")
    mine = s.execute(select(m.Vote.vote).where(m.Vote.request_id == r.id,
                                               m.Vote.voter_id == who.id)).first()
    if mine is not None:
        return Ineligible("voted", f"{who.name!r} has already voted on request {r.id}",
                          f"You already voted ({mine[0]}) on this request.")
    return None
