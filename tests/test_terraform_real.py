"""The plan analyzer on plans produced in this test run by the real terraform binary."""

from __future__ import annotations

import time

import pytest
from tfhelpers import TfProject, data, needs_terraform, removed

from interlock.analysis.terraform import FACT_NAMES, analyze_plan, analyze_terraform
from interlock.effects import Risk, Scope, Target, Verb
from interlock.errors import InputError

pytestmark = needs_terraform

V1 = (
    data("a", input="v1")
    + data("b", trigger="x1")
    + data("c", trigger="y1", cbd=True)
    + data("d", input="del")
    + data("e", input="forget")
    + data("f", input="moved")
    + data("k", input="same")
)
V2 = (
    data("a", input="v2")  # update
    + data("b", trigger="x2")  # replace, destroy then create
    + data("c", trigger="y2", cbd=True)  # replace, create before destroy
    # d: gone from config -> delete
    + removed("terraform_data.e")  # forget
    + data("h", input="moved")
    + "moved {\n  from = terraform_data.f\n  to   = terraform_data.h\n}\n"
    + data("k", input="same")  # no-op
    + data("g", input="new")  # create
)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One apply, four plans: mixed changes, no change, full destroy, empty config."""
    proj = TfProject(tmp_path_factory.mktemp("tf-mixed"))
    proj.write(V1).apply()
    out = {"dir": str(proj.dir), "nochange": proj.plan(out="same")}
    out["destroy"] = proj.plan("-destroy", out="destroy")
    proj.write(V2)
    out["mixed"] = proj.plan(out="mixed")
    empty = TfProject(tmp_path_factory.mktemp("tf-empty"))
    empty.write('variable "unused" {\n  default = 1\n}\n')
    out["empty"] = empty.plan()
    return out


def by_resource(effects):
    return {e.resource: e for e in effects}


def test_mixed_plan_verbs(plans):
    effects = by_resource(analyze_terraform(plans["mixed"], working_dir=plans["dir"]))
    assert {k: e.verb for k, e in effects.items()} == {
        "terraform_data.a": Verb.UPDATE,
        "terraform_data.b": Verb.REPLACE,
        "terraform_data.c": Verb.REPLACE,
        "terraform_data.d": Verb.DELETE,
        "terraform_data.e": Verb.FORGET,
        "terraform_data.h": Verb.UPDATE,  # a move is a state change
        "terraform_data.g": Verb.CREATE,
    }  # terraform_data.k (no-op) is absent


def test_replace_orders_and_reasons(plans):
    effects = by_resource(analyze_terraform(plans["mixed"]))
    b, c = effects["terraform_data.b"], effects["terraform_data.c"]
    assert "destroy then create" in b.detail
    assert "create_before_destroy" in c.detail
    for e in (b, c):
        assert "because replace_because_cannot_update" in e.detail
        assert "replace paths: triggers_replace" in e.detail
        assert "known after apply: id" in e.detail
        assert not e.stateful  # terraform_data holds nothing irreplaceable


def test_delete_forget_move_details(plans):
    effects = by_resource(analyze_terraform(plans["mixed"]))
    d, e, h = effects["terraform_data.d"], effects["terraform_data.e"], effects["terraform_data.h"]
    assert d.reversible is False
    assert "delete_because_no_resource_config" in d.detail
    assert e.reversible is True and e.verb is Verb.FORGET
    assert "moved from terraform_data.f" in h.detail
    assert "known after apply: output" in effects["terraform_data.a"].detail


def test_mixed_plan_facts(plans):
    analysis = analyze_plan(plans["mixed"])
    facts = analysis.summary.facts
    assert facts == {
        "tf_prior": 7, "tf_creates": 1, "tf_total": 8, "tf_updates": 1, "tf_deletes": 1,
        "tf_replaces": 2, "tf_forgets": 1, "tf_stateful_deletes": 0,
        "tf_destroy_share_pct": 43,  # 3 of 7, rounded up
    }
    assert set(facts) == set(FACT_NAMES)
    for e in analysis.effects:
        assert e.facts == facts
    # 43 % > 20 %: the destructive effects carry the mass-destruction risk, the rest do not.
    risky = {e.resource for e in analysis.effects if Risk.MASS_DESTRUCTION in e.risks}
    assert risky == {"terraform_data.b", "terraform_data.c", "terraform_data.d"}
    assert all(e.scope is Scope.MANY for e in analysis.effects if e.risks)


def test_workspace_targets(plans):
    implicit = analyze_terraform(plans["mixed"], working_dir=plans["dir"])
    assert all(e.targets == (Target("tf_workspace", None, source=plans["dir"]),)
               for e in implicit)
    named = analyze_terraform(plans["mixed"], workspace="prod")
    assert all(e.targets == (Target("tf_workspace", "prod"),) for e in named)


def test_no_change_plan_is_empty(plans):
    assert plans["nochange"]["resource_changes"]  # all no-op, but listed
    assert analyze_terraform(plans["nochange"]) == []


def test_empty_config_plan_is_empty(plans):
    assert "resource_changes" not in plans["empty"]
    assert analyze_terraform(plans["empty"]) == []


def test_full_destroy(plans):
    analysis = analyze_plan(plans["destroy"], workspace="prod")
    assert analysis.summary.full_destroy
    assert len(analysis.effects) == 7
    for e in analysis.effects:
        assert e.verb is Verb.DELETE and not e.reversible
        assert e.risks == frozenset({Risk.MASS_DESTRUCTION})
        assert e.scope is Scope.ALL
        assert "full destroy" in e.detail
        assert e.facts["tf_destroy_share_pct"] == 100 and e.facts["tf_deletes"] == 7


def test_errored_plan_fails_closed(tmp_path):
    proj = TfProject(tmp_path)
    proj.write('variable "x" {\n  default = "no"\n}\n' + data("a", input="v")
               + 'resource "terraform_data" "b" {\n  lifecycle {\n    precondition {\n'
               '      condition     = var.x == "ok"\n      error_message = "boom"\n'
               "    }\n  }\n}\n")
    plan = proj.plan(check=False)
    assert plan["errored"] is True
    with pytest.raises(InputError, match="errored"):
        analyze_terraform(plan)


def test_outputs_only_plan(tmp_path):
    proj = TfProject(tmp_path)
    proj.write('output "x" {\n  value = 1\n}\n')
    effects = analyze_terraform(proj.plan())
    assert [(e.verb, e.resource) for e in effects] == [(Verb.UPDATE, "output.x")]


def test_creates_do_not_dilute_destruction(tmp_path):
    """5 in state, 2 deleted, 50 created: 40 % of the state is destroyed, not 2 of 55."""
    proj = TfProject(tmp_path)
    proj.write("".join(data(f"r{i}", input="x") for i in range(5))).apply()
    proj.write("".join(data(f"r{i}", input="x") for i in range(3))
               + data("bulk", input="y", count=50))
    analysis = analyze_plan(proj.plan())
    facts = analysis.summary.facts
    assert (facts["tf_prior"], facts["tf_creates"], facts["tf_total"]) == (5, 50, 55)
    assert facts["tf_destroy_share_pct"] == 40
    assert analysis.summary.mass_destruction and not analysis.summary.full_destroy
    deletes = [e for e in analysis.effects if e.verb is Verb.DELETE]
    assert len(deletes) == 2 and all(Risk.MASS_DESTRUCTION in e.risks for e in deletes)


def test_one_replace_hidden_among_1000_creates(tmp_path):
    proj = TfProject(tmp_path)
    base = "".join(data(f"keep{i}", input="k") for i in range(9))
    proj.write(base + data("victim", trigger="t1")).apply()
    proj.write(base + data("victim", trigger="t2", cbd=True)
               + data("bulk", input="b", count=1000))
    plan = proj.plan()
    assert len(plan["resource_changes"]) == 1010
    t0 = time.perf_counter()
    analysis = analyze_plan(plan, workspace="prod")
    elapsed = time.perf_counter() - t0
    replaces = [e for e in analysis.effects if e.verb is Verb.REPLACE]
    assert [e.resource for e in replaces] == ["terraform_data.victim"]
    assert "create_before_destroy" in replaces[0].detail
    assert len(analysis.effects) == 1001  # 1,000 creates + 1 replace; 9 no-ops skipped
    assert analysis.summary.facts == {
        "tf_prior": 10, "tf_creates": 1000, "tf_total": 1010, "tf_updates": 0,
        "tf_deletes": 0, "tf_replaces": 1, "tf_forgets": 0, "tf_stateful_deletes": 0,
        "tf_destroy_share_pct": 10,
    }
    assert not analysis.summary.mass_destruction
    assert all(not e.risks for e in analysis.effects)
    assert 'terraform_data.bulk[999]' in {e.resource for e in analysis.effects}
    assert elapsed < 0.5
