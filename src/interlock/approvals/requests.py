"""Approval requests: open, vote, cancel, redeem — the two-person rule.

Every function runs in one serialised write transaction (see store/engine.py): expiry is
applied lazily at its start, and a refusal is audited in the same transaction before its
error is raised, so the record of a refused vote or redeem survives the refusal.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select, update

from .. import principals as P
from ..actions import Action, action_hash, parse_action
from ..decision import Decision
from ..errors import InputError
from .eligibility import voter_ineligibility
from .errors import ApprovalError, Conflict, Forbidden, InvalidInput, NotFound, check_text
from .locks import lock_keys
from .views import OPEN_STATES, STATES, RequestView, VoteView, loads

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult
    from sqlalchemy.orm import Session

    from ..store import models as m
    from ..store.store import Store

VOTES = ("approve", "reject")
MAX_COMMENT = 4000


def _models():
    from ..store import models as m

    return m


def _new_id() -> str:
    return secrets.token_hex(12)


# -- reading --------------------------------------------------------------------------------
def _view(s: Session, r: m.Request, now: datetime) -> RequestView:
    m = _models()
    votes = s.execute(select(m.Vote, m.Principal.name).join(m.Principal,
                                                            m.Vote.voter_id == m.Principal.id)
                      .where(m.Vote.request_id == r.id).order_by(m.Vote.id)).all()
    grant = s.execute(select(m.Grant).where(m.Grant.request_id == r.id)).scalar_one_or_none()
    locks = s.execute(select(m.RequestLock.lock_key).where(m.RequestLock.request_id == r.id)
                      ).scalars().all()
    requester = s.get(m.Principal, r.requester_id)
    state = r.state
    if state in OPEN_STATES and r.expires_at <= now:
        state = "expired"  # reads never write: the next write persists it
    return RequestView(
        id=r.id, state=state, action_hash=r.action_hash, policy_version=r.policy_version,
        plan_hash=r.plan_hash, requester=requester.name if requester else "?",
        on_behalf_of=r.on_behalf_of, approvals_required=r.approvals_required,
        approver_group=r.approver_group, environment=r.environment, action=loads(r.action),
        summary=loads(r.summary), created_at=r.created_at, expires_at=r.expires_at,
        decided_at=r.decided_at, state_reason=r.state_reason,
        votes=tuple(VoteView(name, v.vote, v.comment, v.created_at) for v, name in votes),
        grant_id=grant.id if grant else None,
        redeemed_at=grant.redeemed_at if grant else None, lock_keys=tuple(locks))


def get_request(store: Store, request_id: str) -> RequestView:
    m = _models()
    with store.read() as s:
        r = s.get(m.Request, request_id) if isinstance(request_id, str) else None
        if r is None:
            raise NotFound(f"no request {request_id!r}")
        return _view(s, r, store.now())


def list_requests(store: Store, state: str | None = None, requester: str | None = None,
                  limit: int = 100) -> list[RequestView]:
    """Newest first. `state` filters on the effective state (expiry applied)."""
    m = _models()
    if state is not None and state not in STATES:
        raise InvalidInput(f"unknown state {state!r}; states: {', '.join(STATES)}")
    now = store.now()
    q = select(m.Request).order_by(m.Request.created_at.desc(), m.Request.id)
    if requester is not None:
        q = q.join(m.Principal, m.Request.requester_id == m.Principal.id).where(
            m.Principal.name == requester)
    if state in OPEN_STATES:
        q = q.where(m.Request.state == state, m.Request.expires_at > now)
    elif state == "expired":
        q = q.where((m.Request.state == "expired") | (
            m.Request.state.in_(OPEN_STATES) & (m.Request.expires_at <= now)))
    elif state is not None:
        q = q.where(m.Request.state == state)
    with store.read() as s:
        return [_view(s, r, now) for r in s.execute(q.limit(max(1, limit))).scalars()]


# -- shared write helpers -----------------------------------------------------------------------
def _close(s: Session, r: m.Request, state: str, now: datetime, reason: str = "") -> None:
    m = _models()
    r.state, r.decided_at, r.state_reason = state, now, reason
    s.execute(delete(m.RequestLock).where(m.RequestLock.request_id == r.id))


def _sweep(store: Store, s: Session, now: datetime) -> None:
    """Persist expiry of every open request past its deadline (and release its locks)."""
    m = _models()
    due = s.execute(select(m.Request).where(m.Request.state.in_(OPEN_STATES),
                                            m.Request.expires_at <= now)).scalars().all()
    for r in due:
        was = r.state
        _close(s, r, "expired", now, f"expired while {was}")
        store.audit.append(s, "request.expired", "interlock", r.id,
                           {"request_id": r.id, "state": "expired", "was": was,
                            "action_hash": r.action_hash})


def sweep_expired(store: Store) -> None:
    with store.write() as s:
        _sweep(store, s, store.now())


def _load_for_update(s: Session, request_id: str) -> m.Request | None:
    m = _models()
    if not isinstance(request_id, str) or len(request_id) > 64:
        return None
    # FOR UPDATE matters on PostgreSQL only if the global write lock is ever relaxed.
    return s.execute(select(m.Request).where(m.Request.id == request_id).with_for_update()
                     ).scalar_one_or_none()


def _fresh(s: Session, who: P.Principal) -> P.Principal:
    p = P.load_id(s, who.id)
    if p is None or p.disabled or p.name != who.name:
        raise Forbidden(f"principal {who.name!r} is revoked or unknown")
    return p


def _is_killed(s: Session, name: str | None) -> bool:
    m = _models()
    return name is not None and s.get(m.Kill, name) is not None


def _parse(action: Action | dict[str, Any]) -> Action:
    if isinstance(action, Action):
        return action
    try:
        return parse_action(action)
    except InputError as e:
        raise InvalidInput(f"invalid action: {e}") from None


# -- open -------------------------------------------------------------------------------
def open_request(store: Store, decision: Decision, action: Action | dict[str, Any],
                 requester: P.Principal, *, plan_hash: str | None = None,
                 approver_group: str | None = None,
                 ttl: timedelta | None = None) -> tuple[RequestView, bool]:
    """Open an approval request for a `require_approval` decision on `action`.

    Returns (request, created). An identical open request (same action hash, requester,
    policy version and plan hash) is returned with created=False. Raises Conflict (with
    `blocking_request`) when another open request holds one of this action's target locks.
    """
    m = _models()
    act = _parse(action)
    digest = action_hash(act)
    if decision.decision != "require_approval":
        raise InvalidInput(f"a {decision.decision!r} decision needs no approval request")
    if decision.action_hash != digest:
        raise InvalidInput("the decision was made for a different action (action hash differs)")
    if approver_group is None:  # the policy may name who approves (@approvers("sre"))
        approver_group = getattr(decision, "approver_group", None)
    if approver_group is not None and not P.GROUP.fullmatch(approver_group):
        raise InvalidInput(f"invalid approver group {approver_group!r}")
    ttl = ttl or store.settings.request_ttl
    if ttl <= timedelta(0):
        raise InvalidInput("request TTL must be positive")
    keys = lock_keys(decision.effects)
    now = store.now()
    with store.write() as s:
        _sweep(store, s, now)
        who = _fresh(s, requester)
        chain = P.chain(s, who.name)
        if act.agent is not None and act.agent != who.name:
            raise Forbidden(f"the action names agent {act.agent!r} but the requester is "
                            f"{who.name!r}")
        if act.on_behalf_of is not None and act.on_behalf_of not in chain[1:]:
            raise Forbidden(f"{who.name!r} does not act for {act.on_behalf_of!r}")
        if _is_killed(s, who.name):
            raise Forbidden(f"the kill switch is on for {who.name!r}")
        version = decision.policy_version or ""
        same = s.execute(select(m.Request).where(
            m.Request.action_hash == digest, m.Request.requester_id == who.id,
            m.Request.state.in_(OPEN_STATES)).order_by(m.Request.created_at)).scalars().all()
        for r in same:
            if r.policy_version == version and r.plan_hash == plan_hash:
                return _view(s, r, now), False
            # The policy (or plan) changed under it: the old request is stale.
            _close(s, r, "cancelled", now, "superseded by a request under policy version "
                   f"{version[:12]}")
            store.audit.append(s, "request.superseded", who.name, r.id,
                               {"request_id": r.id, "state": "cancelled",
                                "policy_version": r.policy_version, "new_policy_version": version})
        if keys:
            blocking = s.execute(select(m.RequestLock.request_id, m.RequestLock.lock_key)
                                 .where(m.RequestLock.lock_key.in_(keys))
                                 .order_by(m.RequestLock.request_id).limit(1)).first()
            if blocking is not None:
                raise Conflict(f"request {blocking[0]} already holds an open change on "
                               f"{blocking[1]!r}", blocking_request=blocking[0])
        from ..audit.summary import action_record, action_summary, effect_targets, redacted_json

        summary = {"summary": action_summary(act), "targets": effect_targets(decision.effects),
                   "reasons": decision.reasons,
                   "effects": [e.to_json() for e in _most_severe(decision.effects)][:50]}
        excluded = sorted(set(chain) | set(P.chain(s, act.on_behalf_of)))
        r = m.Request(id=_new_id(), action_hash=digest, policy_version=version,
                      plan_hash=plan_hash, requester_id=who.id,
                      on_behalf_of=act.on_behalf_of or who.acts_for,
                      approvals_required=max(1, int(decision.approvals_required)),
                      approver_group=approver_group, state="pending",
                      environment=decision.environment,
                      action=redacted_json(action_record(act)), summary=redacted_json(summary),
                      created_at=now, expires_at=now + ttl, state_reason="")
        s.add(r)
        s.flush()
        s.add_all(m.RequestLock(request_id=r.id, lock_key=k) for k in keys)
        s.flush()
        store.audit.append(s, "request.open", who.name, r.id, {
            "request_id": r.id, "state": "pending", "action_hash": digest,
            "policy_version": version, "plan_hash": plan_hash, "requester": who.name,
            "agent": act.agent, "on_behalf_of": r.on_behalf_of, "excluded_voters": excluded,
            "approvals_required": r.approvals_required, "approver_group": approver_group,
            "environment": r.environment, "summary": summary["summary"],
            "targets": summary["targets"], "lock_keys": keys, "expires_at": r.expires_at.isoformat()})
        return _view(s, r, now), True


# Which effects a human must see first when only some fit in the request's summary.
_SEVERITY = {"replace": 0, "delete": 1, "forget": 2, "privilege": 3, "opaque": 4, "execute": 5,
             "update": 6, "create": 7, "read_secret": 8, "read": 9}


def _most_severe(effects: list[Any]) -> list[Any]:
    return sorted(effects, key=lambda e: (_SEVERITY.get(str(e.verb), 4), not e.stateful,
                                          not e.risks))


# -- vote -------------------------------------------------------------------------------
def _refuse(store: Store, s: Session, kind: str, actor: str, request_id: str,
            err: ApprovalError, **data: Any) -> ApprovalError:
    store.audit.append(s, kind, actor, request_id, {"request_id": request_id, "why": str(err),
                                                    **data})
    return err


def vote(store: Store, request_id: str, voter: P.Principal, choice: str,
         comment: str = "") -> RequestView:
    """One human's approve/reject. Forbidden: agents, non-approvers, the requester and its
    on-behalf-of chain, non-members of the approver group, a second vote. Conflict: not pending.
    Any reject vetoes; the N-th distinct approval approves and issues the single grant."""
    if choice not in VOTES:
        raise InvalidInput(f"vote must be 'approve' or 'reject', not {choice!r}")
    check_text(comment, "comment", MAX_COMMENT)
    now = store.now()
    outcome: RequestView | ApprovalError
    with store.write() as s:
        _sweep(store, s, now)
        outcome = _vote(store, s, request_id, voter, choice, comment, now)
        if isinstance(outcome, ApprovalError):
            _refuse(store, s, "vote.refused", voter.name, str(request_id)[:64], outcome,
                    vote=choice)
    if isinstance(outcome, ApprovalError):
        raise outcome
    return outcome


def _vote(store: Store, s: Session, request_id: str, voter: P.Principal, choice: str,
          comment: str, now: datetime) -> RequestView | ApprovalError:
    m = _models()
    r = _load_for_update(s, request_id)
    if r is None:
        return NotFound(f"no request {request_id!r}")
    try:
        who = _fresh(s, voter)
    except Forbidden as e:
        return e
    refusal = voter_ineligibility(s, r, who)
    if refusal is not None:
        return Forbidden(refusal.api)
    if r.state != "pending":
        return Conflict(f"request {r.id} is {r.state}, not pending")
    s.add(m.Vote(request_id=r.id, voter_id=who.id, vote=choice, comment=comment,
                 created_at=now))
    s.flush()
    store.audit.append(s, "vote", who.name, r.id, {"request_id": r.id, "vote": choice,
                                                   "comment": comment})
    if choice == "reject":
        _close(s, r, "rejected", now, f"vetoed by {who.name}")
        store.audit.append(s, "request.rejected", who.name, r.id,
                           {"request_id": r.id, "state": "rejected", "by": who.name})
    else:
        approvals = s.execute(select(m.Vote.voter_id).where(
            m.Vote.request_id == r.id, m.Vote.vote == "approve")).scalars().all()
        if len(set(approvals)) >= r.approvals_required:
            r.state, r.decided_at = "approved", now
            grant = m.Grant(id=_new_id(), request_id=r.id, issued_at=now)
            s.add(grant)
            s.flush()
            store.audit.append(s, "request.approved", who.name, r.id,
                               {"request_id": r.id, "state": "approved",
                                "approvals": len(set(approvals))})
            store.audit.append(s, "grant.issued", who.name, r.id,
                               {"request_id": r.id, "grant_id": grant.id,
                                "action_hash": r.action_hash})
    return _view(s, r, now)


# -- cancel -----------------------------------------------------------------------------
def cancel(store: Store, request_id: str, by: P.Principal | None, reason: str = "",
           actor: str = "local") -> RequestView:
    """Cancel a pending request. `by` must be its requester, someone the requester acts for,
    or an admin; None means the local bootstrap CLI working on the store directly."""
    check_text(reason, "reason")
    now = store.now()
    with store.write() as s:
        _sweep(store, s, now)
        r = _load_for_update(s, request_id)
        if r is None:
            raise NotFound(f"no request {request_id!r}")
        name = actor
        if by is not None:
            who = _fresh(s, by)
            requester = P.load_id(s, r.requester_id)
            chain = P.chain(s, requester.name if requester else None)
            if who.name not in chain and not (who.is_human and who.has_role("admin")):
                raise Forbidden(f"only the requester or an admin can cancel request {r.id}")
            name = who.name
        if r.state != "pending":
            raise Conflict(f"request {r.id} is {r.state}, not pending")
        _close(s, r, "cancelled", now, reason or f"cancelled by {name}")
        store.audit.append(s, "request.cancelled", name, r.id,
                           {"request_id": r.id, "state": "cancelled", "reason": reason})
        return _view(s, r, now)


# -- redeem -----------------------------------------------------------------------------
def redeem(store: Store, request_id: str, action: Action | dict[str, Any],
           by: P.Principal | None = None, *, policy_version: str | None = None,
           plan_hash: str | None = None) -> RequestView:
    """Spend the grant of an approved request to run exactly `action`: succeeds once.

    Conflict when the request is not approved (pending, rejected, cancelled, already
    redeemed), has expired, or `action` (re-hashed here) differs from the approved one; also
    when `policy_version`/`plan_hash` are given and differ. `by`, when given, must be the
    requester."""
    act = _parse(action)
    digest = action_hash(act)
    now = store.now()
    outcome: RequestView | ApprovalError
    actor = by.name if by is not None else "local"
    with store.write() as s:
        _sweep(store, s, now)
        outcome = _redeem(store, s, request_id, digest, by, policy_version, plan_hash, now)
        if isinstance(outcome, ApprovalError):
            _refuse(store, s, "redeem.refused", actor, str(request_id)[:64], outcome,
                    action_hash=digest)
    if isinstance(outcome, ApprovalError):
        raise outcome
    return outcome


def _redeem(store: Store, s: Session, request_id: str, digest: str, by: P.Principal | None,
            policy_version: str | None, plan_hash: str | None,
            now: datetime) -> RequestView | ApprovalError:
    m = _models()
    r = _load_for_update(s, request_id)
    if r is None:
        return NotFound(f"no request {request_id!r}")
    if by is not None:
        try:
            who = _fresh(s, by)
        except Forbidden as e:
            return e
        if who.id != r.requester_id:
            return Forbidden(f"only the requester can redeem request {r.id}")
        if _is_killed(s, who.name):
            return Forbidden(f"the kill switch is on for {who.name!r}")
    if r.plan_hash is not None and plan_hash != r.plan_hash:
        return Conflict(f"request {r.id} was approved for plan file {r.plan_hash[:12]}…; "
                        "redeem with the same plan")
    if policy_version is not None and policy_version != r.policy_version:
        return Conflict(f"request {r.id} was approved under another policy version")
    # The one statement that spends the grant: concurrent redeemers race here and exactly one
    # sees rowcount 1.
    result = s.execute(update(m.Request).where(
        m.Request.id == r.id, m.Request.state == "approved", m.Request.expires_at > now,
        m.Request.action_hash == digest).values(state="redeemed", decided_at=now,
                                                state_reason="grant redeemed")
        .execution_options(synchronize_session=False))
    if cast("CursorResult[Any]", result).rowcount != 1:
        s.refresh(r)
        if r.state != "approved":
            return Conflict(f"request {r.id} is {r.state}, not approved"
                            + (" (the grant was already used)" if r.state == "redeemed" else ""))
        if r.expires_at <= now:
            return Conflict(f"request {r.id} has expired")
        return Conflict(f"request {r.id} was approved for a different action (action hash "
                        f"{r.action_hash[:12]}…, got {digest[:12]}…)")
    s.refresh(r)
    s.execute(delete(m.RequestLock).where(m.RequestLock.request_id == r.id))
    s.execute(update(m.Grant).where(m.Grant.request_id == r.id, m.Grant.redeemed_at.is_(None))
              .values(redeemed_at=now, redeemed_by=by.name if by else "local")
              .execution_options(synchronize_session=False))
    store.audit.append(s, "grant.redeemed", by.name if by else "local", r.id,
                       {"request_id": r.id, "state": "redeemed", "action_hash": digest})
    return _view(s, r, now)
