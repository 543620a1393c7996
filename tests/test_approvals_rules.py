"""The two-person rule: who may vote, quorum, veto, grants, expiry, cancel, locks — on SQLite
and on a real PostgreSQL server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from pg import pg_url_fixture, store_fixture  # noqa: F401

from interlock import principals as P
from interlock.actions import action_hash, parse_action
from interlock.approvals import Conflict, Forbidden, InvalidInput, NotFound
from interlock.approvals import controls as C
from interlock.approvals import requests as R
from interlock.audit import export
from interlock.decision import Decision
from interlock.effects import Effect, Target, Verb

POLICY_VERSION = "c0ffee" * 10 + "abcd"
APPROVALS = {"production": 2, "staging": 1}


def decide(action: dict, tier: str = "production") -> Decision:
    """The Decision the pipeline gives for `rm -rf PATHS` / `ls PATHS` (built here so these
    tests do not move when analyzers change): one delete (or read) effect per path."""
    words = action["input"]["command"].split()
    paths = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    verb = Verb.READ if words[0] == "ls" else Verb.DELETE
    effects = [Effect(verb, f"path {p}", (Target("path", p),), environment=tier,
                      resolved_target=f"path:{p}", program=words[0]) for p in paths]
    digest = action_hash(parse_action(action))
    if verb == Verb.READ:
        return Decision("allow", 0, tier, [], effects, digest, policy_version=POLICY_VERSION)
    return Decision("require_approval", APPROVALS[tier], tier,
                    [{"policy": f"change.{tier}", "message": "changes need approval"}], effects,
                    digest, policy_version=POLICY_VERSION)


def shell(command: str, agent: str | None = "bot", on_behalf_of: str | None = "alice") -> dict:
    env: dict = {"tool": "shell", "input": {"command": command, "cwd": "/srv"}}
    if agent:
        env["agent"] = agent
    if on_behalf_of:
        env["on_behalf_of"] = on_behalf_of
    return env


@dataclass
class People:
    alice: P.Principal  # human approver; bot acts for her
    bob: P.Principal  # human approver, in group sre
    carol: P.Principal  # human approver, in group sre
    dave: P.Principal  # human operator, not an approver
    eve: P.Principal  # human admin
    bot: P.Principal  # agent acting for alice
    sub: P.Principal  # agent acting for bot (so, transitively, for alice)
    rogue: P.Principal  # agent acting for nobody


@pytest.fixture
def people(store) -> People:
    def add(name, kind, roles=(), acts_for=None, groups=()):
        return P.add_principal(store, name, kind, roles, acts_for, groups)[0]

    return People(add("alice", "human", ["approver", "operator"]),
                  add("bob", "human", ["approver"], groups=["sre"]),
                  add("carol", "human", ["approver"], groups=["sre"]),
                  add("dave", "human", ["operator"]),
                  add("eve", "human", ["admin"]),
                  add("bot", "agent", ["operator"], acts_for="alice"),
                  add("sub", "agent", [], acts_for="bot"),
                  add("rogue", "agent", []))


def open_for(store, who: P.Principal, action: dict, tier: str = "production", **kw):
    decision = decide(action, tier)
    assert decision.decision == "require_approval", decision.to_json()
    return R.open_request(store, decision, action, who, **kw)


def approved(store, people: People, command: str = "rm -rf /srv/app/cache"):
    action = shell(command)
    req, _ = open_for(store, people.bot, action)
    R.vote(store, req.id, people.bob, "approve")
    req = R.vote(store, req.id, people.carol, "approve")
    assert req.state == "approved"
    return req, action


def kinds(store) -> list[str]:
    return [e["kind"] for e in export(store)]


# -- who may vote -------------------------------------------------------------------------
def test_requester_cannot_approve_own_request(store, people):
    req, _ = open_for(store, people.alice, shell("rm -rf /srv/a", agent=None, on_behalf_of=None))
    with pytest.raises(Forbidden, match="requester"):
        R.vote(store, req.id, people.alice, "approve")
    assert R.get_request(store, req.id).votes == ()


def test_human_cannot_approve_request_of_agent_acting_for_them(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    with pytest.raises(Forbidden, match="on-behalf-of chain"):
        R.vote(store, req.id, people.alice, "approve")
    assert R.get_request(store, req.id).state == "pending"


def test_chain_is_recursive(store, people):
    # sub acts for bot, which acts for alice: alice is excluded even though she is two hops away.
    req, _ = open_for(store, people.sub, shell("rm -rf /srv/a", agent="sub", on_behalf_of="bot"))
    with pytest.raises(Forbidden, match="on-behalf-of chain"):
        R.vote(store, req.id, people.alice, "approve")
    assert R.vote(store, req.id, people.bob, "approve").approvals == ["bob"]


@pytest.mark.parametrize("agent", ["bot", "rogue"])
def test_agents_never_vote(store, people, agent):
    req, _ = open_for(store, people.dave, shell("rm -rf /srv/a", agent=None, on_behalf_of=None))
    with pytest.raises(Forbidden, match="agent"):
        R.vote(store, req.id, getattr(people, agent), "approve")


def test_agents_cannot_even_hold_approver_roles(store):
    for role in ("approver", "admin"):
        with pytest.raises(InvalidInput, match="agents never approve"):
            P.add_principal(store, f"a-{role}", "agent", [role])


def test_non_approver_cannot_vote(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    with pytest.raises(Forbidden, match="no approver"):
        R.vote(store, req.id, people.dave, "approve")


def test_admin_may_vote(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    assert R.vote(store, req.id, people.eve, "approve").approvals == ["eve"]


def test_same_human_cannot_vote_twice(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    R.vote(store, req.id, people.bob, "approve")
    with pytest.raises(Forbidden, match="already voted"):
        R.vote(store, req.id, people.bob, "approve")
    with pytest.raises(Forbidden, match="already voted"):
        R.vote(store, req.id, people.bob, "reject")
    view = R.get_request(store, req.id)
    assert view.state == "pending" and view.approvals == ["bob"]


def test_revoked_approver_cannot_vote(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    P.revoke_principal(store, "bob")
    with pytest.raises(Forbidden, match="revoked"):
        R.vote(store, req.id, people.bob, "approve")


def test_approver_group(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"), approver_group="sre")
    with pytest.raises(Forbidden, match="group"):
        R.vote(store, req.id, people.eve, "approve")
    R.vote(store, req.id, people.bob, "approve")
    assert R.vote(store, req.id, people.carol, "approve").state == "approved"


def test_refused_votes_are_audited(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    with pytest.raises(Forbidden):
        R.vote(store, req.id, people.alice, "approve")
    refused = [e for e in export(store) if e["kind"] == "vote.refused"]
    assert len(refused) == 1 and refused[0]["actor"] == "alice"
    assert "chain" in refused[0]["data"]["why"]
    assert store.audit.verify().ok


# -- quorum, veto, grants ---------------------------------------------------------------------
def test_quorum_from_decision(store, people):
    action = shell("rm -rf /srv/a")
    req, created = open_for(store, people.bot, action)
    assert created and req.state == "pending" and req.approvals_required == 2
    assert R.vote(store, req.id, people.bob, "approve", "looks fine").state == "pending"
    done = R.vote(store, req.id, people.carol, "approve")
    assert done.state == "approved" and done.grant_id and done.approvals == ["bob", "carol"]
    assert [v.comment for v in done.votes] == ["looks fine", ""]
    staging, _ = open_for(store, people.bot, shell("rm -rf /srv/b"), tier="staging")
    assert staging.approvals_required == 1
    assert R.vote(store, staging.id, people.bob, "approve").state == "approved"


def test_veto(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    R.vote(store, req.id, people.bob, "approve")
    vetoed = R.vote(store, req.id, people.carol, "reject", "not during the freeze")
    assert vetoed.state == "rejected" and vetoed.rejections == ["carol"] and not vetoed.grant_id
    with pytest.raises(Conflict, match="rejected"):
        R.vote(store, req.id, people.eve, "approve")
    with pytest.raises(Conflict, match="rejected"):
        R.redeem(store, req.id, shell("rm -rf /srv/a"), people.bot)


def test_redeem_exactly_once(store, people):
    req, action = approved(store, people)
    done = R.redeem(store, req.id, action, people.bot)
    assert done.state == "redeemed" and done.redeemed_at is not None
    with pytest.raises(Conflict, match="already used"):
        R.redeem(store, req.id, action, people.bot)
    assert kinds(store).count("grant.redeemed") == 1
    assert kinds(store).count("redeem.refused") == 1


def test_grant_for_a_modified_action_is_refused(store, people):
    req, action = approved(store, people)
    modified = shell("rm -rf /srv/app/cache /srv/app/data")
    with pytest.raises(Conflict, match="different action"):
        R.redeem(store, req.id, modified, people.bot)
    other_cwd = {**action, "input": {**action["input"], "cwd": "/"}}
    with pytest.raises(Conflict, match="different action"):
        R.redeem(store, req.id, other_cwd, people.bot)
    # The refusals did not spend the grant.
    assert R.redeem(store, req.id, action, people.bot).state == "redeemed"


def test_only_the_requester_redeems(store, people):
    req, action = approved(store, people)
    with pytest.raises(Forbidden, match="requester"):
        R.redeem(store, req.id, action, people.rogue)
    assert R.get_request(store, req.id).state == "approved"


def test_pending_request_cannot_be_redeemed(store, people):
    action = shell("rm -rf /srv/a")
    req, _ = open_for(store, people.bot, action)
    R.vote(store, req.id, people.bob, "approve")
    with pytest.raises(Conflict, match="pending"):
        R.redeem(store, req.id, action, people.bot)


def test_policy_version_and_plan_hash_bind(store, people):
    action = shell("rm -rf /srv/a")
    req, _ = open_for(store, people.bot, action, plan_hash="ab" * 32)
    R.vote(store, req.id, people.bob, "approve")
    R.vote(store, req.id, people.carol, "approve")
    with pytest.raises(Conflict, match="plan"):
        R.redeem(store, req.id, action, people.bot, plan_hash="cd" * 32)
    with pytest.raises(Conflict, match="policy version"):
        R.redeem(store, req.id, action, people.bot, plan_hash="ab" * 32, policy_version="x")
    ok = R.redeem(store, req.id, action, people.bot, plan_hash="ab" * 32,
                  policy_version=POLICY_VERSION)
    assert ok.state == "redeemed"


def test_unknown_request(store, people):
    with pytest.raises(NotFound):
        R.get_request(store, "nope")
    with pytest.raises(NotFound):
        R.vote(store, "nope", people.bob, "approve")
    with pytest.raises(NotFound):
        R.redeem(store, "x" * 500, shell("rm -rf /srv/a"), people.bot)


def test_bad_vote_and_comment(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    with pytest.raises(InvalidInput):
        R.vote(store, req.id, people.bob, "maybe")
    with pytest.raises(InvalidInput):
        R.vote(store, req.id, people.bob, "approve", "x" * 5000)


# -- expiry ------------------------------------------------------------------------------
def test_expired_request(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"), ttl=timedelta(minutes=5))
    R.vote(store, req.id, people.bob, "approve")
    store.clock.advance(minutes=6)
    assert R.get_request(store, req.id).state == "expired"  # reads apply expiry
    assert [r.id for r in R.list_requests(store, "expired")] == [req.id]
    assert R.list_requests(store, "pending") == []
    with pytest.raises(Conflict, match="expired"):
        R.vote(store, req.id, people.carol, "approve")
    assert "request.expired" in kinds(store)  # the write persisted it


def test_approved_grant_expires(store, people):
    req, action = approved(store, people)
    store.clock.advance(hours=2)
    with pytest.raises(Conflict, match="expired"):
        R.redeem(store, req.id, action, people.bot)
    assert R.get_request(store, req.id).state == "expired"


def test_expiry_releases_the_target_lock(store, people):
    first, _ = open_for(store, people.bot, shell("rm -rf /srv/a"), ttl=timedelta(minutes=1))
    store.clock.advance(minutes=2)
    second, created = open_for(store, people.rogue,
                               shell("rm -rf /srv/a", agent="rogue", on_behalf_of=None))
    assert created and second.id != first.id


# -- cancel ------------------------------------------------------------------------------
def test_cancel_by_requester(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    done = R.cancel(store, req.id, people.bot, "changed my mind")
    assert done.state == "cancelled"
    with pytest.raises(Conflict, match="cancelled"):
        R.cancel(store, req.id, people.bot)
    with pytest.raises(Conflict, match="cancelled"):
        R.vote(store, req.id, people.bob, "approve")


def test_cancel_by_admin_and_not_by_others(store, people):
    req, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    for outsider in (people.rogue, people.bob, people.dave):
        with pytest.raises(Forbidden, match="requester or an admin"):
            R.cancel(store, req.id, outsider)
    assert R.cancel(store, req.id, people.eve).state == "cancelled"


def test_cancel_approved_is_conflict(store, people):
    req, _ = approved(store, people)
    with pytest.raises(Conflict, match="approved"):
        R.cancel(store, req.id, people.bot)


# -- idempotent create, locks ---------------------------------------------------------------
def test_identical_request_is_returned(store, people):
    action = shell("rm -rf /srv/a")
    first, created = open_for(store, people.bot, action)
    again, created_again = open_for(store, people.bot, action)
    assert created and not created_again and again.id == first.id
    R.vote(store, first.id, people.bob, "approve")
    R.vote(store, first.id, people.carol, "approve")
    same, created3 = open_for(store, people.bot, action)  # approved, not yet redeemed
    assert not created3 and same.id == first.id and same.state == "approved"
    R.redeem(store, first.id, action, people.bot)
    fresh, created4 = open_for(store, people.bot, action)
    assert created4 and fresh.id != first.id
    assert kinds(store).count("request.open") == 2


def test_different_change_on_same_target_conflicts(store, people):
    first, _ = open_for(store, people.bot, shell("rm -rf /srv/a"))
    with pytest.raises(Conflict) as err:
        open_for(store, people.rogue, shell("rm -rf /srv/a", agent="rogue", on_behalf_of=None))
    assert err.value.blocking_request == first.id and first.id in str(err.value)
    with pytest.raises(Conflict) as err2:  # a different action touching the same path
        open_for(store, people.bot, shell("rm -rf /srv/a /srv/b"))
    assert err2.value.blocking_request == first.id
    # Another target is free; after the first closes, its target is free again.
    open_for(store, people.bot, shell("rm -rf /srv/c"))
    R.cancel(store, first.id, people.bot)
    assert open_for(store, people.rogue,
                    shell("rm -rf /srv/a", agent="rogue", on_behalf_of=None))[1]


def test_policy_change_supersedes_stale_request(store, people):
    action = shell("rm -rf /srv/a")
    decision = decide(action)
    old, _ = R.open_request(store, decision, action, people.bot)
    decision.policy_version = "f" * 64
    new, created = R.open_request(store, decision, action, people.bot)
    assert created and new.id != old.id
    assert R.get_request(store, old.id).state == "cancelled"


def test_open_rejects_mismatches(store, people):
    action = shell("rm -rf /srv/a")
    decision = decide(action)
    with pytest.raises(InvalidInput, match="different action"):
        R.open_request(store, decision, shell("rm -rf /srv/b"), people.bot)
    with pytest.raises(InvalidInput, match="needs no approval"):
        R.open_request(store, decide(shell("ls /srv")), shell("ls /srv"), people.bot)
    with pytest.raises(Forbidden, match="names agent"):
        R.open_request(store, decision, action, people.rogue)
    action2 = shell("rm -rf /srv/a", agent="rogue", on_behalf_of="alice")
    with pytest.raises(Forbidden, match="does not act for"):
        R.open_request(store, decide(action2), action2, people.rogue)


def test_killed_agent_cannot_open_or_redeem(store, people):
    req, action = approved(store, people)
    C.kill(store, "bot", "local:test", "runaway")
    with pytest.raises(Forbidden, match="kill switch"):
        R.redeem(store, req.id, action, people.bot)
    with pytest.raises(Forbidden, match="kill switch"):
        open_for(store, people.bot, shell("rm -rf /srv/z"))
    C.revive(store, "bot", "local:test")
    assert R.redeem(store, req.id, action, people.bot).state == "redeemed"


def test_full_flow_is_audited_and_redacted(store, people):
    action = shell("rm -rf /srv/PGPASSWORD=hunter2")
    req, _ = open_for(store, people.bot, action)
    R.vote(store, req.id, people.bob, "approve")
    R.vote(store, req.id, people.carol, "approve")
    R.redeem(store, req.id, action, people.bot)
    got = kinds(store)
    for kind in ("request.open", "vote", "request.approved", "grant.issued", "grant.redeemed"):
        assert kind in got
    dump = str(export(store)) + str(R.get_request(store, req.id).to_json())
    assert "hunter2" not in dump and "PGPASSWORD=***" in dump
    # The hash binds the unredacted action.
    assert req.action_hash == action_hash(parse_action(action))
    assert store.audit.verify().ok
