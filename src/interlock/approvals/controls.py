"""Emergency controls: freeze (per tier), kill switch (per agent), break-glass (per tier).

State only: the Decider consults `snapshot()` (or the single queries) and decides. Freeze and
kill only ever make decisions stricter; break-glass relaxes them, so it needs a named human
with the approver or admin role, a reason and a short TTL, and is recorded loudly.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from .. import principals as P
from ..inventory.model import TIERS
from .errors import Conflict, Forbidden, InvalidInput, check_text
from .views import BreakGlassView, Controls

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store import models as m
    from ..store.store import Store

BREAKGLASS_ROLES = frozenset({"approver", "admin"})
MIN_REASON = 8


def _models():
    from ..store import models as m

    return m


def _tier(tier: str) -> str:
    if tier not in TIERS:
        raise InvalidInput(f"unknown tier {tier!r}; tiers: {', '.join(TIERS)}")
    return tier


def _agent(name: str) -> str:
    if not isinstance(name, str) or not P.NAME.fullmatch(name):
        raise InvalidInput(f"invalid agent name {name!r}")
    return name


# -- freeze and kill: a switch is a row keyed by tier or agent ---------------------------
def _switch_on(store: Store, model: type, key: str, kind: str, actor: str, reason: str) -> bool:
    check_text(reason, "reason")
    field = "tier" if kind == "freeze" else "agent"
    with store.write() as s:
        if s.get(model, key) is not None:
            return False
        s.add(model(**{field: key}, actor=actor, reason=reason, created_at=store.now()))
        s.flush()
        store.audit.append(s, kind, actor, key, {field: key, "reason": reason})
    return True


def _switch_off(store: Store, model: type, key: str, kind: str, actor: str) -> bool:
    with store.write() as s:
        row = s.get(model, key)
        if row is None:
            return False
        s.delete(row)
        store.audit.append(s, kind, actor, key,
                           {"tier" if kind == "unfreeze" else "agent": key})
    return True


def freeze(store: Store, tier: str, actor: str, reason: str = "") -> bool:
    """Deny every non-read in `tier` until unfrozen. False if it was already frozen."""
    return _switch_on(store, _models().Freeze, _tier(tier), "freeze", actor, reason)


def unfreeze(store: Store, tier: str, actor: str) -> bool:
    return _switch_off(store, _models().Freeze, _tier(tier), "unfreeze", actor)


def is_frozen(store: Store, tier: str) -> bool:
    m = _models()
    with store.read() as s:
        return s.get(m.Freeze, tier) is not None


def kill(store: Store, agent: str, actor: str, reason: str = "") -> bool:
    """Deny everything `agent` asks, and its open requests' redemption, until revived."""
    return _switch_on(store, _models().Kill, _agent(agent), "kill", actor, reason)


def revive(store: Store, agent: str, actor: str) -> bool:
    return _switch_off(store, _models().Kill, _agent(agent), "revive", actor)


def is_killed(store: Store, agent: str | None) -> bool:
    m = _models()
    if not agent:
        return False
    with store.read() as s:
        return s.get(m.Kill, agent) is not None


# -- break-glass ------------------------------------------------------------------------
def _bg_view(r: m.BreakGlass) -> BreakGlassView:
    return BreakGlassView(r.id, r.tier, r.human, r.reason, r.created_at, r.expires_at,
                          r.ended_at)


def _active(s: Session, tier: str, now) -> m.BreakGlass | None:
    m = _models()
    return s.execute(select(m.BreakGlass).where(
        m.BreakGlass.tier == tier, m.BreakGlass.ended_at.is_(None),
        m.BreakGlass.expires_at > now).order_by(m.BreakGlass.expires_at.desc()).limit(1)
    ).scalar_one_or_none()


def start_breakglass(store: Store, human: P.Principal, tier: str, reason: str,
                     ttl: timedelta | None = None) -> BreakGlassView:
    m = _models()
    _tier(tier)
    ttl = ttl or store.settings.breakglass_default_ttl
    if ttl <= timedelta(0) or ttl > store.settings.breakglass_max_ttl:
        raise InvalidInput(f"break-glass TTL must be positive and at most "
                           f"{store.settings.breakglass_max_ttl}")
    reason = check_text(reason or "", "reason").strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(f"break-glass needs a reason (at least {MIN_REASON} characters)")
    now = store.now()
    with store.write() as s:
        who = P.load_id(s, human.id)
        if who is None or who.disabled or who.name != human.name:
            raise Forbidden(f"principal {human.name!r} is revoked or unknown")
        if not who.is_human or not who.roles & BREAKGLASS_ROLES:
            raise Forbidden(f"break-glass needs a human with the approver or admin role, "
                            f"not {who.name!r}")
        if _active(s, tier, now) is not None:
            raise Conflict(f"break-glass is already active in {tier}")
        row = m.BreakGlass(id=secrets.token_hex(12), tier=tier, human=who.name, reason=reason,
                           created_at=now, expires_at=now + ttl)
        s.add(row)
        s.flush()
        store.audit.append(s, "breakglass.start", who.name, tier, {
            "tier": tier, "reason": reason, "ttl_seconds": int(ttl.total_seconds()),
            "breakglass_id": row.id, "expires_at": row.expires_at.isoformat()})
        return _bg_view(row)


def end_breakglass(store: Store, tier: str, actor: str) -> bool:
    m = _models()
    _tier(tier)
    now = store.now()
    with store.write() as s:
        row = _active(s, tier, now)
        if row is None:
            return False
        s.execute(update(m.BreakGlass).where(m.BreakGlass.id == row.id).values(ended_at=now))
        store.audit.append(s, "breakglass.end", actor, tier,
                           {"tier": tier, "breakglass_id": row.id})
    return True


def active_breakglass(store: Store, tier: str) -> BreakGlassView | None:
    with store.read() as s:
        row = _active(s, tier, store.now())
        return None if row is None else _bg_view(row)


def snapshot(store: Store) -> Controls:
    """Frozen tiers, killed agents and active break-glass per tier, in one read."""
    m = _models()
    now = store.now()
    with store.read() as s:
        frozen = frozenset(s.execute(select(m.Freeze.tier)).scalars())
        killed = frozenset(s.execute(select(m.Kill.agent)).scalars())
        rows = s.execute(select(m.BreakGlass).where(m.BreakGlass.ended_at.is_(None),
                                                    m.BreakGlass.expires_at > now)).scalars()
        bg = {r.tier: _bg_view(r) for r in rows}
    return Controls(frozen, killed, bg)
