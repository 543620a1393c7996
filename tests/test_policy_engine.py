"""The Cedar engine and the shipped pack: DESIGN.md's default table, fail-closed loading and
evaluation, operator overrides and delegation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interlock import analysis
from interlock.effects import Effect, Risk, Scope, Target, Verb
from interlock.errors import ConfigError
from interlock.inventory import parse_inventory
from interlock.pipeline import TF_FACTS, Decider
from interlock.policy import PACK_DIR, PolicyEngine

ENGINE = PolicyEngine()
TIERS = ("production", "staging", "development", "sandbox")
CHANGES = ("create", "update", "forget", "execute", "opaque", "delete", "replace", "privilege")
ALL_VERBS = ("read", "read_secret", *CHANGES)
AGENT = ("Agent", "claude")


def ctx(tier: str, verb: str, risks=(), **kw) -> dict:
    c = {"tool": "shell", "tier": tier, "verb": verb, "resource": "r", "target": "t",
         "scope": "one", "stateful": False, "reversible": True, "risks": sorted(risks),
         "program": "p", "mcp_server": "", "mcp_tool": "", "delegated": False,
         "breakglass": False, **{n: 0 for n in TF_FACTS}}
    c.update(kw)
    return c


def decide(tier: str, verb: str, risks=(), principal=AGENT, engine=ENGINE, **kw):
    v = engine.evaluate(principal, verb, "t", ctx(tier, verb, risks, **kw))
    return v.decision, v.approvals


def expected(tier: str, verb: str, risks: tuple[str, ...]) -> tuple[str, int]:
    """DESIGN.md "Default policy stance", written out independently of the pack."""
    prod = tier == "production"
    if "catastrophic" in risks or "tamper" in risks:
        return "deny", 0
    if "mass_destruction" in risks and prod:
        return "deny", 0
    needs = 0
    if verb in CHANGES:
        needs = max(needs, {"production": 2, "staging": 1}.get(tier, 0))
    if verb == "read_secret":
        needs = max(needs, 2 if prod else 1)
    if "mass_destruction" in risks and tier == "staging":
        needs = max(needs, 2)
    if "host_security" in risks or "dynamic" in risks:
        needs = max(needs, 2 if prod else 1)
    return ("require_approval", needs) if needs else ("allow", 0)


RISK_SETS = [(), ("mass_destruction",), ("host_security",), ("dynamic",), ("catastrophic",),
             ("tamper",), ("remote_code", "catastrophic"), ("remote_code",),
             ("host_security", "dynamic"), ("mass_destruction", "host_security")]


@pytest.mark.parametrize("risks", RISK_SETS, ids=lambda r: "+".join(r) or "plain")
@pytest.mark.parametrize("verb", ALL_VERBS)
@pytest.mark.parametrize("tier", TIERS)
def test_default_table(tier: str, verb: str, risks: tuple[str, ...]) -> None:
    assert decide(tier, verb, risks) == expected(tier, verb, risks)


@pytest.mark.parametrize("tier", TIERS)
def test_catastrophic_and_tamper_deny_even_with_breakglass(tier: str) -> None:
    for r in ("catastrophic", "tamper"):
        assert decide(tier, "delete", (r,), breakglass=True) == ("deny", 0)


def test_breakglass_lifts_the_mass_destruction_deny_only() -> None:
    assert decide("production", "delete", ("mass_destruction",), breakglass=True) == \
        ("require_approval", 2)
    assert decide("staging", "delete", ("mass_destruction",), breakglass=True) == \
        ("require_approval", 2)


@pytest.mark.parametrize("pct,tier,breakglass,want", [
    (21, "production", False, ("deny", 0)),
    (100, "production", False, ("deny", 0)),
    (20, "production", False, ("require_approval", 2)),
    (21, "production", True, ("require_approval", 2)),
    (90, "staging", False, ("require_approval", 1)),
    (90, "sandbox", False, ("allow", 0)),
])
def test_terraform_destroy_share(pct: int, tier: str, breakglass: bool, want) -> None:
    got = decide(tier, "delete", tool="terraform", tf_destroy_share_pct=pct,
                 breakglass=breakglass)
    assert got == want
    # Only destructive verbs count.
    assert decide(tier, "create", tool="terraform", tf_destroy_share_pct=pct)[0] != "deny"


def test_reasons_name_policy_ids() -> None:
    v = ENGINE.evaluate(AGENT, "delete", "t", ctx("production", "delete", ("catastrophic",)))
    assert [p for p, _ in v.reasons] == ["catastrophic"]
    assert "every tier" in v.reasons[0][1]
    v = ENGINE.evaluate(AGENT, "read_secret", "t", ctx("staging", "read_secret",
                                                       ("host_security",)))
    assert {p for p, _ in v.reasons} == {"secret.other", "host-security.other"}
    v = ENGINE.evaluate(AGENT, "read", "t", ctx("production", "read"))
    assert v.reasons == (("base.permit-all", "no rule restricts this effect"),)


def test_every_shipped_policy_has_id_and_reason() -> None:
    assert "base.permit-all" in ENGINE.infos
    for info in ENGINE.infos.values():
        assert info.reason and info.reason != info.id
        if info.effect == "permit":
            assert info.approvals is None


# --- fail closed on a bad context ---------------------------------------------------------

@pytest.mark.parametrize("mutate", [
    lambda c: c.pop("tier"),
    lambda c: c.pop("risks"),
    lambda c: c.pop("tf_destroy_share_pct"),
    lambda c: c.update(extra="x"),
    lambda c: c.update(tier=3),
    lambda c: c.update(risks="catastrophic"),
    lambda c: c.update(breakglass="false"),
    lambda c: c.update(tf_total=2**64),
])
def test_bad_context_denies_with_error(mutate) -> None:
    for tier in TIERS:
        c = ctx(tier, "read")
        mutate(c)
        v = ENGINE.evaluate(AGENT, "read", "t", c)
        assert v.decision == "deny" and v.error, v


@pytest.mark.parametrize("principal,verb", [(("Robot", "x"), "read"), (AGENT, "launch"),
                                            (AGENT, "change"), (("Role", "admin"), "read")])
def test_unknown_principal_type_or_verb_denies(principal, verb) -> None:
    v = ENGINE.evaluate(principal, verb, "t", ctx("sandbox", verb))
    assert v.decision == "deny" and v.error


# --- invalid policy directories -----------------------------------------------------------

def pack(tmp_path: Path, extra: str = "", replace_default: str | None = None) -> Path:
    d = tmp_path / "pack"
    d.mkdir(exist_ok=True)
    shutil.copy(PACK_DIR / "interlock.cedarschema", d)
    default = (PACK_DIR / "default.cedar").read_text()
    (d / "default.cedar").write_text(default if replace_default is None else replace_default)
    if extra:
        (d / "operator.cedar").write_text(extra)
    return d


BAD_POLICIES = {
    "syntax": ("@id(\"x\")\nforbid (principal, action, resource) when { context.tier == };",
               ""),
    "type": ("@id(\"x\")\nforbid (principal, action, resource) when { context.tier > 3 };",
             "does not validate"),
    "unknown attr": ("@id(\"x\")\nforbid (principal, action, resource) "
                     "when { context.nope == 1 };", "does not validate"),
    "unknown action": ("@id(\"x\")\nforbid (principal, action == Action::\"drop\", resource);",
                       "does not validate"),
    "duplicate id": ("@id(\"catastrophic\")\nforbid (principal, action, resource);",
                     "duplicate @id 'catastrophic'"),
    "missing id": ("forbid (principal, action, resource);", "no @id"),
    "approvals on permit": ("@id(\"x\")\n@approvals(\"2\")\npermit (principal, action, resource);",
                            "only makes sense on a forbid"),
    "approvals zero": ("@id(\"x\")\n@approvals(\"zero\")\nforbid (principal, action, resource);",
                       "@approvals must be a whole number"),
    "approvals 0": ("@id(\"x\")\n@approvals(\"0\")\nforbid (principal, action, resource);",
                    "@approvals must be a whole number"),
    "approvals -1": ("@id(\"x\")\n@approvals(\"-1\")\nforbid (principal, action, resource);",
                     "@approvals"),
    "approvals 1.5": ("@id(\"x\")\n@approvals(\"1.5\")\nforbid (principal, action, resource);",
                      "@approvals"),
    "template": ("@id(\"x\")\nforbid (principal == ?principal, action, resource);", "template"),
}


@pytest.mark.parametrize("name", sorted(BAD_POLICIES))
def test_invalid_policy_dir_denies_everything(tmp_path: Path, name: str, monkeypatch) -> None:
    policy, msg = BAD_POLICIES[name]
    d = pack(tmp_path, policy)
    with pytest.raises(ConfigError, match=msg or None):
        PolicyEngine(d)
    # Through the pipeline: every decision is a deny with the error, even a harmless read.
    monkeypatch.setattr(analysis, "analyze", lambda action, environ=None: [
        Effect(Verb.READ, "x", (Target("path", "/tmp/x"),))])
    decider = Decider(d, parse_inventory('[[rule]]\ntier="sandbox"\npath=["/tmp/**"]'))
    for action in ({"tool": "sql", "input": {"statement": "SELECT 1"}},
                   {"tool": "file_delete", "input": {"path": "/tmp/x"}}):
        got = decider.decide(action)
        assert got.decision == "deny" and got.error and (msg in got.error)
        assert got.to_json()["error"] == got.error
        assert got.action_hash


def test_schema_error_and_missing_dirs(tmp_path: Path) -> None:
    d = pack(tmp_path)
    (d / "interlock.cedarschema").write_text("entity Agent; type = ;")
    with pytest.raises(ConfigError, match="schema"):
        PolicyEngine(d)
    with pytest.raises(ConfigError, match="does not exist"):
        PolicyEngine(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no \\*.cedar"):
        PolicyEngine(tmp_path / "empty")


def test_pack_without_schema_uses_the_shipped_schema(tmp_path: Path) -> None:
    d = tmp_path / "p"
    d.mkdir()
    (d / "only.cedar").write_text('@id("all")\npermit (principal, action, resource);')
    e = PolicyEngine(d)
    assert decide("production", "delete", engine=e) == ("allow", 0)


def test_pack_without_permit_denies_by_default(tmp_path: Path) -> None:
    d = pack(tmp_path, replace_default='@id("x")\n@approvals("1")\nforbid (principal, action, '
                                       'resource) when { context.tier == "staging" };')
    e = PolicyEngine(d)
    v = e.evaluate(AGENT, "read", "t", ctx("sandbox", "read"))
    assert (v.decision, v.reasons[0][0]) == ("deny", "default-deny")
    assert decide("staging", "read", engine=e) == ("require_approval", 1)


def test_evaluation_error_in_a_forbid_denies(tmp_path: Path) -> None:
    # Long overflow makes the condition error; cedarpy would skip the forbid (fail open).
    d = pack(tmp_path, '@id("overflow")\nforbid (principal, action, resource) when '
                       '{ context.tf_total + 9223372036854775807 > 0 };')
    e = PolicyEngine(d)
    v = e.evaluate(AGENT, "read", "t", ctx("sandbox", "read", tf_total=1))
    assert v.decision == "deny" and v.error
    assert decide("sandbox", "read", engine=e, tf_total=0) == ("deny", 0)


def test_policy_annotations_and_digest(tmp_path: Path) -> None:
    d = pack(tmp_path, '@id("op.three")\n@approvals("3")\n@reason("three people")\n'
                       'forbid (principal, action == Action::"delete", resource);')
    e = PolicyEngine(d)
    assert e.infos["op.three"].approvals == 3
    v = e.evaluate(AGENT, "delete", "t", ctx("sandbox", "delete"))
    assert (v.decision, v.approvals, v.reasons) == ("require_approval", 3,
                                                    (("op.three", "three people"),))
    assert e.digest != ENGINE.digest
    assert PolicyEngine(PACK_DIR).digest == ENGINE.digest


# --- operator overrides and delegation ----------------------------------------------------

CODEX_CEILING = '@id("ceiling.codex")\n@reason("codex may only read")\n' \
                'forbid (principal == Agent::"codex", action in Action::"change", resource);\n'


@pytest.mark.parametrize("tier", TIERS)
def test_agent_ceiling(tmp_path: Path, tier: str) -> None:
    e = PolicyEngine(pack(tmp_path, CODEX_CEILING))
    codex = ("Agent", "codex")
    for verb in CHANGES:
        v = e.evaluate(codex, verb, "t", ctx(tier, verb))
        assert v.decision == "deny" and ("ceiling.codex", "codex may only read") in v.reasons
        assert decide(tier, verb, engine=e) == expected(tier, verb, ())
    assert decide(tier, "read", principal=codex, engine=e) == ("allow", 0)


HUMAN_FORBIDDEN = '@id("freeze.bob")\nforbid (principal == Human::"bob", action in ' \
                  'Action::"change", resource);\n'


def fake_effects(monkeypatch, *effects: Effect) -> None:
    monkeypatch.setattr(analysis, "analyze", lambda action, environ=None: [
        Effect(e.verb, e.resource, e.targets, e.reversible, e.stateful, e.scope, e.risks,
               e.detail, e.program) for e in effects])


def test_delegation_is_decided_as_both(tmp_path: Path, monkeypatch) -> None:
    sandbox = parse_inventory('[[rule]]\ntier="sandbox"\npath=["/tmp/**"]')
    fake_effects(monkeypatch, Effect(Verb.DELETE, "path /tmp/x", (Target("path", "/tmp/x"),)))
    d = Decider(pack(tmp_path, HUMAN_FORBIDDEN + CODEX_CEILING), sandbox)
    base = {"tool": "file_delete", "input": {"path": "/tmp/x"}}
    assert d.decide({**base, "agent": "claude"}).decision == "allow"
    assert d.decide({**base, "agent": "claude", "on_behalf_of": "alice"}).decision == "allow"
    # The human is forbidden: acting for them is denied although the agent alone is not.
    got = d.decide({**base, "agent": "claude", "on_behalf_of": "bob"})
    assert got.decision == "deny" and got.reasons[0]["policy"] == "freeze.bob"
    # The agent is forbidden: the human's rights do not lift the agent's ceiling.
    got = d.decide({**base, "agent": "codex", "on_behalf_of": "alice"})
    assert got.decision == "deny" and got.reasons[0]["policy"] == "ceiling.codex"
    # No agent named: decided as the "unknown" agent, and as the human.
    assert d.decide({**base, "on_behalf_of": "bob"}).decision == "deny"


def test_delegation_stricter_approval_count_wins(tmp_path: Path, monkeypatch) -> None:
    policy = ('@id("alice.three")\n@approvals("3")\nforbid (principal == Human::"alice", '
              'action, resource) when { context.delegated };\n')
    fake_effects(monkeypatch, Effect(Verb.UPDATE, "x", (Target("host", "h"),)))
    d = Decider(pack(tmp_path, policy), parse_inventory('default = "staging"'))
    base = {"tool": "http", "input": {"method": "PUT", "url": "https://h/"}, "agent": "claude"}
    assert (d.decide(base).decision, d.decide(base).approvals_required) == \
        ("require_approval", 1)
    got = d.decide({**base, "on_behalf_of": "alice"})
    assert (got.decision, got.approvals_required) == ("require_approval", 3)
    assert {r["policy"] for r in got.reasons} == {"change.staging", "alice.three"}


# --- Decider.context and _judge -----------------------------------------------------------

@pytest.mark.parametrize("verb", list(Verb))
@pytest.mark.parametrize("tier", TIERS)
def test_decider_context_is_accepted_by_the_schema(verb: Verb, tier: str, monkeypatch) -> None:
    fake_effects(monkeypatch, Effect(verb, "r", (Target("host", "h"),), scope=Scope.ALL))
    d = Decider(inventory=parse_inventory(f'default = "{tier}"'))
    got = d.decide({"tool": "mcp", "input": {"server": "s", "tool": "t"}, "agent": "a",
                    "on_behalf_of": "h"})
    assert got.error is None
    assert (got.decision, got.approvals_required) == expected(tier, str(verb), ())
    assert got.environment == tier


def test_decider_multiple_effects_strictest_wins(monkeypatch) -> None:
    inv = parse_inventory('[[rule]]\ntier="sandbox"\npath=["/tmp/**"]\n'
                          '[[rule]]\ntier="staging"\npath=["/srv/stg/**"]')
    fake_effects(monkeypatch,
                 Effect(Verb.DELETE, "a", (Target("path", "/tmp/a"),)),
                 Effect(Verb.UPDATE, "b", (Target("path", "/srv/stg/b"),)),
                 Effect(Verb.READ, "c", (Target("path", "/etc/c"),)))
    got = Decider(inventory=inv).decide({"tool": "file_delete", "input": {"path": "/tmp/a"}})
    assert (got.decision, got.approvals_required, got.environment) == \
        ("require_approval", 1, "production")
    assert [e.environment for e in got.effects] == ["sandbox", "staging", "production"]


def test_decider_risks_reach_the_policy(monkeypatch) -> None:
    fake_effects(monkeypatch, Effect(Verb.DELETE, "/", (Target("path", "/tmp/x"),),
                                     risks=frozenset({Risk.CATASTROPHIC})))
    inv = parse_inventory('[[rule]]\ntier="sandbox"\npath=["/tmp/**"]')
    got = Decider(inventory=inv).decide({"tool": "file_delete", "input": {"path": "/tmp/x"}})
    assert got.decision == "deny" and got.reasons[0]["policy"] == "catastrophic"
    assert got.environment == "sandbox"


def test_decider_huge_terraform_facts_are_clamped(monkeypatch) -> None:
    e = Effect(Verb.DELETE, "x", (Target("tf_workspace", "prod"),))
    e.facts = {"tf_total": 10**30, "tf_destroy_share_pct": 10**30, "tf_deletes": -5}
    monkeypatch.setattr(analysis, "analyze", lambda action, environ=None: [e])
    got = Decider().decide({"tool": "terraform", "input": {"plan": {}}})
    assert got.error is None and got.decision == "deny"
    assert got.reasons[0]["policy"] == "terraform.share.production"


def test_decider_analyzer_crash_denies(monkeypatch) -> None:
    def boom(action, environ=None):
        raise KeyError("bug")

    monkeypatch.setattr(analysis, "analyze", boom)
    got = Decider().decide({"tool": "sql", "input": {"statement": "SELECT 1"}})
    assert got.decision == "deny" and "internal error" in got.error


def test_decider_breakglass_flag(monkeypatch) -> None:
    fake_effects(monkeypatch, Effect(Verb.DELETE, "db", (Target("host", "h"),),
                                     risks=frozenset({Risk.MASS_DESTRUCTION})))
    d = Decider()
    action = {"tool": "sql", "input": {"statement": "DROP DATABASE x"}}
    assert d.decide(action).decision == "deny"
    got = d.decide(action, breakglass=True)
    assert (got.decision, got.approvals_required) == ("require_approval", 2)


def test_policy_version_binds_pack_inventory_and_default_tier(tmp_path: Path) -> None:
    inv = parse_inventory('[[rule]]\ntier="sandbox"\npath=["/tmp/**"]')
    versions = {Decider().policy_version, Decider(inventory=inv).policy_version,
                Decider(default_tier="sandbox").policy_version,
                Decider(pack(tmp_path, CODEX_CEILING)).policy_version}
    assert len(versions) == 4 and None not in versions
    assert Decider().policy_version == Decider(PACK_DIR).policy_version


# --- the per-action Cedar answer cache must never merge requests a policy tells apart ------

@pytest.mark.parametrize("policy", [
    'forbid (principal, action, resource) when { context.resource like "*secret*" };',
    'forbid (principal, action, resource == Target::"path:/tmp/secret") ;',
    'forbid (principal, action, resource) when { resource == Target::"path:/tmp/secret" };',
    'forbid (principal, action, resource) when { context has program && '
    'context.program == "secret" };',
    'forbid (principal, action, resource) when { context == context && '
    'context.detail_free == 1 };',
])
def test_cache_does_not_merge_effects_a_policy_distinguishes(tmp_path: Path, monkeypatch,
                                                             policy: str) -> None:
    if "detail_free" in policy:  # uses `context` as a whole: must not validate (unknown attr)
        with pytest.raises(ConfigError):
            PolicyEngine(pack(tmp_path, '@id("op")\n' + policy))
        return
    d = pack(tmp_path, '@id("op")\n' + policy)
    fake_effects(monkeypatch,
                 Effect(Verb.UPDATE, "plain", (Target("path", "/tmp/plain"),), program="ok"),
                 Effect(Verb.UPDATE, "my-secret", (Target("path", "/tmp/secret"),),
                        program="secret"))
    inv = parse_inventory('[[rule]]\ntier="sandbox"\npath=["/tmp/**"]')
    got = Decider(d, inv).decide({"tool": "file_delete", "input": {"path": "/tmp/x"}})
    assert got.decision == "deny" and got.reasons[0]["policy"] == "op", got.reasons


def test_cache_with_whole_context_use(tmp_path: Path, monkeypatch) -> None:
    d = pack(tmp_path, '@id("op")\nforbid (principal, action, resource) when { '
                       'context.resource == "my-secret" && context == context };')
    fake_effects(monkeypatch,
                 Effect(Verb.UPDATE, "plain", (Target("path", "/tmp/plain"),)),
                 Effect(Verb.UPDATE, "my-secret", (Target("path", "/tmp/plain"),)))
    inv = parse_inventory('[[rule]]\ntier="sandbox"\npath=["/tmp/**"]')
    got = Decider(d, inv).decide({"tool": "file_delete", "input": {"path": "/tmp/x"}})
    assert got.decision == "deny"
