"""interlock itself: reading is fine; its administrative commands are tampering for an agent."""

from __future__ import annotations

from ....effects import Effect, Risk, Verb
from .. import fx
from ..model import Cmd
from . import Handler

INTERLOCK_READ = {"check", "explain", "version", "--version", "--help", "help", "audit",
                  "doctor", "status", "hook", "mcp-proxy", "broker", "serve", "completion"}
INTERLOCK_ADMIN = {"principals", "breakglass", "freeze", "unfreeze", "policy", "inventory",
                   "approve", "reject", "vote", "keys", "init", "config", "uninstall"}
REQUEST_ADMIN = {"approve", "reject", "vote"}


def interlock(cmd: Cmd) -> list[Effect]:
    pos = [w.text for w in cmd.args if not w.text.startswith("-")]
    sub = pos[0] if pos else ""
    op = pos[1] if len(pos) > 1 else ""
    if sub == "requests":
        if op in REQUEST_ADMIN:
            return [fx.eff(Verb.UPDATE, f"interlock requests {op}", risks=(Risk.TAMPER,),
                           detail="agents never approve")]
        return [fx.eff(Verb.READ, "interlock requests", detail=f"interlock requests {op}")]
    if sub == "audit" and op in ("", "verify", "list", "show", "export"):
        return [fx.eff(Verb.READ, "interlock audit", detail=f"interlock audit {op}")]
    if sub in INTERLOCK_ADMIN:
        return [fx.eff(Verb.UPDATE, f"interlock {sub}", risks=(Risk.TAMPER,),
                       detail=f"interlock {sub} {op}".strip() + " (administrative)")]
    if sub in INTERLOCK_READ or not sub:
        return [fx.eff(Verb.READ, f"interlock {sub}".strip(), detail="interlock")]
    return [fx.eff(Verb.UPDATE, f"interlock {sub}", risks=(Risk.TAMPER,),
                   detail=f"interlock {sub}: unknown subcommand")]


HANDLERS: dict[str, Handler] = {"interlock": interlock}
