"""Principals and tokens: 256-bit tokens stored only as SHA-256, expiry, revocation, chains."""

from __future__ import annotations

import hashlib

import pytest
from pg import pg_url_fixture, store_fixture  # noqa: F401
from sqlalchemy import text

from interlock import principals as P
from interlock.approvals import Conflict, InvalidInput, NotFound
from interlock.audit import export


def test_token_is_returned_once_and_stored_as_hash(store):
    p, token = P.add_principal(store, "alice", "human", ["approver", "admin"])
    assert p.kind == "human" and p.roles == {"approver", "admin"} and p.can_vote
    assert len(token) >= 43  # token_urlsafe(32): 256 bits
    with store.read() as s:
        rows = s.execute(text("SELECT token_hash FROM tokens")).scalars().all()
        dump = " ".join(str(r) for t in ("principals", "tokens", "audit_entries")
                        for r in s.execute(text(f"SELECT * FROM {t}")).all())
    assert rows == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in dump
    assert P.authenticate(store, token) == p


@pytest.mark.parametrize("bad", [None, "", "x" * 43, "x" * 5000, 42])
def test_unknown_tokens(store, bad):
    P.add_principal(store, "alice", "human")
    assert P.authenticate(store, bad) is None


def test_token_expiry_and_revocation(store):
    from datetime import timedelta

    _, short = P.add_principal(store, "bot", "agent", token_ttl=timedelta(minutes=10))
    other = P.issue_token(store, "bot")
    assert P.authenticate(store, short).name == "bot"
    store.clock.advance(minutes=11)
    assert P.authenticate(store, short) is None
    assert P.authenticate(store, other).name == "bot"
    assert P.revoke_token(store, other) and not P.revoke_token(store, other)
    assert P.authenticate(store, other) is None


def test_revoke_principal_revokes_all_tokens(store):
    _, t1 = P.add_principal(store, "bob", "human", ["approver"])
    t2 = P.issue_token(store, "bob")
    p = P.revoke_principal(store, "bob")
    assert p.disabled and not p.can_vote
    assert P.authenticate(store, t1) is None and P.authenticate(store, t2) is None
    with pytest.raises(Conflict, match="revoked"):
        P.issue_token(store, "bob")
    assert [e["kind"] for e in export(store)] == ["principal.add", "token.issue",
                                                  "principal.revoke"]


def test_validation(store):
    P.add_principal(store, "alice", "human")
    with pytest.raises(Conflict, match="exists"):
        P.add_principal(store, "alice", "human")
    with pytest.raises(InvalidInput, match="kind"):
        P.add_principal(store, "x", "robot")
    with pytest.raises(InvalidInput, match="role"):
        P.add_principal(store, "x", "human", ["root"])
    with pytest.raises(InvalidInput, match="name"):
        P.add_principal(store, "bad name", "human")
    with pytest.raises(InvalidInput, match="name"):
        P.add_principal(store, "", "human")
    with pytest.raises(NotFound):
        P.add_principal(store, "bot", "agent", acts_for="nobody")
    with pytest.raises(InvalidInput, match="only agents"):
        P.add_principal(store, "h2", "human", acts_for="alice")
    with pytest.raises(InvalidInput, match="agents never approve"):
        P.add_principal(store, "bot", "agent", ["admin"])
    with pytest.raises(NotFound):
        P.revoke_principal(store, "nobody")


def test_on_behalf_chain(store):
    P.add_principal(store, "alice", "human", ["approver"])
    P.add_principal(store, "bot", "agent", acts_for="alice")
    P.add_principal(store, "sub", "agent", acts_for="bot")
    assert P.on_behalf_chain(store, "sub") == ["sub", "bot", "alice"]
    assert P.get_principal(store, "sub").acts_for == "bot"
    assert [p.name for p in P.list_principals(store)] == ["alice", "bot", "sub"]
    assert P.get_principal(store, "nobody") is None
