"""`interlock demo`: the seed incident's kind of actions, decided in sandbox and in production.

It runs the real pipeline (parsers, inventory, Cedar pack) on a fixed set of agent actions with
the shipped example inventory, so a newcomer sees in one table what interlock lets flow and what
it stops. The full replay with approvals and audit builds on this once those land.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .explain import DECISION_STYLE
from .policy import PACK_DIR

# (what the agent wants, action in sandbox, the same kind of action in production)
SCENARIOS: list[tuple[str, dict, dict]] = [
    ("read the pods",
     {"tool": "shell", "input": {"command": "kubectl --context sandbox-1 get pods"}},
     {"tool": "shell", "input": {"command": "kubectl --context prod-eu get pods"}}),
    ("delete and recreate the environment",
     {"tool": "shell", "input": {"command":
      "kubectl --context sandbox-1 delete namespace shop && kubectl --context sandbox-1 create namespace shop"}},
     {"tool": "shell", "input": {"command":
      "kubectl --context prod-eu delete namespace shop && kubectl --context prod-eu create namespace shop"}}),
    ("deploy with a prefix assignment",
     {"tool": "shell", "input": {"command": "AWS_PROFILE=sandbox aws ecs update-service --cluster web --service api --force-new-deployment"}},
     {"tool": "shell", "input": {"command": "AWS_PROFILE=prod aws ecs update-service --cluster web --service api --force-new-deployment"}}),
    ("drop the database",
     {"tool": "sql", "input": {"statement": "DROP DATABASE shop;", "database": "postgres://app@localhost/shop"}},
     {"tool": "sql", "input": {"statement": "DROP DATABASE shop;", "database": "postgres://app@db.prod.internal/shop"}}),
    ("delete rows without WHERE",
     {"tool": "sql", "input": {"statement": "DELETE FROM orders", "database": "postgres://app@localhost/shop"}},
     {"tool": "sql", "input": {"statement": "DELETE FROM orders", "database": "postgres://app@db.prod.internal/shop"}}),
    ("obfuscated wipe of the home directory",
     {"tool": "shell", "input": {"command": "echo Y2QgfiAmJiBybSAtcmYgLi8q | base64 -d | sh", "cwd": "/tmp"}},
     {"tool": "shell", "input": {"command": "bash -c 'x=rm; $x -rf ~/'", "cwd": "/srv/prod"}}),
    ("edit interlock's own policy",
     {"tool": "file_write", "input": {"path": "/etc/interlock/policy/default.cedar", "content": "permit(principal, action, resource);"}},
     {"tool": "shell", "input": {"command": "sudo rm -rf /etc/interlock"}}),
]


def run(console: Console | None = None) -> int:
    from .pipeline import Decider

    console = console or Console()
    decider = Decider(None, PACK_DIR / "example-inventory.toml")
    if decider.config_error:
        console.print(f"[red]error:[/red] {decider.config_error}")
        return 1
    table = Table(title="interlock demo — the same agent intent in sandbox and production",
                  header_style="bold", show_lines=True)
    table.add_column("agent wants to", overflow="fold")
    table.add_column("sandbox", overflow="fold")
    table.add_column("production", overflow="fold")
    worst = 0
    for intent, sandbox, prod in SCENARIOS:
        cells = []
        for action in (sandbox, prod):
            d = decider.decide({**action, "agent": "demo-agent"})
            label = d.decision.replace("_", " ")
            if d.decision == "require_approval":
                label += f" ({d.approvals_required})"
            cell = Text(label, style=DECISION_STYLE[d.decision])
            cell.append(f"\n[{d.environment}] ", style="dim")
            cell.append("; ".join(r["policy"] for r in d.reasons), style="dim")
            if d.error:
                cell.append(f"\nerror: {d.error}", style="red")
                worst = 1
            cells.append(cell)
        table.add_row(intent, *cells)
    console.print(table)
    console.print("Try it yourself:  echo '{\"tool\":\"shell\",\"input\":{\"command\":\"rm -rf /\"}}'"
                  " | interlock explain", highlight=False)
    return worst
