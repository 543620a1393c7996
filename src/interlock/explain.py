"""Human view of a decision (`interlock explain`, `check --explain`), rendered with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
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
        table = Table(title="Effects", show_lines=False, header_style="bold")
        for col in ("verb", "resource", "target", "tier", "scope", "risks", "rule / detail"):
            table.add_column(col, overflow="fold")
        for e in decision.effects:
            risks = Text()
            for r in sorted(e.risks):
                risks.append(f"{r} ", style=RISK_STYLE.get(str(r), ""))
            flags = [] if e.reversible else ["irreversible"]
            if e.stateful:
                flags.append("stateful")
            # Text(), not str: resources and details come from the agent's input, and a str
            # cell would be parsed as rich markup ("[/x]" raises MarkupError).
            table.add_row(Text(str(e.verb), style=VERB_STYLE.get(str(e.verb), "")),
                          Text(e.resource), Text(e.resolved_target or ""),
                          Text(e.environment or ""),
                          Text(f"{e.scope}{' · ' + ', '.join(flags) if flags else ''}"), risks,
                          Text("\n".join(x for x in (e.rule or "", e.detail) if x)))
        console.print(table)
    if decision.reasons:
        console.print(Text("Why", style="bold"))
        for r in decision.reasons:
            console.print(f"  • [bold]{escape(r['policy'])}[/bold]: {escape(r['message'])}",
                          highlight=False)
    console.print(Text(f"action hash {decision.action_hash}", style="dim"))
