"""The plan analyzer on provider-typed plans (faithful rewrites of real `show -json` output in
tests/fixtures/terraform) and on malformed plans, which must fail closed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tfhelpers import load_fixture
from tfhelpers import resource_change as rc

from interlock.analysis.terraform import STATEFUL_TYPES, analyze_plan, analyze_terraform
from interlock.effects import Risk, Scope, Target, Verb
from interlock.errors import InputError


def effects_of(name: str, **kw: Any) -> dict[str, Any]:
    return {e.resource: e for e in analyze_terraform(load_fixture(name), **kw)}


# --- provider-typed plans ---------------------------------------------------------------

def test_aws_rds_without_final_snapshot_and_force_destroy_bucket():
    effects = effects_of("aws_rds_s3_destroy.json", workspace="prod")
    db = effects["aws_db_instance.main"]
    assert (db.verb, db.reversible, db.stateful) == (Verb.DELETE, False, True)
    assert "skip_final_snapshot=true (no final snapshot: the data is gone)" in db.detail
    assert "deletion_protection=false" in db.detail
    assert db.risks == frozenset({Risk.MASS_DESTRUCTION}) and db.scope is Scope.ALL
    bucket = effects['module.storage.aws_s3_bucket.assets["prod"]']
    assert "force_destroy=true (deletes all contents)" in bucket.detail
    assert "delete_because_each_key" in bucket.detail
    assert Target("bucket", "acme-prod-assets") in bucket.targets
    # Provider: profile from var.aws_profile, account from assume_role's ARN; region as detail.
    for e in (db, bucket):
        assert e.targets[:3] == (Target("tf_workspace", "prod"),
                                 Target("aws_profile", "prod-admin"),
                                 Target("aws_account", "111111111111"))
        assert "region=eu-west-1" in e.detail
    sg = effects["aws_security_group.db"]
    assert sg.verb is Verb.UPDATE and not sg.risks and "known after apply: tags_all" in sg.detail
    assert "aws_instance.web" not in effects  # no-op
    facts = db.facts
    assert (facts["tf_prior"], facts["tf_deletes"], facts["tf_stateful_deletes"],
            facts["tf_destroy_share_pct"]) == (4, 2, 2, 50)  # the data source is not counted


def test_google_sql_replace_is_stateful_data_loss_even_when_share_is_small():
    analysis = analyze_plan(load_fixture("google_sql_replace.json"))
    effects = {e.resource: e for e in analysis.effects}
    sql = effects["google_sql_database_instance.main"]
    assert (sql.verb, sql.reversible, sql.stateful) == (Verb.REPLACE, False, True)
    assert "replace paths: region" in sql.detail
    assert "because replace_because_cannot_update" in sql.detail
    assert "deletion_protection=true" in sql.detail
    assert "(+4 more)" in sql.detail  # known-after-apply list is capped
    assert Target("gcp_project", "acme-prod-data") in sql.targets
    assert not sql.risks  # 1 of 7 (15 %) and no guard that wipes it
    assert analysis.summary.facts["tf_stateful_deletes"] == 1
    assert analysis.summary.facts["tf_destroy_share_pct"] == 15
    bucket = effects["google_storage_bucket.backups"]
    assert bucket.verb is Verb.CREATE and bucket.reversible
    assert Target("bucket", "acme-prod-backups") in bucket.targets


def test_azurerm_resource_group_replace():
    effects = effects_of("azurerm_rg_replace.json")
    rg = effects["azurerm_resource_group.main"]
    assert (rg.verb, rg.reversible, rg.stateful) == (Verb.REPLACE, False, True)
    assert rg.scope is Scope.ALL and Risk.MASS_DESTRUCTION in rg.risks
    assert "destroys everything inside it" in rg.detail
    assert Target("resource_group", "prod-rg") in rg.targets
    assert "subscription=00000000-1111-2222-3333-444444444444" in rg.detail
    sa = effects["azurerm_storage_account.data"]
    assert sa.stateful and not sa.reversible and "replace paths: location" in sa.detail
    assert "REDACTED" not in sa.detail  # values are never copied into the detail wholesale
    container = effects["azurerm_storage_container.backups"]
    assert "create_before_destroy" in container.detail and not container.reversible
    assert rg.facts["tf_replaces"] == 3 and rg.facts["tf_destroy_share_pct"] == 75


def test_kubernetes_namespace_delete():
    effects = effects_of("kubernetes_namespace_delete.json")
    ns = effects["kubernetes_namespace.payments"]
    assert (ns.verb, ns.reversible, ns.stateful) == (Verb.DELETE, False, True)
    # 1 of 5 is exactly 20 % (not > 20 %), but a namespace takes everything in it.
    assert ns.facts["tf_destroy_share_pct"] == 20
    assert ns.risks == frozenset({Risk.MASS_DESTRUCTION}) and ns.scope is Scope.ALL
    assert ns.targets == (Target("tf_workspace", None), Target("kube_context", "prod-eks"),
                          Target("k8s_namespace", "payments"))
    deploy = effects["kubernetes_deployment.api"]
    assert deploy.verb is Verb.UPDATE and not deploy.risks
    assert Target("k8s_namespace", "payments") in deploy.targets


def test_stateful_table_covers_the_providers():
    for t in ("aws_db_instance", "aws_s3_bucket", "aws_kms_key", "aws_iam_role",
              "google_sql_database_instance", "google_storage_bucket", "azurerm_storage_account",
              "azurerm_key_vault", "kubernetes_persistent_volume_claim", "kubernetes_stateful_set"):
        assert t in STATEFUL_TYPES
    assert "helm_release" not in STATEFUL_TYPES and "aws_instance" not in STATEFUL_TYPES


# --- synthetic plans (shapes as `show -json` writes them) -------------------------------


def plan_of(*changes: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": {}}, "resource_changes": list(changes),
            "applyable": True, "complete": True, "errored": False, **top}


def test_create_then_forget_and_import_and_read():
    p = plan_of(
        rc("aws_instance.a", ["create", "forget"], before={"id": "i-1"}, after={}),
        rc("aws_instance.b", ["no-op"], before={"id": "i-2"}, after={"id": "i-2"}),
        rc("data.aws_ami.x", ["read"], "aws_ami", mode="data", after={}),
    )
    p["resource_changes"][1]["change"]["importing"] = {"id": "i-2"}
    analysis = analyze_plan(p)
    e = {x.resource: x for x in analysis.effects}
    assert e["aws_instance.a"].verb is Verb.REPLACE and e["aws_instance.a"].reversible
    assert "old object is kept" in e["aws_instance.a"].detail
    assert e["aws_instance.b"].verb is Verb.CREATE and "import id=i-2" in e["aws_instance.b"].detail
    assert e["data.aws_ami.x"].verb is Verb.READ
    f = analysis.summary.facts
    # The imported object is not in the prior state yet (imports must not dilute the share).
    assert (f["tf_forgets"], f["tf_replaces"], f["tf_destroy_share_pct"], f["tf_prior"]) == (
        1, 0, 0, 1)


def test_deposed_delete_counts():
    p = plan_of(rc("aws_db_instance.main", ["delete"], "aws_db_instance", deposed="00000001",
                   before={"identifier": "x"}),
                rc("aws_db_instance.main", ["no-op"], "aws_db_instance",
                   before={"identifier": "x"}, after={"identifier": "x"}))
    (e,) = analyze_terraform(p)
    assert "deposed object 00000001" in e.detail and e.facts["tf_deletes"] == 1


def test_target_plan_share_uses_prior_state():
    """`-target` plans list only the targeted changes; the share is of the whole state."""
    resources = [{"address": f"aws_instance.r{i}", "mode": "managed", "type": "aws_instance",
                  "name": f"r{i}", "provider_name": "registry.terraform.io/hashicorp/aws",
                  "values": {}} for i in range(10)]
    resources.append({"address": "module.m.aws_instance.z", "mode": "managed",
                      "type": "aws_instance", "name": "z", "values": {}})
    p = plan_of(rc("aws_instance.r0", ["delete"], before={}), prior_state={"values": {
        "root_module": {"resources": resources[:10],
                        "child_modules": [{"address": "module.m", "resources": resources[10:]}]}}})
    (e,) = analyze_terraform(p)
    assert e.facts["tf_prior"] == 11 and e.facts["tf_destroy_share_pct"] == 10 and not e.risks


def test_provider_aliases_modules_and_implicit_targets():
    p = plan_of(
        rc("aws_s3_bucket.logs", ["create"], "aws_s3_bucket", after={"bucket": "acme-dev-logs"}),
        rc("kubernetes_config_map.c", ["create"], "kubernetes_config_map",
           provider="registry.terraform.io/hashicorp/kubernetes",
           after={"metadata": [{"name": "c", "namespace": "team-a"}]}),
        rc("google_pubsub_topic.t", ["create"], "google_pubsub_topic",
           provider="registry.terraform.io/hashicorp/google", after={"project": "acme-dev-1"}),
        configuration={"provider_config": {
            "aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                    "expressions": {"allowed_account_ids": {"constant_value": ["222222222222"]}}},
            "aws.west": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                         "alias": "west",
                         "expressions": {"profile": {"constant_value": "dev-west"}}},
            "module.net:aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                               "module_address": "module.net",
                               "expressions": {"profile": {"references": ["var.profile"]}}},
            "kubernetes": {"name": "kubernetes",
                           "full_name": "registry.terraform.io/hashicorp/kubernetes",
                           "expressions": {"config_path": {"constant_value": "/k/dev.yaml"}}},
        }},
        variables={"profile": {"value": "root-var-not-module-var"}},
    )
    e = {x.resource: x for x in analyze_terraform(p, workspace="dev")}
    # No configuration section names the bucket's provider configuration: any of the three
    # could be it, they disagree, and the module's var.profile is not the root's variable, so
    # the module's profile and the disagreement are undeterminable targets in the union.
    assert e["aws_s3_bucket.logs"].targets == (
        Target("tf_workspace", "dev"), Target("aws_account", "222222222222"),
        Target("aws_profile", None), Target("aws_profile", "dev-west"),
        Target.unknown("aws_profile", "profile set by var.profile in module.net"),
        Target.unknown("aws_profile", "provider aws configuration not known, one of 3 that "
                                      "disagree"),
        Target("bucket", "acme-dev-logs"))
    # No config_context: kubeconfig's current context decides, read from the named file.
    assert e["kubernetes_config_map.c"].targets == (
        Target("tf_workspace", "dev"), Target("kube_context", None, source="/k/dev.yaml"),
        Target("k8s_namespace", "team-a"))
    # No provider block at all: the project comes from the resource values.
    assert e["google_pubsub_topic.t"].targets == (
        Target("tf_workspace", "dev"), Target("gcp_project", "acme-dev-1"))


def test_aws_provider_without_profile_is_implicit():
    p = plan_of(rc("aws_instance.a", ["create"], after={}))
    (e,) = analyze_terraform(p, working_dir="/w")
    assert e.targets == (Target("tf_workspace", None, source="/w"), Target("aws_profile", None))


def test_output_changes_and_empty_plan():
    assert analyze_terraform(plan_of()) == []
    p = plan_of(output_changes={"a": {"actions": ["no-op"]}, "b": {"actions": ["update"]}})
    assert [(x.verb, x.resource) for x in analyze_terraform(p)] == [(Verb.UPDATE, "output.b")]


# --- malformed plans fail closed ----------------------------------------------------------

BASE = plan_of(rc("aws_instance.a", ["create"], after={}))


def broken(mutate) -> dict[str, Any]:
    p = copy.deepcopy(BASE)
    mutate(p)
    return p


@pytest.mark.parametrize("plan, message", [
    (None, "JSON object"),
    ([], "JSON object"),
    ({"resource_changes": []}, "format_version"),
    (broken(lambda p: p.update(format_version=1.2)), "format_version"),
    (broken(lambda p: p.update(format_version="2.0")), "unsupported format_version"),
    (broken(lambda p: p.update(format_version="1.x")), "unsupported format_version"),
    (broken(lambda p: p.update(errored=True)), "errored"),
    ({"format_version": "1.2"}, "not a plan"),
    (broken(lambda p: p.update(resource_changes=None)), "null"),
    (broken(lambda p: p.update(resource_changes={"a": 1})), "must be a list"),
    (broken(lambda p: p["resource_changes"].append("x")), "not an object"),
    (broken(lambda p: p["resource_changes"][0].pop("change")), "lacks"),
    (broken(lambda p: p["resource_changes"][0].pop("type")), "lacks"),
    (broken(lambda p: p["resource_changes"][0]["change"].pop("actions")), "non-empty list"),
    (broken(lambda p: p["resource_changes"][0]["change"].update(actions=[])), "non-empty list"),
    (broken(lambda p: p["resource_changes"][0]["change"].update(actions="create")),
     "non-empty list"),
    (broken(lambda p: p["resource_changes"][0]["change"].update(actions=["destroy"])),
     "unknown change.actions"),
    (broken(lambda p: p["resource_changes"][0]["change"].update(actions=["create", "update"])),
     "unknown change.actions"),
    (broken(lambda p: p["resource_changes"][0]["change"].update(actions=[["create"]])),
     "unknown change.actions"),
    (broken(lambda p: p["resource_changes"][0].update(mode="weird")), "unknown mode"),
    (broken(lambda p: p["resource_changes"][0].update(mode="data")), "data source"),
    (broken(lambda p: p.update(output_changes={"o": {"actions": ["bogus"]}})), "unknown actions"),
    (broken(lambda p: p.update(output_changes=[1])), "output_changes"),
])
def test_malformed_plans_raise_input_error(plan, message):
    with pytest.raises(InputError, match=message):
        analyze_terraform(plan)


def test_missing_resource_changes_with_resources_fails_closed():
    planned = {"root_module": {"child_modules": [{"resources": [{"address": "x"}]}]}}
    with pytest.raises(InputError, match="missing"):
        analyze_terraform({"format_version": "1.2", "planned_values": planned})
    prior = {"values": {"root_module": {"resources": [{"address": "x", "mode": "managed"}]}}}
    with pytest.raises(InputError, match="missing"):
        analyze_terraform({"format_version": "1.2", "planned_values": {}, "prior_state": prior})


def test_deferred_changes_are_shown_not_counted():
    p = plan_of(complete=False, deferred_changes=[{
        "reason": "instance_count_unknown",
        "resource_change": rc("aws_db_instance.x[*]", ["delete"], "aws_db_instance",
                              before={}, index_unknown=True)}])
    (e,) = analyze_terraform(p)
    assert e.verb is Verb.DELETE and e.stateful and not e.reversible
    assert e.detail.startswith("deferred (instance_count_unknown)")
    assert e.facts["tf_deletes"] == 0 and not e.risks
    with pytest.raises(InputError, match="deferred"):
        analyze_terraform(plan_of(deferred_changes=[{"reason": "x"}]))
