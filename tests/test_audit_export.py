"""Post-mortem export: filters by agent, target and window; JSON and Markdown."""

from __future__ import annotations

import pytest
from pg import pg_url_fixture, store_fixture  # noqa: F401

from interlock.actions import action_hash, parse_action
from interlock.approvals import controls as C
from interlock.audit import export, record_decision, to_markdown
from interlock.decision import Decision
from interlock.effects import Effect, Target, Verb


def _decide(store, agent: str, path: str) -> None:
    action = parse_action({"tool": "file_delete", "input": {"path": path}, "agent": agent})
    effect = Effect(Verb.DELETE, f"path {path}", (Target("path", path),),
                    environment="production", resolved_target=f"path:{path}")
    decision = Decision("require_approval", 2, "production",
                        [{"policy": "change.production", "message": "m"}], [effect],
                        action_hash(action), policy_version="v1")
    record_decision(store, decision, action, agent)


@pytest.fixture
def timeline(store):
    _decide(store, "bot", "/srv/a")
    store.clock.advance(minutes=10)
    _decide(store, "other", "/srv/b")
    store.clock.advance(minutes=10)
    C.freeze(store, "production", "local:ops", "INC-1")
    store.clock.advance(minutes=10)
    _decide(store, "bot", "/srv/b")
    return store


def test_filters(timeline):
    everything = export(timeline)
    assert [e["seq"] for e in everything] == [1, 2, 3, 4]
    assert [e["seq"] for e in export(timeline, agent="bot")] == [1, 4]
    assert [e["seq"] for e in export(timeline, target="/srv/b")] == [2, 4]
    assert [e["seq"] for e in export(timeline, agent="bot", target="/srv/b")] == [4]
    t2, t3 = everything[1]["ts"], everything[2]["ts"]
    assert [e["seq"] for e in export(timeline, since=t2, until=t3)] == [2, 3]
    assert [e["seq"] for e in export(timeline, since=t3.replace("Z", "+00:00"))] == [3, 4]
    assert export(timeline, agent="nobody") == []


def test_entry_shape(timeline):
    e = export(timeline)[0]
    assert set(e) == {"seq", "ts", "kind", "actor", "subject", "data", "prev_hash", "hash"}
    assert e["kind"] == "decision" and e["data"]["decision"] == "require_approval"
    assert e["data"]["targets"] == ["path /srv/a", "path:/srv/a"]


def test_markdown_timeline(timeline):
    md = to_markdown(export(timeline, agent="bot"), filters={"agent": "bot"})
    assert md.startswith("# interlock audit timeline")
    assert "Filters: agent = `bot`" in md and "Entries: 2" in md
    assert "**require_approval** in production, 2 approval(s)" in md
    assert md.count("\n- **") == 2
    assert "No entries match." in to_markdown([])
