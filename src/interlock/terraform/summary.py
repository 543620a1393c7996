"""What a human must see about a plan before it is applied: the changes grouped by action,
data-losing ones first, with why Terraform replaces; counts; the share of the state touched;
the decision. One model, two renderings: rich for the terminal, Markdown for approvals/web.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..analysis.terraform.address import resource_type
from ..effects import Effect, Verb

if TYPE_CHECKING:
    from rich.console import Console

    from ..analysis.terraform import PlanAnalysis
    from ..decision import Decision

# (key, heading) in display order: what loses data first, what only adds last.
GROUPS: tuple[tuple[str, str], ...] = (
    ("replace-stateful", "replace · stateful (data loss)"),
    ("delete-stateful", "delete · stateful (data loss)"),
    ("replace", "replace"),
    ("delete", "delete"),
    ("forget", "forget (leaves the state, object kept)"),
    ("update", "update"),
    ("create", "create"),
    ("read", "read"),
    ("other", "other"),
)
GROUP_INDEX = {key: i for i, (key, _) in enumerate(GROUPS)}
GROUP_HEADING = dict(GROUPS)
# Groups that are always listed in full, whatever max_rows says.
ALWAYS_LISTED = frozenset(("replace-stateful", "delete-stateful", "replace", "delete", "forget"))
VERB_GROUP = {Verb.REPLACE: "replace", Verb.DELETE: "delete", Verb.FORGET: "forget",
              Verb.UPDATE: "update", Verb.CREATE: "create", Verb.READ: "read"}
# Detail parts that repeat plan-wide facts on every destroy; the summary shows them once.
PLANWIDE_PREFIXES = ("plan: ", "full destroy: ", "mass destruction: ")
# (fact, label) for the counts line, in the order terraform prints them.
ACTION_COUNTS = (("tf_creates", "create"), ("tf_updates", "update"), ("tf_replaces", "replace"),
                 ("tf_deletes", "delete"), ("tf_forgets", "forget"))
DEFAULT_MAX_ROWS = 200
DECISION_STYLE = {"allow": "bold green", "require_approval": "bold yellow", "deny": "bold red"}
GROUP_STYLE = {"replace-stateful": "bold white on red", "delete-stateful": "bold white on red",
               "replace": "bold red", "delete": "bold red", "forget": "yellow",
               "update": "yellow", "create": "cyan", "read": "green"}


@dataclass(frozen=True, slots=True)
class Row:
    group: str
    address: str
    detail: str
    environment: str
    risks: tuple[str, ...]


@dataclass(slots=True)
class Summary:
    """Everything both renderings show, computed once."""

    rows: list[Row]
    hidden: dict[str, int]  # group -> rows left out by max_rows
    facts: dict[str, int]
    by_type: list[tuple[str, str, int]]  # (actions, type, count), largest first
    full_destroy: bool
    mass_destruction: bool
    decision: Decision | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        return "plan: " + ", ".join(f"{self.facts.get(k, 0)} to {label}"
                                    for k, label in ACTION_COUNTS)

    def share_lines(self) -> list[str]:
        f = self.facts
        prior = f.get("tf_prior", 0)
        if not prior:
            return ["state: empty before this plan (nothing in it can be lost)"]
        destroyed = f.get("tf_deletes", 0) + f.get("tf_replaces", 0)
        touched = destroyed + f.get("tf_updates", 0) + f.get("tf_forgets", 0)
        lines = [f"state: {_n(prior, 'resource')} before this plan, "
                 f"{f.get('tf_total', prior)} after the creates",
                 f"deleted or replaced: {destroyed} of {prior} "
                 f"({f.get('tf_destroy_share_pct', 0)} %)",
                 f"touched (changed, replaced, deleted or forgotten): {min(touched, prior)} of "
                 f"{prior} ({_pct(touched, prior)} %)"]
        if f.get("tf_stateful_deletes", 0):
            lines.append(f"stateful resources deleted or replaced: {f['tf_stateful_deletes']}")
        if self.full_destroy:
            lines.append("FULL DESTROY: every resource in the state is deleted")
        elif self.mass_destruction:
            lines.append("MASS DESTRUCTION: more than the policy's share of the state is "
                         "deleted or replaced")
        return lines


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _pct(n: int, of: int) -> int:
    return min(100, -(-n * 100 // of)) if of else 0


def _group(effect: Effect) -> str:
    key = VERB_GROUP.get(effect.verb, "other")
    if effect.stateful and key in ("replace", "delete"):
        return f"{key}-stateful"
    return key


def _detail(effect: Effect) -> str:
    return "; ".join(p for p in effect.detail.split("; ")
                     if p and not p.startswith(PLANWIDE_PREFIXES))


def build_summary(subject: PlanAnalysis | Decision, decision: Decision | None = None,
                  notes: Sequence[str] = (), max_rows: int | None = DEFAULT_MAX_ROWS) -> Summary:
    """subject: the plan analysis (counts per type exact) or a Decision (counts derived from
    its effects). `decision` adds the verdict when subject is the analysis."""
    from ..decision import Decision

    if isinstance(subject, Decision):
        decision = decision or subject
        effects = subject.effects
        facts = dict(effects[0].facts) if effects else {}
        counts: dict[tuple[str, str], int] = {}
        for e in effects:
            if e.resource.startswith("output."):
                continue
            key = (str(e.verb), resource_type(e.resource))
            counts[key] = counts.get(key, 0) + 1
        prior = facts.get("tf_prior", 0)
        full = bool(prior) and facts.get("tf_deletes", 0) >= prior
        mass = any(str(r) == "mass_destruction" for e in effects for r in e.risks)
    else:
        effects = decision.effects if decision is not None and decision.effects else \
            subject.effects
        facts = dict(subject.summary.facts)
        counts = dict(subject.summary.by_type)
        full, mass = subject.summary.full_destroy, subject.summary.mass_destruction

    ordered = sorted(effects, key=lambda e: GROUP_INDEX[_group(e)])  # stable within a group
    rows: list[Row] = []
    hidden: dict[str, int] = {}
    for e in ordered:
        g = _group(e)
        if max_rows is not None and len(rows) >= max_rows and g not in ALWAYS_LISTED:
            hidden[g] = hidden.get(g, 0) + 1
            continue
        rows.append(Row(g, e.resource, _detail(e), e.environment or "",
                        tuple(sorted(str(r) for r in e.risks))))
    by_type = sorted(((a, t, n) for (a, t), n in counts.items()), key=lambda x: (-x[2], x[0], x[1]))
    return Summary(rows, hidden, facts, by_type, full, mass, decision, list(notes))


# -- Markdown ---------------------------------------------------------------------------------
_MD_SPECIAL = frozenset("\\`*_{}[]<>#!|~")


def md_escape(text: str) -> str:
    """Plan text is the agent's input: escape what Markdown (or HTML) could act on inside a
    table cell; newlines would end the row."""
    out = "".join("\\" + c if c in _MD_SPECIAL else c for c in text)
    return out.replace("\r", " ").replace("\n", " ")


def md_code(text: str) -> str:
    """A code span (addresses read better unescaped); the fence outgrows any backtick run,
    and `|` is still escaped because GFM splits table cells before code spans."""
    text = text.replace("\r", " ").replace("\n", " ")
    run = longest = 0
    for c in text:
        run = run + 1 if c == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    text = text.replace("|", "\\|")
    return f"{fence} {text} {fence}"


def _decision_title(d: Decision) -> str:
    title = d.decision.replace("_", " ").upper()
    if d.decision == "require_approval":
        n = d.approvals_required
        title += f" ({n} approval{'s' if n != 1 else ''})"
    return title


def summary_markdown(subject: PlanAnalysis | Decision, decision: Decision | None = None, *,
                     notes: Sequence[str] = (), max_rows: int | None = DEFAULT_MAX_ROWS) -> str:
    s = build_summary(subject, decision, notes, max_rows)
    out = [f"### Terraform {md_escape(s.headline)}", ""]
    if s.decision is not None:
        d = s.decision
        out.append(f"**Decision: {_decision_title(d)}** · environment {md_escape(d.environment)}")
        for r in d.reasons:
            out.append(f"- {md_escape(r['policy'])}: {md_escape(r['message'])}")
        if d.action_hash:
            out.append(f"- action hash: {d.action_hash}")
    for n in s.notes:
        out.append(f"- {md_escape(n)}")
    out.append("")
    if not s.rows and not s.hidden:
        out.append("No changes.")
    else:
        out += ["| action | address | environment | details |", "|---|---|---|---|"]
        for r in s.rows:
            detail = "; ".join(x for x in (", ".join(r.risks), r.detail) if x)
            out.append(f"| {md_escape(GROUP_HEADING[r.group])} | {md_code(r.address)} | "
                       f"{md_escape(r.environment)} | {md_escape(detail)} |")
        for g, n in s.hidden.items():
            out.append(f"| {md_escape(GROUP_HEADING[g])} | … and {n} more | | |")
    if s.by_type:
        out += ["", "| action | type | count |", "|---|---|---|"]
        out += [f"| {md_escape(a)} | {md_code(t) if t else '(output)'} | {n} |"
                for a, t, n in s.by_type]
    out += [""] + [f"- {md_escape(line)}" for line in s.share_lines()]
    return "\n".join(out) + "\n"


# -- rich ----------------------------------------------------------------------------------------
def render_plan_summary(subject: PlanAnalysis | Decision, console: Console | None = None, *,
                        decision: Decision | None = None, notes: Sequence[str] = (),
                        max_rows: int | None = DEFAULT_MAX_ROWS) -> Summary:
    """Print the summary with rich; returns the model it printed."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    s = build_summary(subject, decision, notes, max_rows)
    # Text(), never str: addresses and details come from the plan, and a str would be parsed
    # as rich markup.
    head = Text(s.headline, style="bold")
    if s.decision is not None:
        d = s.decision
        head.append("\n")
        head.append(_decision_title(d), style=DECISION_STYLE.get(d.decision, "bold"))
        head.append(f"   environment: {d.environment}")
    console.print(Panel(head, title="interlock · terraform", expand=False))

    if not s.rows and not s.hidden:
        console.print(Text("No changes.", style="green"))
    else:
        table = Table(header_style="bold", show_lines=False)
        for col in ("action", "address", "env", "details"):
            table.add_column(col, overflow="fold")
        last = None
        for r in s.rows:
            if last is not None and r.group != last:
                table.add_section()
            last = r.group
            detail = Text(", ".join(r.risks) + ("\n" if r.risks and r.detail else ""),
                          style="bold red")
            detail.append(r.detail)
            table.add_row(Text(GROUP_HEADING[r.group], style=GROUP_STYLE.get(r.group, "")),
                          Text(r.address), Text(r.environment), detail)
        for g, n in s.hidden.items():
            table.add_row(Text(GROUP_HEADING[g]), Text(f"… and {n} more", style="dim"), "", "")
        console.print(table)

    if s.by_type:
        types = Table(title="per action and type", header_style="bold", title_justify="left")
        types.add_column("action")
        types.add_column("type")
        types.add_column("count", justify="right")
        for a, t, n in s.by_type:
            types.add_row(Text(a), Text(t or "(output)"), str(n))
        console.print(types)
    for line in s.share_lines():
        style = "bold red" if line.isupper() or line.startswith(("FULL", "MASS")) else ""
        console.print(Text(line, style=style))
    if s.decision is not None:
        for r in s.decision.reasons:
            console.print(Text(f"  • {r['policy']}: {r['message']}"))
        if s.decision.error:
            console.print(Text(f"error: {s.decision.error}", style="red"))
        if s.decision.action_hash:
            console.print(Text(f"action hash {s.decision.action_hash}", style="dim"),
                          soft_wrap=True)
    for n in s.notes:
        console.print(Text(n), soft_wrap=True)
    return s
