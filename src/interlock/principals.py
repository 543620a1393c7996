"""Principals (humans and agents), their roles and bearer tokens.

Tokens are 256-bit random strings; only their SHA-256 is stored (a slow password hash buys
nothing for random secrets and would cost every API call). Lookups are by hash, so no secret is
ever compared. Agents never hold approver/admin roles: agents never approve, by any path.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .approvals.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .store import Store
    from .store import models as m

KINDS = ("human", "agent")
ROLES = ("approver", "operator", "admin")
VOTING_ROLES = frozenset({"approver", "admin"})
AGENT_FORBIDDEN_ROLES = frozenset({"approver", "admin"})
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:+-]{0,199}")
GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_CHAIN = 32  # on-behalf-of chains longer than this are a configuration loop


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    name: str
    kind: str
    roles: frozenset[str]
    groups: frozenset[str]
    acts_for: str | None
    created_at: datetime
    disabled: bool = False

    @property
    def is_human(self) -> bool:
        return self.kind == "human"

    @property
    def can_vote(self) -> bool:
        return self.is_human and not self.disabled and bool(self.roles & VOTING_ROLES)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "roles": sorted(self.roles),
                "groups": sorted(self.groups), "acts_for": self.acts_for,
                "created_at": self.created_at.isoformat(), "disabled": self.disabled}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 32 bytes = 256 bits


def _split(text: str) -> frozenset[str]:
    return frozenset(x for x in text.split(",") if x)


def to_principal(row: m.Principal, acts_for: str | None) -> Principal:
    return Principal(row.id, row.name, row.kind, _split(row.roles), _split(row.groups), acts_for,
                     row.created_at, row.disabled_at is not None)


def load(session: Session, name: str) -> Principal | None:
    from .store import models as m

    row = session.query(m.Principal).filter_by(name=name).one_or_none()
    return None if row is None else _view(session, row)


def load_id(session: Session, pid: int) -> Principal | None:
    from .store import models as m

    row = session.get(m.Principal, pid)
    return None if row is None else _view(session, row)


def _view(session: Session, row: m.Principal) -> Principal:
    from .store import models as m

    acts_for = None
    if row.acts_for_id is not None:
        acts_for = session.get(m.Principal, row.acts_for_id).name  # type: ignore[union-attr]
    return to_principal(row, acts_for)


def chain(session: Session, name: str | None) -> list[str]:
    """`name` and everyone it acts for, recursively (the on-behalf-of chain)."""
    out: list[str] = []
    while name is not None and name not in out and len(out) < MAX_CHAIN:
        out.append(name)
        p = load(session, name)
        name = p.acts_for if p is not None else None
    return out


def _validate(name: str, kind: str, roles: Iterable[str], groups: Iterable[str]
              ) -> tuple[frozenset[str], frozenset[str]]:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InvalidInput(f"invalid principal name {name!r}: letters, digits and ._@:+- "
                           "(at most 200, starting with a letter or digit)")
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; choose {' or '.join(KINDS)}")
    role_set = frozenset(roles)
    unknown = sorted(role_set - set(ROLES))
    if unknown:
        raise InvalidInput(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(ROLES)}")
    if kind == "agent" and role_set & AGENT_FORBIDDEN_ROLES:
        raise InvalidInput(f"agents cannot hold the {'/'.join(sorted(role_set & AGENT_FORBIDDEN_ROLES))}"
                           " role: agents never approve")
    group_set = frozenset(groups)
    bad = sorted(g for g in group_set if not GROUP.fullmatch(g))
    if bad:
        raise InvalidInput(f"invalid group name(s) {', '.join(bad)}")
    return role_set, group_set


def add_principal(store: Store, name: str, kind: str, roles: Iterable[str] = (),
                  acts_for: str | None = None, groups: Iterable[str] = (),
                  token_ttl: timedelta | None = None, actor: str = "local"
                  ) -> tuple[Principal, str]:
    """Create a principal and its first token. Returns (principal, token): the token is shown
    once and never stored."""
    from .store import models as m

    role_set, group_set = _validate(name, kind, roles, groups)
    now = store.now()
    with store.write() as s:
        if s.query(m.Principal.id).filter_by(name=name).first() is not None:
            raise Conflict(f"principal {name!r} already exists")
        acts_for_id = None
        if acts_for is not None:
            if kind != "agent":
                raise InvalidInput("only agents act for another principal")
            target = s.query(m.Principal).filter_by(name=acts_for).one_or_none()
            if target is None:
                raise NotFound(f"acts-for principal {acts_for!r} does not exist")
            if target.disabled_at is not None:
                raise InvalidInput(f"acts-for principal {acts_for!r} is revoked")
            acts_for_id = target.id
        row = m.Principal(name=name, kind=kind, roles=",".join(sorted(role_set)),
                          groups=",".join(sorted(group_set)), acts_for_id=acts_for_id,
                          created_at=now)
        s.add(row)
        s.flush()
        token = _issue(s, row.id, now, token_ttl or store.settings.token_ttl)
        p = to_principal(row, acts_for)
        store.audit.append(s, "principal.add", actor, name, {
            "kind": kind, "roles": sorted(role_set), "groups": sorted(group_set),
            "acts_for": acts_for})
    return p, token


def _issue(s: Session, principal_id: int, now: datetime, ttl: timedelta | None) -> str:
    from .store import models as m

    token = new_token()
    s.add(m.Token(principal_id=principal_id, token_hash=hash_token(token), created_at=now,
                  expires_at=None if ttl is None else now + ttl))
    return token


def issue_token(store: Store, name: str, ttl: timedelta | None = None,
                actor: str = "local") -> str:
    """A further token for an existing, active principal (rotation: issue, then revoke old)."""
    now = store.now()
    with store.write() as s:
        p = _active(s, name)
        token = _issue(s, p.id, now, ttl or store.settings.token_ttl)
        store.audit.append(s, "token.issue", actor, name, {
            "token_sha256_prefix": hash_token(token)[:12]})
    return token


def _active(s: Session, name: str) -> Principal:
    p = load(s, name)
    if p is None:
        raise NotFound(f"no principal named {name!r}")
    if p.disabled:
        raise Conflict(f"principal {name!r} is revoked")
    return p


def revoke_token(store: Store, token: str, actor: str = "local") -> bool:
    """Revoke one token (given in clear). True if it was active."""
    from .store import models as m

    now = store.now()
    with store.write() as s:
        row = s.query(m.Token).filter_by(token_hash=hash_token(token)).one_or_none()
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = now
        owner = load_id(s, row.principal_id)
        store.audit.append(s, "token.revoke", actor, owner.name if owner else "?", {
            "token_sha256_prefix": row.token_hash[:12]})
    return True


def revoke_principal(store: Store, name: str, actor: str = "local") -> Principal:
    """Disable a principal and revoke all its tokens. Its past votes and requests stay."""
    from .store import models as m

    now = store.now()
    with store.write() as s:
        row = s.query(m.Principal).filter_by(name=name).one_or_none()
        if row is None:
            raise NotFound(f"no principal named {name!r}")
        row.disabled_at = row.disabled_at or now
        revoked = (s.query(m.Token).filter_by(principal_id=row.id, revoked_at=None)
                   .update({m.Token.revoked_at: now}))
        store.audit.append(s, "principal.revoke", actor, name, {"tokens_revoked": revoked})
        return _view(s, row)


def authenticate(store: Store, token: str | None) -> Principal | None:
    """The active principal holding this unexpired, unrevoked token; else None."""
    if not isinstance(token, str) or not token or len(token) > 512:
        return None
    return authenticate_hash(store, hash_token(token))


def authenticate_hash(store: Store, token_hash: str) -> Principal | None:
    """`authenticate` for a token known only by its hash (a web session keeps no token)."""
    from .store import models as m

    now = store.now()
    with store.read() as s:
        row = (s.query(m.Principal).join(m.Token, m.Token.principal_id == m.Principal.id)
               .filter(m.Token.token_hash == token_hash, m.Token.revoked_at.is_(None),
                       m.Principal.disabled_at.is_(None))
               .add_columns(m.Token.expires_at).one_or_none())
        if row is None:
            return None
        principal, expires_at = row
        if expires_at is not None and expires_at <= now:
            return None
        return _view(s, principal)


def get_principal(store: Store, name: str) -> Principal | None:
    with store.read() as s:
        return load(s, name)


def list_principals(store: Store) -> list[Principal]:
    from .store import models as m

    with store.read() as s:
        return [_view(s, r) for r in s.query(m.Principal).order_by(m.Principal.name)]


def on_behalf_chain(store: Store, name: str) -> list[str]:
    with store.read() as s:
        return chain(s, name)
