"""`interlock terraform apply` with a store: file one request, two other humans approve,
the exact plan is applied once; the human whose rights the agent borrowed cannot approve."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from tfhelpers import TERRAFORM, TfProject, data, needs_terraform

from interlock import approvals
from interlock.approvals.errors import Forbidden
from interlock.principals import add_principal
from interlock.store import open_store
from interlock.terraform.apply import EXIT_APPLIED, EXIT_APPROVAL, ApplyOptions, ApplyRun
from interlock.terraform.approval import StoreApprovals

pytestmark = needs_terraform


@pytest.fixture
def world(tmp_path):
    url = f"sqlite:///{tmp_path / 'interlock.db'}"
    store = open_store(url)
    people = {}
    for name in ("alice", "bob", "carol"):
        people[name], _ = add_principal(store, name, "human", roles=("approver",))
    people["claude"], _ = add_principal(store, "claude", "agent", acts_for="alice")
    proj = TfProject(tmp_path / "live")
    proj.write("".join(data(f"r{i}", input="v1") for i in range(6))).apply()
    yield store, url, people, proj
    store.close()


def _apply(proj, url, **kw):
    out = io.StringIO()
    console = Console(file=out, width=200)
    opts = ApplyOptions(chdir=proj.dir, terraform_bin=TERRAFORM, yes=True, env="production",
                        db=url, agent="claude", **kw)
    redeemer = StoreApprovals(url, "claude", console)
    return ApplyRun(opts, console, redeem=redeemer).run(), redeemer, out.getvalue()


def _serial(proj):
    return json.loads(proj.run("state", "pull").stdout)["serial"]


def test_two_other_humans_approve_and_exactly_that_plan_is_applied_once(world):
    store, url, people, proj = world
    before = _serial(proj)
    # recreate one of six resources: 17 % of the state, under the mass-destruction bar
    proj.write(data("r0", input="v1", trigger="recreate") +
               "".join(data(f"r{i}", input="v1") for i in range(1, 6)))
    first, filed, shown = _apply(proj, url)
    assert first.status == EXIT_APPROVAL and not first.applied
    assert filed.request_id and "approval request" in shown
    request = approvals.get_request(store, filed.request_id)
    assert request.approvals_required == 2 and request.plan_hash == first.plan_sha256

    with pytest.raises(Forbidden):  # the agent borrowed alice's rights: she cannot approve
        approvals.vote(store, filed.request_id, people["alice"], "approve")
    approvals.vote(store, filed.request_id, people["bob"], "approve", "looks right")
    assert approvals.get_request(store, filed.request_id).state == "pending"
    approvals.vote(store, filed.request_id, people["carol"], "approve")
    assert approvals.get_request(store, filed.request_id).state == "approved"

    second, redeemer, shown = _apply(proj, url, plan_file=first.kept_plan,
                                     expect_hash=first.plan_sha256)
    assert second.status == EXIT_APPLIED and second.applied, second.message
    assert redeemer.request_id == filed.request_id
    assert approvals.get_request(store, filed.request_id).state == "redeemed"
    assert _serial(proj) > before

    # the grant is spent: the same kept plan is not applied a second time
    third, _, _ = _apply(proj, url, plan_file=first.kept_plan, expect_hash=first.plan_sha256)
    assert not third.applied


def test_an_unknown_requester_is_an_error_and_nothing_is_applied(world):
    store, url, people, proj = world
    proj.write(data("r0", input="v2") + "".join(data(f"r{i}", input="v1") for i in range(1, 6)))
    out = io.StringIO()
    console = Console(file=out, width=200)
    opts = ApplyOptions(chdir=proj.dir, terraform_bin=TERRAFORM, yes=True, env="production",
                        db=url, agent="ghost")
    outcome = ApplyRun(opts, console, redeem=StoreApprovals(url, "ghost", console)).run()
    assert outcome.status == 1 and not outcome.applied
    assert "not a principal" in outcome.message
