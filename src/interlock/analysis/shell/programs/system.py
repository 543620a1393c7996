"""Host administration: services, power, firewall, cron, users, processes."""

from __future__ import annotations

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import Cmd, Stream
from . import Handler
from .interlock_cmd import hits_interlock_process, hits_interlock_unit

SYSTEMCTL: dict[str, tuple[Verb, tuple[Risk, ...]]] = {
    **{v: (Verb.READ, ()) for v in ("status", "show", "list-units", "list-unit-files",
                                    "is-active", "is-enabled", "is-failed", "cat", "list-timers",
                                    "list-sockets", "list-dependencies", "help", "get-default",
                                    "show-environment", "list-jobs")},
    **{v: (Verb.UPDATE, ()) for v in ("start", "stop", "restart", "reload", "try-restart",
                                      "reload-or-restart", "kill", "reset-failed", "disable",
                                      "mask", "unmask", "daemon-reload", "daemon-reexec",
                                      "isolate", "set-environment", "unset-environment",
                                      "try-reload-or-restart", "freeze", "thaw", "clean")},
    **{v: (Verb.UPDATE, (Risk.HOST_SECURITY,)) for v in ("enable", "edit", "link", "preset",
                                                          "set-property", "add-wants",
                                                          "add-requires", "revert",
                                                          "set-default", "reenable")},
    **{v: (Verb.UPDATE, ()) for v in ("poweroff", "reboot", "halt", "suspend", "hibernate",
                                      "kexec", "emergency", "rescue", "default")},
}
POWER = {"shutdown", "reboot", "halt", "poweroff", "init", "telinit"}


def systemctl(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "pHMtsn", frozenset({"--property", "--host", "--machine", "--type",
                                             "--state", "--signal", "--lines", "--output"}))
    pos = [w.text for w in o.pos]
    sub = pos[0] if pos else "list-units"
    units = pos[1:] or ["(all)"]
    spec = SYSTEMCTL.get(sub)
    host = o.get("-H", "--host")
    tg = (Target("host", host),) if host else ()
    if spec is None:
        return [opaque(f"systemd {sub}", f"systemctl {sub}: unknown", tg)]
    verb, risks = spec
    if verb is not Verb.READ and any(hits_interlock_unit(u) for u in pos[1:]):
        risks = (*risks, Risk.TAMPER)  # stopping or changing interlock's own service
    if sub in ("poweroff", "reboot", "halt", "kexec"):
        forced = o.has("-f", "--force")
        return [fx.eff(Verb.UPDATE, "host power", tg, scope=Scope.ALL, reversible=False,
                       risks=(Risk.CATASTROPHIC,) if forced else (),
                       detail=f"systemctl {sub}" + (" --force" if forced else ""))]
    return [fx.eff(verb, f"systemd unit {u}", tg, risks=risks,
                   detail=f"systemctl {'--user ' if o.has('--user') else ''}{sub}") for u in units]


def service(cmd: Cmd) -> list[Effect]:
    pos = [w.text for w in cmd.args]
    unit, action = (pos + ["", ""])[:2]
    verb = Verb.READ if action in ("status", "") or unit in ("--status-all",) else Verb.UPDATE
    risks = (Risk.TAMPER,) if verb is Verb.UPDATE and hits_interlock_unit(unit) else ()
    return [fx.eff(verb, f"service {unit}", risks=risks,
                   detail=f"service {unit} {action}".strip())]


# Power options that skip the orderly shutdown (no unmount, no service stop): data loss.
FORCED_POWER = frozenset({"-f", "--force", "-ff", "-nf", "-fn", "-n", "--no-sync"})


def power(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args]
    if cmd.name in ("init", "telinit") and not any(t in ("0", "6") for t in texts):
        return [fx.eff(Verb.UPDATE, "host runlevel", detail=f"{cmd.name} {' '.join(texts)}")]
    if cmd.name == "shutdown" and "-c" in texts:
        return [fx.eff(Verb.UPDATE, "host power", detail="shutdown -c (cancel)")]
    forced = cmd.name != "shutdown" and any(t in FORCED_POWER for t in texts)
    return [fx.eff(Verb.UPDATE, "host power", (), scope=Scope.ALL, reversible=False,
                   risks=(Risk.CATASTROPHIC,) if forced else (),
                   detail=f"{cmd.name} {' '.join(texts)}".strip() + (
                       " (immediate, without an orderly shutdown)" if forced
                       else " (takes the host down)"))]


def iptables(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args]
    res = f"firewall ({cmd.name})"
    reads = ("-L", "--list", "-S", "--list-rules", "-C", "--check", "-h", "--version")
    if any(t in reads for t in texts) or any(t.startswith("-") and not t.startswith("--") and
                                             "L" in t[1:] and len(t) <= 4 for t in texts):
        return [fx.eff(Verb.READ, res, detail=f"{cmd.name} list")]
    flush = any(t in ("-F", "--flush", "-X", "--delete-chain", "-Z") for t in texts)
    accept = any(t in ("-P", "--policy") for t in texts) and "ACCEPT" in texts
    risks = (Risk.HOST_SECURITY,) if flush or accept else ()
    detail = f"{cmd.name} " + ("flush" if flush else "policy ACCEPT" if accept else "rule change")
    return [fx.eff(Verb.UPDATE, res, risks=risks, detail=detail)]


def nft(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args if not w.text.startswith("-")]
    if texts[:1] == ["list"] or not texts:
        return [fx.eff(Verb.READ, "firewall (nft)", detail="nft list")]
    risks = (Risk.HOST_SECURITY,) if texts[:1] in (["flush"], ["delete"]) else ()
    return [fx.eff(Verb.UPDATE, "firewall (nft)", risks=risks, detail="nft " + " ".join(texts[:3]))]


def ufw(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args if not w.text.startswith("-")]
    sub = texts[0] if texts else "status"
    if sub in ("status", "show", "app", "version"):
        return [fx.eff(Verb.READ, "firewall (ufw)", detail=f"ufw {sub}")]
    risks = (Risk.HOST_SECURITY,) if sub in ("disable", "reset", "default") else ()
    return [fx.eff(Verb.UPDATE, "firewall (ufw)", risks=risks, detail=f"ufw {' '.join(texts[:3])}")]


def crontab(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "uT", frozenset())
    if o.has("-l"):
        return [fx.eff(Verb.READ, "crontab", detail="crontab -l")]
    if o.has("-r"):
        return [fx.eff(Verb.DELETE, "crontab", risks=(Risk.HOST_SECURITY,), detail="crontab -r")]
    return [fx.eff(Verb.UPDATE, "crontab", risks=(Risk.HOST_SECURITY,),
                   detail="crontab install (runs commands later)")]


def users(cmd: Cmd) -> list[Effect]:
    pos = [w.text for w in cmd.args if not w.text.startswith("-")]
    risks = (Risk.HOST_SECURITY,) if cmd.name in ("visudo", "chpasswd", "passwd") else ()
    return [fx.eff(Verb.PRIVILEGE, f"user {pos[-1] if pos else '(self)'}", risks=risks,
                   detail=f"{cmd.name}")]


def _patterns(cmd: Cmd) -> tuple[list[str], bool]:
    """pgrep/pkill/killall: the name patterns, and whether they match whole command lines."""
    o = parse(cmd.args, "gGPsStuUFn", frozenset({"--signal", "--group", "--parent",
                                                  "--session", "--terminal", "--euid",
                                                  "--uid", "--pidfile", "--ns", "--nslist",
                                                  "--user"}))
    full = o.has("-f", "--full")
    if cmd.name == "killall":
        full = full or o.has("-r", "--regexp")
    return [w.text for w in o.pos if not (w.text.startswith("-") and w.text[1:].isalnum())], full


def _hits_interlock(cmd: Cmd) -> bool:
    if cmd.name in ("kill", "killall5"):
        return any(w.origin is not None and w.origin.kind == "pids"
                   and w.origin.text == "interlock" for w in cmd.args)
    pats, full = _patterns(cmd)
    exact = cmd.name == "killall" and not full
    return any((p.lower().startswith("interlock") if exact else hits_interlock_process(p, full))
               for p in pats)


# Users whose every process is the host's (kill them all and the host stops).
SYSTEM_USERS = frozenset({"root", "0"})
# Patterns that match every process name (`pkill -f .`, `killall -r '.*'`).
MATCH_ALL = frozenset({".", ".*", "^", "", "^.*", ".+", "$"})


def _kills_everything(cmd: Cmd) -> bool:
    """kill -1 (every process the caller may signal), kill 1 (init), killall5, and
    pkill/killall selecting all of root's processes or every name."""
    if cmd.name == "killall5":
        return True
    if cmd.name == "kill":
        o = parse(cmd.args, "snl", frozenset())
        return any(w.text in ("-1", "1") for w in o.pos) or o.get("-n") in ("-1",) or (
            "-1" in [w.text for w in cmd.args][1:])
    o = parse(cmd.args, "gGPsStuUFn", frozenset({"--signal", "--group", "--parent",
                                                  "--session", "--terminal", "--euid",
                                                  "--uid", "--pidfile", "--ns", "--nslist",
                                                  "--user"}))
    users = {u for v in o.all("-u", "-U", "--euid", "--uid", "--user") for u in v.split(",")}
    pats, _ = _patterns(cmd)
    regex = cmd.name == "pkill" or o.has("-r", "--regexp")
    if users & SYSTEM_USERS and not pats:
        return True
    return regex and bool(pats) and all(p in MATCH_ALL for p in pats)


def kill(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args]
    everything = _kills_everything(cmd)
    risks: tuple[Risk, ...] = (Risk.TAMPER,) if _hits_interlock(cmd) else ()
    if everything:  # the host (or the container) stops: nothing to approve
        risks = (*risks, Risk.CATASTROPHIC)
    return [fx.eff(Verb.UPDATE, "processes " + " ".join(t for t in texts if not t.startswith("-"))[:60],
                   scope=Scope.ALL if everything else Scope.ONE, reversible=False, risks=risks,
                   detail=f"{cmd.name} {' '.join(texts)}"[:80]
                   + (" (interlock's own processes)" if Risk.TAMPER in risks else "")
                   + (" (every process on the host)" if everything else ""))]


def pgrep(cmd: Cmd) -> list[Effect]:
    """pgrep/pidof print process ids: remember whether they are interlock's (kill $(pgrep …))."""
    if cmd.name == "pidof":
        hit = any(w.text.rsplit("/", 1)[-1].startswith("interlock") for w in cmd.args)
    else:
        hit = _hits_interlock(cmd)
    cmd.stdout = Stream("pids", "interlock" if hit else cmd.argv_text[:60])
    return [fx.eff(Verb.READ, "processes", detail=cmd.argv_text[:80])]


# Argument lists that only show state (no args, `status`, `--show`…): name → (read words,
# whether no argument at all is a read).
SHOW_ONLY: dict[str, tuple[frozenset[str], bool]] = {
    "mount": (frozenset({"-l", "--show-labels", "-V", "--version", "-h", "--help"}), True),
    "swapon": (frozenset({"--show", "-s", "--summary", "-V", "--version", "-h", "--help"}), True),
    "timedatectl": (frozenset({"status", "show", "list-timezones", "timesync-status",
                               "show-timesync"}), True),
    "hostnamectl": (frozenset({"status", "hostname"}), True),
    "modprobe": (frozenset({"-c", "--showconfig", "-n", "--dry-run", "--show-depends",
                            "-D", "-V", "--version"}), False),
}


def generic_update(what: str) -> Handler:
    def handle(cmd: Cmd) -> list[Effect]:
        words, bare = SHOW_ONLY.get(cmd.name, (frozenset(), False))
        texts = [w.text for w in cmd.args]
        shows = bool(texts) and texts[0] in words and (
            len(texts) == 1 or cmd.name in ("timedatectl", "modprobe"))  # a read + its operands
        if (bare and not texts) or shows:
            return [fx.eff(Verb.READ, what, detail=cmd.argv_text[:80])]
        return [fx.eff(Verb.UPDATE, what, detail=cmd.argv_text[:80])]

    return handle


def ip(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args if not w.text.startswith("-")]
    if len(texts) <= 1 or texts[1] in ("show", "list", "ls", "get", "lst", "sh"):
        return [fx.eff(Verb.READ, "network configuration", detail="ip " + " ".join(texts[:2]))]
    return [fx.eff(Verb.UPDATE, "network configuration", detail="ip " + " ".join(texts[:3]))]


def sysctl(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args]
    if "-w" in texts or any("=" in t for t in texts) or "-p" in texts:
        return [fx.eff(Verb.UPDATE, "kernel parameters", detail=" ".join(texts)[:80])]
    return [fx.eff(Verb.READ, "kernel parameters")]


HANDLERS: dict[str, Handler] = {
    "systemctl": systemctl, "service": service, **{n: power for n in POWER},
    "iptables": iptables, "ip6tables": iptables, "iptables-legacy": iptables,
    "iptables-nft": iptables, "nft": nft, "ufw": ufw, "crontab": crontab,
    **{n: users for n in ("useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel",
                          "passwd", "chpasswd", "visudo", "gpasswd", "adduser", "deluser",
                          "addgroup", "delgroup", "chsh", "chage", "newusers", "vipw")},
    **{n: kill for n in ("kill", "pkill", "killall", "killall5")},
    "pgrep": pgrep, "pidof": pgrep,
    "mount": generic_update("mounts"), "umount": generic_update("mounts"),
    "swapoff": generic_update("swap"), "swapon": generic_update("swap"),
    "hostnamectl": generic_update("hostname"), "timedatectl": generic_update("clock"),
    "ip": ip, "sysctl": sysctl, "modprobe": generic_update("kernel modules"),
    "insmod": generic_update("kernel modules"), "rmmod": generic_update("kernel modules"),
    "setenforce": generic_update("selinux"),
}
