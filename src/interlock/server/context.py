"""The server's shared state and the operations both the JSON API and the web inbox perform.

`ServerContext` lives in `app.state.ctx`. Its methods return JSON-ready dicts and raise the
approval services' errors (`approvals.errors.*`, each with `.status`; a `Conflict` may carry
`.blocking_request`). Every decision is audited; a decision, the request it opens and the
notification it queues commit in one transaction, before the caller answers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..actions import Action, action_hash, parse_action
from ..approvals import controls as C
from ..approvals import requests as R
from ..approvals.errors import ApprovalError
from ..approvals.views import Controls, RequestView
from ..audit.record import record_decision
from ..decision import Decision
from ..errors import InputError
from ..principals import Principal, chain
from .auth import TokenCache
from .bound import BoundStore
from .identity import bind_identity
from .messages import control_message, request_message
from .writer import GroupWriter, LoopBatcher

if TYPE_CHECKING:
    from ..pipeline import Decider
    from ..store.store import Store
    from .metrics import Metrics
    from .notify import Notifier
    from .settings import ServerSettings

# Request states a vote / cancel / redeem announces.
ANNOUNCED = {"approved": "request.approved", "rejected": "request.rejected",
             "cancelled": "request.cancelled"}


_IDENTICAL_OPEN: list[Any] = []


def _identical_open_query() -> Any:
    if not _IDENTICAL_OPEN:
        from sqlalchemy import bindparam, select

        from ..store import models as m

        _IDENTICAL_OPEN.append(
            select(m.Request.id, m.Request.state, m.Request.expires_at).where(
                m.Request.action_hash == bindparam("action_hash"),
                m.Request.requester_id == bindparam("requester_id"),
                m.Request.state.in_(("pending", "approved")),
                m.Request.expires_at > bindparam("now", type_=m.Request.expires_at.type),
                m.Request.policy_version == bindparam("policy_version"),
                m.Request.plan_hash.is_(None)).order_by(m.Request.created_at).limit(1))
    return _IDENTICAL_OPEN[0]


@dataclass(eq=False)
class ServerContext:
    settings: ServerSettings
    store: Store
    decider: Decider
    notifier: Notifier
    metrics: Metrics
    token_cache: TokenCache = field(init=False)
    writer: GroupWriter = field(init=False)
    batcher: LoopBatcher = field(init=False)
    _decide_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _controls: tuple[float, Controls] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.token_cache = TokenCache(self.settings.auth_cache_seconds)
        self.writer = GroupWriter(self.store)  # type: ignore[arg-type]  # a SerialStore
        self.batcher = LoopBatcher(self.store)  # type: ignore[arg-type]

    def _chain(self, principal: Principal):
        def read() -> list[str]:
            with self.store.read() as s:
                return chain(s, principal.name)
        return read

    # -- emergency controls, as the Decider reads them ------------------------------------------
    def controls(self) -> Controls:
        """The store's freeze/kill/break-glass state, reused for `controls_cache_seconds`."""
        ttl = self.settings.controls_cache_seconds
        hit = self._controls
        if hit is not None and ttl > 0 and hit[0] > time.monotonic():
            return hit[1]
        snap = C.snapshot(self.store)
        self._controls = (time.monotonic() + ttl, snap)
        return snap

    def controls_changed(self) -> None:
        self._controls = None

    # -- decisions --------------------------------------------------------------------------
    def decide(self, envelope: dict[str, Any]) -> tuple[Decision, Action | None]:
        """Decide `envelope` (parsed once: the parse resolves paths, which costs syscalls)."""
        try:
            action = parse_action(envelope)
            digest = action_hash(action)
        except (InputError, ValueError):
            action = None
        with self._decide_lock:  # the Decider's resolver caches are not thread-safe
            if action is None:
                return self.decider.decide(envelope), None  # the error decision
            return self.decider.decide_action(action, digest), action

    def decide_and_file(self, envelope: Any, principal: Principal) -> dict[str, Any]:
        """What `POST /v1/decisions` does: bind the caller's identity, decide, audit, and on
        `require_approval` open (or find) the approval request. Raises Forbidden (403) for an
        envelope naming someone else, InvalidInput (400) for a body that is no object, and
        Conflict (409, `.blocking_request`) when another open change holds the target."""
        decision, action, out = self._decide_for(envelope, principal)
        if decision.decision != "require_approval" or action is None:
            # Group-committed; returns once the entry is durable.
            self.writer.submit(self._recorder(decision, action, principal))
            return out
        return self._file(decision, action, principal, out)

    async def adecide_and_file(self, envelope: Any, principal: Principal) -> dict[str, Any]:
        """`decide_and_file` for the event loop: the decision is CPU only; the audit append
        waits for its group commit without holding a worker thread."""
        import asyncio

        from starlette.concurrency import run_in_threadpool

        decision, action, out = self._decide_for(envelope, principal)
        # SQLite: local reads and commits, cheaper on the loop than a thread hand-off (GIL
        # convoys).
        local = self.store.dialect == "sqlite"
        if decision.decision != "require_approval" or action is None:
            record = self._recorder(decision, action, principal)
            if local:
                await self.batcher.submit(record)
            else:  # a network round trip and fsync: keep the loop serving meanwhile
                await asyncio.wrap_future(self.writer.submit_future(record))
            return out
        if local:
            # The common retry of an open request: found and audited in one group-committed
            # transaction on the loop; only a request to open (or a conflict) takes the thread
            # path.
            same = await self.batcher.submit(self._recorder_if_open(decision, action,
                                                                    principal))
            if same is not None:
                return self._with_request(out, *same)
        return await run_in_threadpool(self._file, decision, action, principal, out)

    def _recorder_if_open(self, decision: Decision, action: Action, principal: Principal
                          ) -> Any:
        """In the write transaction: the identical open request (see _identical_open) and the
        decision's audit entry naming it; None (nothing written) when there is none."""
        def record(s: Any) -> tuple[str, str, Any] | None:
            row = s.connection().execute(_identical_open_query(),
                                         self._open_params(decision, principal)).first()
            if row is None:
                return None
            record_decision(self.store, decision, action, principal.name,
                            request_id=row[0], session=s)
            return (row[0], row[1], row[2])
        return record

    def _open_params(self, decision: Decision, principal: Principal) -> dict[str, Any]:
        return {"action_hash": decision.action_hash, "requester_id": principal.id,
                "now": self.store.now(), "policy_version": decision.policy_version or ""}

    @staticmethod
    def _with_request(out: dict[str, Any], request_id: str, state: str,
                      expires_at: Any) -> dict[str, Any]:
        out["request_id"] = request_id
        out["request_state"] = state
        out["expires_at"] = expires_at.isoformat()
        return out

    def _decide_for(self, envelope: Any, principal: Principal
                    ) -> tuple[Decision, Action | None, dict[str, Any]]:
        env = bind_identity(envelope, principal, self._chain(principal))
        decision, action = self.decide(env)
        self.metrics.inc("interlock_decisions_total", "decisions made through the API",
                         decision=decision.decision)
        return decision, action, decision.to_json()

    def _recorder(self, decision: Decision, action: Action | None, principal: Principal,
                  request_id: str | None = None) -> Any:
        def record(s: Any) -> None:
            record_decision(self.store, decision, action, principal.name,
                            request_id=request_id, session=s)
        return record

    def _file(self, decision: Decision, action: Action, principal: Principal,
              out: dict[str, Any]) -> dict[str, Any]:
        """Open (or find) the approval request for a require_approval decision, audited in
        the same transaction."""
        same = self._identical_open(decision, principal)
        if same is not None:  # the common retry: no request to write, only the decision
            request_id, state, expires_at = same
            self.writer.submit(self._recorder(decision, action, principal, request_id))
        else:
            try:
                with self.store.write() as s:
                    view, created = R.open_request(BoundStore(self.store, s), decision, action,
                                                   principal, ttl=self.settings.request_ttl)
                    record_decision(self.store, decision, action, principal.name,
                                    request_id=view.id, session=s)
                    if created:
                        self.notifier.enqueue(s, "request.pending", view.id,
                                              request_message("request.pending", view))
            except ApprovalError:
                # The request was not opened (rolled back); the decision is still audited.
                self.writer.submit(self._recorder(decision, action, principal))
                raise
            if created:
                self.notifier.poke()
            request_id, state, expires_at = view.id, view.state, view.expires_at
        out["request_id"] = request_id
        out["request_state"] = state
        out["expires_at"] = expires_at.isoformat()
        return out

    def _identical_open(self, decision: Decision, principal: Principal
                        ) -> tuple[str, str, Any] | None:
        """An open request of this requester for this exact action, policy version and no
        plan file (what open_request would return unchanged), read without a write lock."""
        with self.store.read() as s:
            row = s.connection().execute(_identical_open_query(),
                                         self._open_params(decision, principal)).first()
        return None if row is None else (row[0], row[1], row[2])

    # -- requests -------------------------------------------------------------------------------
    def get_request(self, request_id: str) -> dict[str, Any]:
        return R.get_request(self.store, request_id).to_json()

    def list_requests(self, principal: Principal, state: str | None = None,
                      requester: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        if not principal.is_human:
            requester = principal.name  # an agent sees its own requests only
        return [r.to_json() for r in R.list_requests(self.store, state, requester, limit)]

    def _announce(self, s: Any, before: str, view: RequestView, actor: str) -> bool:
        event = ANNOUNCED.get(view.state)
        if event is None or view.state == before:
            return False
        self.notifier.enqueue(s, event, view.id, request_message(event, view, actor))
        return True

    def vote(self, request_id: str, principal: Principal, choice: str,
             comment: str = "") -> dict[str, Any]:
        """One human's vote. Refusals (403/409) are audited before they are raised."""
        refused: ApprovalError | None = None
        announced = False
        with self.store.write() as s:
            try:
                view = R.vote(BoundStore(self.store, s), request_id, principal, choice, comment)
            except ApprovalError as e:
                refused = e  # commit: the refusal's audit entry must survive it
            else:
                announced = self._announce(s, "pending", view, principal.name)
        if refused is not None:
            raise refused
        if announced:
            self.notifier.poke()
        self.metrics.inc("interlock_votes_total", "votes accepted", vote=choice)
        return view.to_json()

    def cancel(self, request_id: str, principal: Principal, reason: str = "") -> dict[str, Any]:
        with self.store.write() as s:
            view = R.cancel(BoundStore(self.store, s), request_id, principal, reason)
            self._announce(s, "pending", view, principal.name)
        self.notifier.poke()
        return view.to_json()

    def redeem(self, request_id: str, envelope: Any, principal: Principal) -> dict[str, Any]:
        """Spend the grant for exactly this action (identity bound as for a decision)."""
        env = bind_identity(envelope, principal, self._chain(principal))
        view = R.redeem(self.store, request_id, env, principal,
                        policy_version=None)
        return view.to_json()

    # -- controls -----------------------------------------------------------------------------
    def set_control(self, kind: str, subject: str, actor: Principal, reason: str = "") -> bool:
        """freeze/unfreeze a tier, kill/revive an agent; True if the state changed."""
        fn = {"freeze": C.freeze, "unfreeze": C.unfreeze, "kill": C.kill,
              "revive": C.revive}[kind]
        with self.store.write() as s:
            bound = BoundStore(self.store, s)
            changed = fn(bound, subject, actor.name, reason) if kind in ("freeze", "kill") \
                else fn(bound, subject, actor.name)
            if changed:
                self.notifier.enqueue(s, kind, subject,
                                      control_message(kind, actor.name, subject, reason))
        self.controls_changed()
        if changed:
            self.notifier.poke()
        return changed

    def start_breakglass(self, human: Principal, tier: str, reason: str,
                         ttl_seconds: int | None = None) -> dict[str, Any]:
        from datetime import timedelta

        ttl = timedelta(seconds=ttl_seconds) if ttl_seconds else None
        with self.store.write() as s:
            bg = C.start_breakglass(BoundStore(self.store, s), human, tier, reason, ttl)
            self.notifier.enqueue(s, "breakglass.start", tier, control_message(
                "breakglass.start", human.name, tier, bg.reason, bg.expires_at.isoformat()))
        self.controls_changed()
        self.notifier.poke()
        return bg.to_json()

    def end_breakglass(self, tier: str, actor: Principal) -> bool:
        done = C.end_breakglass(self.store, tier, actor.name)
        self.controls_changed()
        return done
