"""Targets that exist but cannot be determined (`Target.unknown`), effects whose targets name
several resources of one kind, and Terraform addresses with tricky instance keys.

An undeterminable target must never be looked up in the guard's own environment (AWS_PROFILE,
kubeconfig): it resolves to the default tier, and the rule text says why. Several values of one
locator kind in one effect are several resources: a named sandbox one must not hide an unnamed
one. Decisions run through the real pipeline (Cedar pack, inventory, analyzers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tfhelpers import TfProject, needs_terraform
from tfhelpers import resource_change as rc

from interlock.analysis.terraform import analyze_plan, analyze_terraform
from interlock.analysis.terraform.address import config_address, parse_address, resource_type
from interlock.effects import Effect, Target, Verb
from interlock.enforce.broker.credentials import decided_targets
from interlock.inventory import Resolver
from interlock.inventory.model import parse_inventory
from interlock.pipeline import Decider
from interlock.terraform.summary import build_summary, summary_markdown

AWS = "registry.terraform.io/hashicorp/aws"
GOOGLE = "registry.terraform.io/hashicorp/google"
K8S = "registry.terraform.io/hashicorp/kubernetes"

INVENTORY = """
default = "production"
[[rule]]
tier = "sandbox"
tf_workspace = ["dev"]
aws_profile = ["dev*"]
aws_account = ["222222222222"]
gcp_project = ["acme-sandbox-*"]
bucket = ["sandbox-*"]
kube_context = ["kind-*"]
k8s_namespace = ["scratch"]
[[rule]]
tier = "staging"
bucket = ["staging-*"]
[[rule]]
tier = "production"
tf_workspace = ["prod"]
aws_profile = ["prod*"]
k8s_namespace = ["payments"]
"""
INV = parse_inventory(INVENTORY)
# The guard's own environment points at sandbox everywhere: it must never stand in for a
# target the action sets to something we cannot evaluate.
SANDBOX_ENV = {"HOME": "/nonexistent", "AWS_PROFILE": "dev-local"}


def resolve(*targets: Target, inventory=INV, environ=SANDBOX_ENV) -> Effect:
    return Resolver(inventory, environ).resolve(Effect(Verb.UPDATE, "x", targets))


@pytest.fixture()
def decide(tmp_path: Path):
    inv = tmp_path / "inventory.toml"
    inv.write_text(INVENTORY)
    cfg = tmp_path / "kubeconfig"
    cfg.write_text("apiVersion: v1\nkind: Config\ncurrent-context: kind-local\n"
                   "contexts: [{name: kind-local, context: {cluster: c}}]\n")
    decider = Decider(None, str(inv), None,
                      environ={**SANDBOX_ENV, "HOME": str(tmp_path), "KUBECONFIG": str(cfg)})

    def run(plan: dict[str, Any], workspace: str = "dev") -> Any:
        return decider.decide({"tool": "terraform", "input": {"plan": plan,
                                                              "workspace": workspace}})
    return run


def plan_of(*changes: dict[str, Any], providers: dict[str, Any],
            resources: dict[str, str] | None = None, **top: Any) -> dict[str, Any]:
    """A plan whose configuration maps each address in `resources` to a provider config key."""
    root = {"resources": [
        {"address": a, "mode": "managed", "type": a.split(".")[-2], "name": a.split(".")[-1],
         "provider_config_key": k, "expressions": {}} for a, k in (resources or {}).items()]}
    return {"format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": {}}, "resource_changes": list(changes),
            "configuration": {"provider_config": providers, "root_module": root},
            "applyable": True, "complete": True, "errored": False, **top}


def provider(name: str, full: str, alias: str | None = None, module: str | None = None,
             **exprs: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "full_name": full, "expressions": exprs}
    if alias:
        entry["alias"] = alias
    if module:
        entry["module_address"] = module
    return entry


def const(v: Any) -> dict[str, Any]:
    return {"constant_value": v}


def effects_by_resource(plan: dict[str, Any]) -> dict[str, Effect]:
    return {e.resource: e for e in analyze_terraform(plan, workspace="dev")}


# --- Target.unknown ---------------------------------------------------------------------------

def test_unknown_target_is_typed_and_distinct_from_implicit():
    u = Target.unknown("aws_profile", "set by var.profile")
    assert (u.value, u.undeterminable, u.implicit) == (None, "set by var.profile", False)
    assert Target("aws_profile", None).implicit
    assert u != Target("aws_profile", None)
    assert str(u) == "aws_profile:(unknown)" and str(Target("aws_profile", None)) == \
        "aws_profile:(implicit)"
    with pytest.raises(ValueError):
        Target.unknown("aws_profile", "")
    with pytest.raises(ValueError):
        Target("aws_profile", "prod", undeterminable="why")


def test_unknown_target_is_never_looked_up_in_the_environment():
    # AWS_PROFILE=dev-local would make the implicit profile sandbox.
    assert resolve(Target("aws_profile", None)).environment == "sandbox"
    e = resolve(Target.unknown("aws_profile", "set by var.profile"))
    assert e.environment == "production"
    assert e.rule == "default tier (aws_profile undeterminable: set by var.profile)"
    assert e.resolved_target == "aws_profile:(unknown)"
    # It beats a named sandbox grain, and the operator's default applies to it.
    e = resolve(Target("tf_workspace", "dev"), Target.unknown("aws_profile", "set by local.p"))
    assert (e.environment, e.resolved_target) == ("production",
                                                  "tf_workspace:dev, aws_profile:(unknown)")
    e = resolve(Target("tf_workspace", "dev"), Target.unknown("aws_profile", "why"),
                inventory=INV.with_default("staging"))
    assert e.environment == "staging" and "aws_profile undeterminable: why" in e.rule
    # A stricter named target keeps its own rule.
    e = resolve(Target("tf_workspace", "prod"), Target.unknown("aws_profile", "why"))
    assert e.environment == "production" and "tf_workspace = 'prod'" in e.rule


def test_rule_text_lists_every_reason_once():
    e = resolve(Target("kube_context", None, source="/nonexistent/kubeconfig"),
                Target.unknown("host", "host set by module.eks.endpoint"),
                Target.unknown("host", "host set by module.eks.endpoint"),
                Target.unknown("aws_profile", "profile set by var.p"))
    assert e.rule == ("default tier (kube_context undeterminable; host undeterminable: host set "
                      "by module.eks.endpoint; aws_profile undeterminable: profile set by var.p)")
    assert e.resolved_target == "kube_context:(unknown), host:(unknown), aws_profile:(unknown)"


def test_broker_gets_no_credentials_for_an_unknown_target():
    resolver = Resolver(INV, SANDBOX_ENV)
    effects = [Effect(Verb.UPDATE, "x", (Target.unknown("aws_profile", "why"),
                                         Target("aws_profile", None)))]
    assert decided_targets(effects, resolver.implicit) == {("aws_profile", "dev-local")}


# --- several values of one locator kind are several resources ------------------------------

def test_a_named_value_does_not_hide_an_unnamed_one_of_the_same_kind():
    e = resolve(Target("bucket", "sandbox-a"), Target("bucket", "payments-exports"))
    assert e.environment == "production"
    assert e.rule == ("default tier (bucket:payments-exports named by no rule "
                      "(one of 2 bucket values))")
    # All named: the strictest wins, no default.
    e = resolve(Target("bucket", "sandbox-a"), Target("bucket", "staging-b"))
    assert e.environment == "staging" and "staging-*" in e.rule
    # One value per kind is still one resource at several grains (test_inventory's rule).
    assert resolve(Target("aws_profile", "dev-x"), Target("bucket", "scratch")).environment \
        == "sandbox"
    # Qualifiers (namespaces) only narrow: a second, unnamed namespace does not widen.
    e = resolve(Target("kube_context", "kind-a"), Target("k8s_namespace", "scratch"),
                Target("k8s_namespace", "team-x"))
    assert e.environment == "sandbox"
    # Nothing named at all keeps the plain reason.
    assert resolve(Target("bucket", "a"), Target("bucket", "b")).rule == \
        "default tier (no inventory rule matched)"


# --- terraform providers use Target.unknown ----------------------------------------------------

def test_module_variable_profile_is_unknown_with_its_reason(decide):
    p = plan_of(rc("module.m.aws_instance.a", ["update"], "aws_instance", AWS, before={}, after={}),
                providers={"module.m:aws": provider("aws", AWS, module="module.m",
                                                    profile={"references": ["var.profile"]})},
                variables={"profile": {"value": "dev-root"}})  # the root's, not the module's
    p["configuration"]["root_module"] = {"module_calls": {"m": {"module": {"resources": [
        {"address": "aws_instance.a", "provider_config_key": "module.m:aws"}]}}}}
    (eff,) = analyze_terraform(p, workspace="dev")
    assert eff.targets == (Target("tf_workspace", "dev"), Target.unknown(
        "aws_profile", "profile set by var.profile in module.m"))
    d = decide(p)
    (out,) = d.to_json()["effects"]
    assert (d.decision, d.approvals_required, out["environment"]) == ("require_approval", 2,
                                                                      "production")
    assert out["rule"] == ("default tier (aws_profile undeterminable: profile set by "
                           "var.profile in module.m)")
    assert out["target"] == "tf_workspace:dev, aws_profile:(unknown)"
    # The check contract's effect fields are unchanged.
    assert set(out) == {"verb", "resource", "target", "environment", "reversible", "stateful",
                        "scope", "rule", "detail", "risks"}


@pytest.mark.parametrize("exprs, kind, why", [
    ({"project": {"references": ["local.project"]}}, "gcp_project",
     "project set by local.project"),
    ({"project": {"references": ['var.projects["pay"]', "var.projects"]}}, "gcp_project",
     'project set by var.projects["pay"]'),
    ({"project": {}}, "gcp_project", "project set by an expression"),
])
def test_google_project_set_by_an_expression(decide, exprs, kind, why):
    p = plan_of(rc("google_pubsub_topic.t", ["update"], "google_pubsub_topic", GOOGLE,
                   before={}, after={}),
                providers={"google": provider("google", GOOGLE, **exprs)},
                resources={"google_pubsub_topic.t": "google"})
    (eff,) = analyze_terraform(p, workspace="dev")
    assert Target.unknown(kind, why) in eff.targets
    assert not any(t.kind == "resource_group" for t in eff.targets)  # no stand-in kinds
    assert decide(p).environment == "production"


def test_kubeconfig_path_set_by_an_expression_reads_no_kubeconfig(decide):
    """The guard's kubeconfig (kind-local, sandbox) is not the one the provider reads."""
    p = plan_of(rc("kubernetes_config_map.c", ["create"], "kubernetes_config_map", K8S, after={}),
                providers={"kubernetes": provider(
                    "kubernetes", K8S, config_path={"references": ["var.kubeconfig"]})},
                resources={"kubernetes_config_map.c": "kubernetes"})
    (eff,) = analyze_terraform(p, workspace="dev")
    assert eff.targets == (Target("tf_workspace", "dev"), Target.unknown(
        "kube_context", "config_path set by var.kubeconfig"))
    assert decide(p).environment == "production"
    # A literal path is an implicit lookup in that file, as before.
    p["configuration"]["provider_config"]["kubernetes"]["expressions"]["config_path"] = \
        const("/k/dev.yaml")
    (eff,) = analyze_terraform(p, workspace="dev")
    assert Target("kube_context", None, source="/k/dev.yaml") in eff.targets


def test_role_arn_literal_that_names_no_account():
    p = plan_of(rc("aws_instance.a", ["update"], "aws_instance", AWS, before={}, after={}),
                providers={"aws": provider("aws", AWS, profile=const("dev-x"),
                                           assume_role=[{"role_arn": const("not-an-arn")}])},
                resources={"aws_instance.a": "aws"})
    (eff,) = analyze_terraform(p, workspace="dev")
    assert Target.unknown("aws_account", "assume_role.role_arn = 'not-an-arn' names no "
                          "aws_account") in eff.targets
    assert Resolver(INV, SANDBOX_ENV).resolve(eff).environment == "production"


# --- one effect must not let a sandbox resource hide another ---------------------------------

def test_orphan_of_disagreeing_google_aliases_is_undeterminable(decide):
    """No configuration names the deleted instance's provider: either alias could be it.
    Before, only aws/kubernetes got a stand-in; a google union resolved to the sandbox one."""
    p = plan_of(rc("google_compute_instance.gone", ["delete"], "google_compute_instance", GOOGLE,
                   before={}),
                providers={"google": provider("google", GOOGLE, project=const("acme-sandbox-1")),
                           "google.pay": provider("google", GOOGLE, alias="pay",
                                                  project=const("acme-payments"))})
    (eff,) = analyze_terraform(p, workspace="dev")
    assert Target.unknown("gcp_project", "provider google configuration not known, one of 2 "
                          "that disagree") in eff.targets
    d = decide(p)
    # Its only resource deleted: a full destroy, denied in production, allowed in sandbox.
    assert (d.environment, d.decision) == ("production", "deny")
    # Aliases that agree need no stand-in.
    p["configuration"]["provider_config"]["google.pay"]["expressions"]["project"] = \
        const("acme-sandbox-1")
    (eff,) = analyze_terraform(p, workspace="dev")
    assert not any(t.undeterminable for t in eff.targets)
    d = decide(p)
    assert (d.environment, d.decision) == ("sandbox", "allow")


@pytest.mark.parametrize("before, after, tier", [
    ({"name": "sandbox-scratch"}, {"name": "payments-exports"}, "production"),  # moved out
    ({"name": "payments-exports"}, {"name": "sandbox-scratch"}, "production"),  # old one lost
    ({"name": "sandbox-a"}, {"name": "sandbox-b"}, "sandbox"),
    ({"name": "sandbox-a"}, {"name": "staging-b"}, "staging"),
])
def test_replace_that_renames_a_bucket_is_two_resources(decide, before, after, tier):
    p = plan_of(rc("google_storage_bucket.b", ["delete", "create"], "google_storage_bucket",
                   GOOGLE, before=before, after=after),
                providers={"google": provider("google", GOOGLE, project=const("acme-sandbox-1"))},
                resources={"google_storage_bucket.b": "google"})
    assert decide(p).environment == tier


def test_resource_project_overrides_the_providers(decide):
    """`project` on the resource wins over the provider's: it lands in acme-payments."""
    p = plan_of(rc("google_sql_database_instance.db", ["update"], "google_sql_database_instance",
                   GOOGLE, before={"project": "acme-payments"}, after={"project": "acme-payments"}),
                providers={"google": provider("google", GOOGLE, project=const("acme-sandbox-1"))},
                resources={"google_sql_database_instance.db": "google"})
    d = decide(p)
    (out,) = d.to_json()["effects"]
    assert out["environment"] == "production"
    assert "gcp_project:acme-payments named by no rule" in out["rule"]


def test_allowed_account_ids_must_all_be_named(decide):
    p = plan_of(rc("aws_instance.a", ["update"], "aws_instance", AWS, before={}, after={}),
                providers={"aws": provider("aws", AWS, profile=const("dev-x"),
                                           allowed_account_ids=const(["222222222222",
                                                                      "999999999999"]))},
                resources={"aws_instance.a": "aws"})
    assert decide(p).environment == "production"
    p["configuration"]["provider_config"]["aws"]["expressions"]["allowed_account_ids"] = \
        const(["222222222222"])
    assert decide(p).environment == "sandbox"


def test_each_alias_resolves_alone(decide):
    """A sandbox alias and an unnamed one in one plan: two effects, each its own tier."""
    p = plan_of(rc("aws_instance.dev", ["update"], "aws_instance", AWS, before={}, after={}),
                rc("aws_instance.pay", ["update"], "aws_instance", AWS, before={}, after={}),
                providers={"aws": provider("aws", AWS, profile=const("dev-x")),
                           "aws.pay": provider("aws", AWS, alias="pay",
                                               profile=const("payments-admin"))},
                resources={"aws_instance.dev": "aws", "aws_instance.pay": "aws.pay"})
    eff = effects_by_resource(p)
    assert eff["aws_instance.dev"].targets == (Target("tf_workspace", "dev"),
                                               Target("aws_profile", "dev-x"))
    assert eff["aws_instance.pay"].targets == (Target("tf_workspace", "dev"),
                                               Target("aws_profile", "payments-admin"))
    env = {e["resource"]: e["environment"] for e in decide(p, "dev").to_json()["effects"]}
    # a "dev" workspace says which state, not which account: the unnamed profile is where the
    # change lands, and only the inventory can vouch for it (resolve.py, IDENTITY_KINDS).
    assert env == {"aws_instance.dev": "sandbox", "aws_instance.pay": "production"}
    env = {e["resource"]: e["environment"] for e in decide(p, "feature").to_json()["effects"]}
    assert env == {"aws_instance.dev": "sandbox", "aws_instance.pay": "production"}


# --- addresses ---------------------------------------------------------------------------------

TRICKY = [
    # (address, config address, resource type, keys)
    ('module.a["x\\".y"].aws_db_instance.main', "module.a.aws_db_instance.main",
     "aws_db_instance", [None, 'x".y', None, None]),
    ('module.a["k.1[2]"].module.b[0].aws_x.y["a\\"]b"]', "module.a.module.b.aws_x.y", "aws_x",
     [None, "k.1[2]", None, 0, None, 'a"]b']),
    ('aws_s3_bucket.b["a\\\\"]', "aws_s3_bucket.b", "aws_s3_bucket", [None, "a\\"]),
    ('aws_s3_bucket.b["$${x}"]', "aws_s3_bucket.b", "aws_s3_bucket", [None, "${x}"]),
    ('aws_s3_bucket.b["%%{y}"]', "aws_s3_bucket.b", "aws_s3_bucket", [None, "%{y}"]),
    ('aws_s3_bucket.b["t\\tab\\n"]', "aws_s3_bucket.b", "aws_s3_bucket", [None, "t\tab\n"]),
    ('aws_s3_bucket.b["\\u200b\\U0001f600"]', "aws_s3_bucket.b", "aws_s3_bucket",
     [None, "\u200b\U0001f600"]),
    ('module.m["]"].data.aws_ami.x[3]', "module.m.data.aws_ami.x", "aws_ami",
     [None, "]", None, None, 3]),
    ("ephemeral.random_password.p", "ephemeral.random_password.p", "random_password",
     [None, None, None]),
    ('module.m[""].terraform_data.d[""]', "module.m.terraform_data.d", "terraform_data",
     [None, "", None, ""]),
]


@pytest.mark.parametrize("address, config, rtype, keys", TRICKY)
def test_tricky_addresses(address, config, rtype, keys):
    steps = parse_address(address)
    assert steps is not None and [k for _, k in steps] == keys
    assert config_address(address) == config
    assert resource_type(address) == rtype


@pytest.mark.parametrize("address", [
    'aws_x.y["unterminated', 'aws_x.y["a"', "aws_x.y[abc]", "aws_x.y[]", "aws_x..y", ".aws_x.y",
    "aws_x.y.", 'aws_x.y["a"]b', 'aws_x.y["bad \\q escape"]', 'aws_x.y["\\u12"]', "aws_x.y[0][1]",
    'aws_x"y.z', "",
])
def test_malformed_addresses(address):
    assert parse_address(address) is None
    assert config_address(address) is None
    assert resource_type(address) == ""


def test_summary_counts_types_of_addresses_with_escaped_quotes():
    from interlock.decision import Decision

    effects = [Effect(Verb.DELETE, 'module.a["x\\".y"].aws_db_instance.main', stateful=True),
               Effect(Verb.DELETE, 'module.a["q\\"]"].aws_db_instance.main', stateful=True)]
    for e in effects:
        e.environment = "production"
    s = build_summary(Decision("require_approval", 2, "production", [], effects, ""))
    assert s.by_type == [("delete", "aws_db_instance", 2)]


@needs_terraform
def test_real_plan_with_tricky_instance_keys(tmp_path: Path):
    """Keys Terraform itself writes: quotes, dots, brackets, template escapes, tabs and
    non-printable characters, in module and resource instance keys."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(
        'resource "terraform_data" "inner" {\n'
        '  for_each = toset(["a.b", "q\\"x", "[0]", "$${x}", "t\\tab", "e\\u200b", "%%{y}"])\n'
        '  input = each.key\n}\n')
    plan = TfProject(tmp_path).write(
        'module "m" {\n  source = "./m"\n  for_each = toset(["x\\".y", "a[1].b"])\n}\n'
        'resource "terraform_data" "top" {\n  for_each = toset(["x\\".y"])\n'
        '  input = each.key\n}\n').plan()
    addresses = [r["address"] for r in plan["resource_changes"]]
    assert 'module.m["x\\".y"].terraform_data.inner["$${x}"]' in addresses
    assert len(addresses) == 15
    for addr in addresses:
        assert resource_type(addr) == "terraform_data", addr
        assert config_address(addr) in ("terraform_data.top", "module.m.terraform_data.inner")
    analysis = analyze_plan(plan, workspace="dev")
    assert analysis.summary.by_type == {("create", "terraform_data"): 15}
    md = summary_markdown(analysis)
    assert "| create | ` terraform_data ` | 15 |" in md
