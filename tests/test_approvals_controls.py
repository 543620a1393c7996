"""Freeze, kill switch and break-glass: state, queries, rules and their audit entries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pg import pg_url_fixture, store_fixture  # noqa: F401

from interlock import principals as P
from interlock.approvals import Conflict, Forbidden, InvalidInput
from interlock.approvals import controls as C
from interlock.audit import export


def test_freeze_per_tier(store):
    assert not C.is_frozen(store, "production")
    assert C.freeze(store, "production", "local:ops", "incident 42")
    assert not C.freeze(store, "production", "local:ops")  # idempotent
    assert C.is_frozen(store, "production") and not C.is_frozen(store, "staging")
    assert C.snapshot(store).frozen == {"production"}
    assert C.unfreeze(store, "production", "local:ops")
    assert not C.unfreeze(store, "production", "local:ops")
    assert not C.is_frozen(store, "production")
    kinds = [(e["kind"], e["subject"]) for e in export(store)]
    assert kinds == [("freeze", "production"), ("unfreeze", "production")]


def test_freeze_rejects_unknown_tier(store):
    with pytest.raises(InvalidInput, match="tier"):
        C.freeze(store, "prod", "x")


def test_kill_switch_per_agent(store):
    assert not C.is_killed(store, "bot") and not C.is_killed(store, None)
    assert C.kill(store, "bot", "local:ops", "looping on deletes")
    assert not C.kill(store, "bot", "local:ops")
    assert C.is_killed(store, "bot") and not C.is_killed(store, "other")
    assert C.snapshot(store).killed == {"bot"}
    assert C.revive(store, "bot", "local:ops") and not C.is_killed(store, "bot")
    assert [e["kind"] for e in export(store)] == ["kill", "revive"]
    with pytest.raises(InvalidInput):
        C.kill(store, "bad name with spaces", "x")


def test_breakglass(store):
    alice = P.add_principal(store, "alice", "human", ["approver"])[0]
    bg = C.start_breakglass(store, alice, "production", "database on fire, INC-7",
                            timedelta(minutes=15))
    assert C.active_breakglass(store, "production") == bg
    assert C.active_breakglass(store, "staging") is None
    assert C.snapshot(store).breakglass == {"production": bg}
    with pytest.raises(Conflict, match="already active"):
        C.start_breakglass(store, alice, "production", "a second window please")
    store.clock.advance(minutes=16)  # short TTL: it ends by itself
    assert C.active_breakglass(store, "production") is None
    entry = next(e for e in export(store) if e["kind"] == "breakglass.start")
    assert entry["actor"] == "alice" and entry["data"]["reason"] == "database on fire, INC-7"
    assert entry["data"]["ttl_seconds"] == 900


def test_breakglass_end(store):
    eve = P.add_principal(store, "eve", "human", ["admin"])[0]
    C.start_breakglass(store, eve, "staging", "hotfix for INC-9")
    assert C.end_breakglass(store, "staging", "eve")
    assert C.active_breakglass(store, "staging") is None
    assert not C.end_breakglass(store, "staging", "eve")


def test_breakglass_rules(store):
    bot = P.add_principal(store, "bot", "agent", ["operator"])[0]
    dave = P.add_principal(store, "dave", "human", ["operator"])[0]
    alice = P.add_principal(store, "alice", "human", ["approver"])[0]
    with pytest.raises(Forbidden):
        C.start_breakglass(store, bot, "production", "an agent wants in")
    with pytest.raises(Forbidden):
        C.start_breakglass(store, dave, "production", "not an approver")
    with pytest.raises(InvalidInput, match="reason"):
        C.start_breakglass(store, alice, "production", "  ")
    with pytest.raises(InvalidInput, match="TTL"):
        C.start_breakglass(store, alice, "production", "too long a window", timedelta(hours=5))
    P.revoke_principal(store, "alice")
    with pytest.raises(Forbidden, match="revoked"):
        C.start_breakglass(store, alice, "production", "revoked human")
    assert C.active_breakglass(store, "production") is None


def test_quick_reader_agrees_with_the_orm(store, tmp_path):
    """`read_controls` (the `check` path, sqlite3 without SQLAlchemy) sees what the ORM sees."""
    from interlock.store import StoreError
    from interlock.store.quick import read_controls

    alice = P.add_principal(store, "alice", "human", ["approver"])[0]
    C.freeze(store, "staging", "x")
    C.kill(store, "bot", "x")
    C.start_breakglass(store, alice, "production", "quick reader test", timedelta(minutes=5))
    quick = read_controls(store.url, now=store.now())
    assert quick == C.snapshot(store)
    assert quick.frozen == {"staging"} and quick.killed == {"bot"}
    assert quick.breakglass["production"].human == "alice"
    later = read_controls(store.url, now=store.now() + timedelta(minutes=6))
    assert later.breakglass == {}
    with pytest.raises(StoreError, match="does not exist"):
        read_controls(f"sqlite:///{tmp_path / 'missing.db'}")
    assert not (tmp_path / "missing.db").exists()
    (tmp_path / "junk.db").write_text("not a database at all" * 50)
    with pytest.raises(StoreError):
        read_controls(f"sqlite:///{tmp_path / 'junk.db'}")
