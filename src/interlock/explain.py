"""Human view of a decision (`interlock explain`, `check --explain`), rendered with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from .decision import Decision

DECISION_STYLE = {"allow": "bold green", "require_approval": "bold yellow", "deny": "bold red"}
VERB_STYLE = {
    "read": "green", "read_secret": "magenta", "create": "cyan", "update": "yellow",
    "forget": "yellow", "execute": "yellow", "opaque": "bold yellow", "privilege": "bold magenta",
    "delete": "bold red", "replace": "bold red",
}
RISK_STYLE = {"catastrophic": "bold white on red", "tamper": "bold white on red",
              "mass_destruction": "bold red", "host_security": "magenta", "dynamic": "yellow",
              "remote_code": "bold red"}


def render(decision: Decision, console: Console | None = None) -> None:
    console = console or Console()
    title = decision.decision.replace("_", " ").upper()
    if decision.decision == "require_approval":
        title += f" ({decision.approvals_required} approval" \
                 f"{'s' if decision.approvals_required != 1 else ''})"
    head = Text(title, style=DECISION_STYLE.get(decision.decision, "bold"))
    head.append(f"   environment: {decision.environment}", style="bold")
    console.print(Panel(head, title="interlock", expand=False))
    if decision.error:
        console.print(Text(f"error: {decision.error}", style="red"))
    if decision.effects:
        console.print(Text(f"Effects ({len(decision.effects)})", style="bold"))
        for e in decision.effects:
            # Text objects, never markup strings: resources and details come from the agent's
            # input, and "[/x]" in a markup string raises MarkupError.
            line = Text("  ")
            line.append(f"{e.verb:<11}", style=VERB_STYLE.get(str(e.verb), ""))
            line.append(e.resource)
            line.append(f"  [{e.environment}]", style="bold")
            flags = [str(e.scope)] + ([] if e.reversible else ["irreversible"]) + (
                ["stateful"] if e.stateful else [])
            line.append("  " + " · ".join(flags), style="dim")
            for r in sorted(e.risks):
                line.append("  ")
                line.append(str(r), style=RISK_STYLE.get(str(r), ""))
            console.print(line)
            where = Text("      ")
            where.append(f"target {e.resolved_target or '(none)'}", style="cyan")
            where.append(f" — {e.rule}" if e.rule else "", style="dim")
            console.print(where)
            if e.detail:
                console.print(Text(f"      {e.detail}", style="dim"))
    if decision.reasons:
        console.print(Text("Why", style="bold"))
        for r in decision.reasons:
            console.print(f"  • [bold]{escape(r['policy'])}[/bold]: {escape(r['message'])}",
                          highlight=False)
    console.print(Text(f"action hash {decision.action_hash}", style="dim"))
