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
# interlock's running pieces: process names (what pkill/killall match without -f), sample
# command lines (what `pkill -f`/`pgrep -f` patterns are tried against) and service units.
INTERLOCK_PROCESSES = ("interlock", "interlockd", "interlock-broker", "interlock-serve")
INTERLOCK_CMDLINES = ("interlock serve", "interlock broker", "interlock mcp-proxy",
                      "/usr/local/bin/interlock serve", "python3 -m interlock serve",
                      "interlock hook")
INTERLOCK_UNITS = ("interlock", "interlock.service", "interlock-broker.service",
                   "interlock.socket", "interlockd.service")


def hits_interlock_process(pattern: str, full: bool) -> bool:
    """Would a pgrep/pkill pattern (a regex) match one of interlock's processes?"""
    import re

    if "interlock" in pattern.lower():
        return True
    try:
        rx = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return any(rx.search(s) for s in (INTERLOCK_CMDLINES if full else INTERLOCK_PROCESSES))


def hits_interlock_unit(unit: str) -> bool:
    """Does a systemd unit name or glob (`interlock*`) name one of interlock's services?"""
    from fnmatch import fnmatchcase

    return "interlock" in unit.lower() or any(fnmatchcase(u, unit) for u in INTERLOCK_UNITS
                                              if any(c in unit for c in "*?["))


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
