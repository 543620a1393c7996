"""interlock itself: reading is fine; its administrative commands are tampering for an agent."""

from __future__ import annotations

from ....effects import Effect, Risk, Target, Verb
from .. import fx
from ..model import Cmd
from . import Handler

INTERLOCK_READ = {"check", "explain", "version", "--version", "--help", "help", "audit",
                  "doctor", "status", "hook", "mcp-proxy", "broker", "serve", "completion"}
INTERLOCK_ADMIN = {"principals", "breakglass", "freeze", "unfreeze", "policy", "inventory",
                   "approve", "reject", "vote", "keys", "init", "config", "uninstall"}
REQUEST_ADMIN = {"approve", "reject", "vote"}
# The operator's settings: an agent that picks interlock's policy, inventory, default tier, store
# or terraform binary for a command that acts is choosing its own rules.
OPERATOR_FLAGS = frozenset({"--policy", "--inventory", "--env", "--db", "--terraform-bin",
                            "--server", "--as", "--token", "--on-behalf-of", "--credentials",
                            "--guarded", "--socket"})
READ_ONLY_SUBCOMMANDS = frozenset({"check", "explain", "version", "--version", "--help", "help",
                                   "completion", "doctor", "status"})
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


def _flag_value(texts: list[str], name: str) -> str | None:
    for i, t in enumerate(texts):
        if t == name and i + 1 < len(texts):
            return texts[i + 1]
        if t.startswith(name + "="):
            return t.split("=", 1)[1]
    return None


def _terraform(cmd: Cmd, texts: list[str]) -> list[Effect]:
    """`interlock terraform apply` decides on the real plan itself; at the shell it is an apply."""
    chdir = _flag_value(texts, "--chdir")
    d = cmd.ctx.abspath(chdir) if chdir else cmd.ctx.cwd
    ws = _flag_value(texts, "--workspace") or cmd.var("TF_WORKSPACE") or cmd.ctx.tf_workspace
    return [fx.eff(Verb.UPDATE, f"terraform {d}", (Target("tf_workspace", ws, source=d),),
                   detail="interlock terraform apply (decides again on the saved plan)")]


def interlock(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args]
    pos = [t for t in texts if not t.startswith("-")]
    sub = pos[0] if pos else ""
    op = pos[1] if len(pos) > 1 else ""
    flags = {t.split("=", 1)[0] for t in texts if t.startswith("--")}
    settings = sorted(flags & OPERATOR_FLAGS) + sorted(
        k for k in cmd.assigns if k.startswith("INTERLOCK_"))
    if sub in READ_ONLY_SUBCOMMANDS:
        return [fx.eff(Verb.READ, f"interlock {sub}".strip(), detail="interlock")]
    if settings:
        return [fx.eff(Verb.UPDATE, f"interlock {sub}".strip(), risks=(Risk.TAMPER,),
                       detail=f"agent sets interlock's operator settings ({', '.join(settings)})")]
    if sub == "terraform" and op == "apply":
        return _terraform(cmd, texts)
    if sub == "run" and "--" in texts:
        # The broker decides again before it runs anything; at the shell, what counts is the
        # command it is asked to run, analysed like any wrapper's.
        rest = list(cmd.args)[texts.index("--") + 1:]
        if not rest:
            return [fx.eff(Verb.READ, "interlock run", detail="interlock run with no command")]
        assert cmd.run_words is not None
        cmd.stdout = cmd.run_words(cmd, rest)
        return []
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
