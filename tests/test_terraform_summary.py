"""The plan summary: grouping and order (data loss first), replace paths and reasons, counts,
share of the state, the decision; Markdown and rich renderings of the same model."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from tfhelpers import TfProject, data, load_fixture, needs_terraform, removed

from interlock.analysis.terraform import analyze_plan
from interlock.decision import Decision
from interlock.effects import Effect, Risk, Verb
from interlock.pipeline import Decider
from interlock.terraform.summary import (
    build_summary,
    md_code,
    md_escape,
    render_plan_summary,
    resource_type,
    summary_markdown,
)

V1 = (data("a", input="v1") + data("b", trigger="x1") + data("c", trigger="y1", cbd=True)
      + data("d", input="del") + data("e", input="forget") + data("k", input="same"))
V2 = (data("a", input="v2") + data("b", trigger="x2") + data("c", trigger="y2", cbd=True)
      + removed("terraform_data.e") + data("k", input="same") + data("g", input="new"))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    proj = TfProject(tmp_path_factory.mktemp("tf-summary"))
    proj.write(V1).apply()
    proj.write(V2)
    return proj.plan()


def changes_table(markdown: str) -> list[str]:
    """The rows of the changes table (the first table), header excluded."""
    lines = markdown.splitlines()
    start = lines.index("| action | address | environment | details |") + 2
    end = lines.index("", start)
    return lines[start:end]


def table_addresses(markdown: str) -> list[str]:
    """Addresses in the changes table, in order (inside the code span of the second cell)."""
    return [re.match(r"^\| [^|]+ \| `+ (.+?) `+ \|", row).group(1)
            for row in changes_table(markdown)]


def table_groups(markdown: str) -> list[str]:
    return [row.split(" | ")[0][2:] for row in changes_table(markdown)]


@needs_terraform
def test_markdown_orders_replaces_first(mixed):
    md = summary_markdown(analyze_plan(mixed))
    assert table_addresses(md) == ["terraform_data.b", "terraform_data.c", "terraform_data.d",
                                   "terraform_data.e", "terraform_data.a", "terraform_data.g"]
    assert table_groups(md) == ["replace", "replace", "delete",
                                "forget (leaves the state, object kept)", "update", "create"]
    assert md.startswith("### Terraform plan: 1 to create, 1 to update, 2 to replace, "
                         "1 to delete, 1 to forget\n")


@needs_terraform
def test_markdown_shows_replace_paths_reasons_counts_and_share(mixed):
    md = summary_markdown(analyze_plan(mixed))
    b_row = next(line for line in md.splitlines() if "terraform_data.b " in line)
    assert "replace (destroy then create)" in b_row
    assert "because replace\\_because\\_cannot\\_update" in b_row
    assert "replace paths: triggers\\_replace" in b_row
    c_row = next(line for line in md.splitlines() if "terraform_data.c " in line)
    assert "create\\_before\\_destroy" in c_row
    # Plan-wide notes are said once, not on every destroy.
    assert "plan: " not in b_row and "mass destruction:" not in b_row
    assert "| replace | `` terraform_data `` | 2 |" not in md  # counts are per actions form
    assert "| delete create | ` terraform_data ` | 1 |" in md
    assert "| create delete | ` terraform_data ` | 1 |" in md
    assert "| forget | ` terraform_data ` | 1 |" in md
    assert "- deleted or replaced: 3 of 6 (50 %)" in md
    assert "- touched (changed, replaced, deleted or forgotten): 5 of 6 (84 %)" in md
    assert "- MASS DESTRUCTION" in md


@needs_terraform
def test_markdown_with_the_decision(mixed, tmp_path):
    decider = Decider(None, None, "production")
    decision = decider.decide({"tool": "terraform", "input": {"plan": mixed}})
    md = summary_markdown(analyze_plan(mixed), decision, notes=["plan file SHA-256 abc"])
    assert f"**Decision: {decision.decision.replace('_', ' ').upper()}" in md
    assert "environment production" in md
    assert f"- action hash: {decision.action_hash}" in md
    assert "- plan file SHA\\-256 abc" not in md and "- plan file SHA-256 abc" in md
    # The Decision alone gives the same table (counts derived from its effects).
    alone = summary_markdown(decision)
    assert table_addresses(alone) == table_addresses(md)
    assert "| delete create | ` terraform_data ` | 1 |" not in alone
    assert "| replace | ` terraform_data ` | 2 |" in alone


def test_stateful_data_loss_comes_first():
    aws = summary_markdown(analyze_plan(load_fixture("aws_rds_s3_destroy.json")))
    assert table_groups(aws) == ["delete · stateful (data loss)"] * 2 + ["update"]
    assert "skip\\_final\\_snapshot=true" in aws
    gcp = summary_markdown(analyze_plan(load_fixture("google_sql_replace.json")))
    assert table_addresses(gcp) == ["google_sql_database_instance.main",
                                    "google_storage_bucket.backups"]
    assert table_groups(gcp)[0] == "replace · stateful (data loss)"


def _effect(verb: Verb, addr: str, stateful: bool = False) -> Effect:
    return Effect(verb, addr, stateful=stateful, environment="production",
                  facts={"tf_prior": 10, "tf_deletes": 2, "tf_replaces": 2})


def test_group_order_from_a_decision():
    effects = [_effect(Verb.CREATE, "x.create"), _effect(Verb.UPDATE, "x.update"),
               _effect(Verb.FORGET, "x.forget"), _effect(Verb.DELETE, "x.delete"),
               _effect(Verb.REPLACE, "x.replace"),
               _effect(Verb.DELETE, "aws_db_instance.db", stateful=True),
               _effect(Verb.REPLACE, "aws_s3_bucket.b", stateful=True),
               _effect(Verb.READ, "data.x.read")]
    decision = Decision("require_approval", 2, "production", [], effects, "h" * 64)
    md = summary_markdown(decision)
    assert table_addresses(md) == ["aws_s3_bucket.b", "aws_db_instance.db", "x.replace",
                                   "x.delete", "x.forget", "x.update", "x.create", "data.x.read"]
    assert "**Decision: REQUIRE APPROVAL (2 approvals)** · environment production" in md


def test_max_rows_never_hides_destruction():
    effects = [_effect(Verb.CREATE, f"x.c{i}") for i in range(30)]
    effects += [_effect(Verb.DELETE, f"x.d{i}") for i in range(5)]
    decision = Decision("deny", 0, "production", [], effects, "")
    s = build_summary(decision, max_rows=10)
    assert [r.address for r in s.rows[:5]] == [f"x.d{i}" for i in range(5)]
    assert len(s.rows) == 10 and s.hidden == {"create": 25}
    assert "| create | … and 25 more | | |" in summary_markdown(decision, max_rows=10)


def test_hostile_text_is_escaped():
    evil = 'aws_s3_bucket.b["[/bold]|`x`|<script>"]'
    effects = [Effect(Verb.DELETE, evil, detail="because *boom* | [link](http://x)",
                      risks=frozenset((Risk.MASS_DESTRUCTION,)), facts={"tf_prior": 1})]
    decision = Decision("deny", 0, "production", [{"policy": "p|x", "message": "m\nn"}],
                        effects, "")
    md = summary_markdown(decision)
    row = next(line for line in md.splitlines() if "aws_s3_bucket" in line)
    assert row.count(" | ") == 3  # exactly four cells: no pipe escaped the cell
    assert "| `` aws_s3_bucket.b[\"[/bold]\\|`x`\\|<script>\"] `` |" in row  # a code span
    assert "\\*boom\\*" in row and "\\[link\\]" in row
    assert "- p\\|x: m n" in md
    out = io.StringIO()
    render_plan_summary(decision, Console(file=out, width=300))  # no MarkupError
    assert "[/bold]" in out.getvalue()
    assert md_code("a`b") == "`` a`b ``" and md_escape("a\nb") == "a b"


@needs_terraform
def test_rich_rendering(mixed):
    out = io.StringIO()
    s = render_plan_summary(analyze_plan(mixed), Console(file=out, width=240))
    text = out.getvalue()
    order = [text.index(f"terraform_data.{x} ") for x in "bcdeag"]
    assert order == sorted(order)
    assert "replace paths: triggers_replace" in text
    assert "MASS DESTRUCTION" in text
    assert [r.group for r in s.rows][:2] == ["replace", "replace"]


def test_no_changes():
    md = summary_markdown(Decision("allow", 0, "sandbox", [], [], ""))
    assert "No changes." in md and "state: empty before this plan" in md


@pytest.mark.parametrize("address, rtype", [
    ("aws_db_instance.main", "aws_db_instance"),
    ("aws_instance.web[0]", "aws_instance"),
    ('module.storage.aws_s3_bucket.assets["prod"]', "aws_s3_bucket"),
    ('module.a["x.y"].module.b[1].google_sql_database_instance.main',
     "google_sql_database_instance"),
    ('aws_s3_bucket.b["a.b.c"]', "aws_s3_bucket"),
    ("data.aws_iam_policy_document.p", "aws_iam_policy_document"),
    ("output.x", "output"),
    ("weird", ""),
])
def test_resource_type(address, rtype):
    assert resource_type(address) == rtype
