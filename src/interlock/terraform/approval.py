"""Approvals for `interlock terraform apply`, through the store.

A `require_approval` plan files one request bound to the action hash (which covers the whole
plan JSON), the policy version and the plan file's SHA-256. Running the same command again —
or `--plan-file KEPT --expect-hash SHA` — finds the approved request for exactly that action and
plan file, redeems its single-use grant and applies; anything else leaves the request pending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InterlockError

if TYPE_CHECKING:
    from rich.console import Console

    from ..decision import Decision


class StoreApprovals:
    def __init__(self, db_url: str, agent: str | None, console: Console):
        self.db_url = db_url
        self.agent = agent
        self.console = console
        self.request_id: str | None = None

    def __call__(self, decision: Decision, plan_sha256: str, envelope: dict[str, Any]) -> bool:
        from .. import approvals
        from ..principals import get_principal
        from ..store import open_store

        if not self.agent:
            raise InterlockError("approval needed but no requester: pass --agent NAME (a "
                                 "principal in the store) so the request can be filed")
        store = open_store(self.db_url, create=False)
        try:
            requester = get_principal(store, self.agent)
            if requester is None:
                raise InterlockError(f"--agent {self.agent!r} is not a principal in the store "
                                     "(interlock principals add … --kind agent)")
            for r in approvals.list_requests(store, state="approved", requester=self.agent):
                if r.action_hash == decision.action_hash and r.plan_hash == plan_sha256:
                    approvals.redeem(store, r.id, envelope, by=requester,
                                     policy_version=decision.policy_version,
                                     plan_hash=plan_sha256)
                    self.request_id = r.id
                    self.console.print(f"redeemed the approval of request {r.id} "
                                       f"({', '.join(r.approvals)})")
                    return True
            view, created = approvals.open_request(store, decision, envelope, requester,
                                                   plan_hash=plan_sha256)
            self.request_id = view.id
            self.console.print(
                f"approval request {view.id} {'filed' if created else 'is still ' + view.state}"
                f": {len(view.approvals)}/{view.approvals_required} approvals; humans approve "
                f"with `interlock requests approve {view.id}` or in the web inbox")
            return False
        finally:
            store.close()
