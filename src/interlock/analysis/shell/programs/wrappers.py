"""Programs that run another command: the command they run is what matters.

WRAPPERS is data: which options take a value, how many operands come before the command, and
what the wrapper means with no command at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from ....effects import Effect, Risk, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd, Stream, Word
from . import Handler


@dataclass(frozen=True, slots=True)
class Wrap:
    short_arg: str = ""  # short options that take a value
    long_arg: frozenset[str] = frozenset()
    skip: int = 0  # operands before the command (timeout DURATION, flock FILE, chroot DIR)
    assignments: bool = False  # NAME=value words before the command (env, sudo)
    string_opts: tuple[str, ...] = ()  # options whose value is shell text (su -c)
    chdir_opts: tuple[str, ...] = ()  # options that change the directory (env -C)
    split_opts: tuple[str, ...] = ()  # options whose value is split into words (env -S)
    read_opts: tuple[str, ...] = ()  # with these and no command it only looks (command -v)
    join: bool = False  # the command words are joined and run by sh -c (watch)
    dynamic_input: bool = False  # the command gets unknown extra arguments (xargs)
    bare: str = "opaque"  # with no command: "opaque" | "read" | "secret"
    permute: bool = False  # options anywhere, operands are not a command (su USER -c CMD)


_L = frozenset
WRAPPERS: dict[str, Wrap] = {
    "sudo": Wrap("CDghpRrtTUu", _L({"--user", "--group", "--chdir", "--prompt", "--close-from",
                                    "--host", "--role", "--type", "--command-timeout",
                                    "--other-user", "--chroot"}),
                 assignments=True, chdir_opts=("-D", "--chdir"),
                 read_opts=("-l", "--list", "-v", "--validate", "-k", "-K", "-V", "--version")),
    "doas": Wrap("uC"),
    "env": Wrap("uCS", _L({"--unset", "--chdir", "--split-string", "--default-signal",
                           "--ignore-signal", "--block-signal"}),
                assignments=True, chdir_opts=("-C", "--chdir"), split_opts=("-S", "--split-string"),
                bare="secret"),
    "nice": Wrap("n", _L({"--adjustment"})),
    "ionice": Wrap("cnpPu", _L({"--class", "--classdata", "--pid", "--pgid", "--uid"}),
                   bare="read"),
    "nohup": Wrap(),
    "time": Wrap("fo", _L({"--format", "--output"}), bare="read"),
    "command": Wrap(read_opts=("-v", "-V")),
    "builtin": Wrap(),
    "exec": Wrap("a", bare="read"),
    "stdbuf": Wrap("ioe", _L({"--input", "--output", "--error"})),
    "timeout": Wrap("sk", _L({"--signal", "--kill-after"}), skip=1),
    "watch": Wrap("nqd", _L({"--interval", "--differences"}), join=True),
    "flock": Wrap("wEc", _L({"--timeout", "--conflict-exit-code", "--command"}), skip=1,
                  string_opts=("-c", "--command"), bare="read"),
    "unbuffer": Wrap(),
    "chroot": Wrap("", _L({"--userspec", "--groups"}), skip=1),
    "setsid": Wrap(),
    "caffeinate": Wrap("tw"),
    "strace": Wrap("abeEIoOpPsSuUX"),
    "ltrace": Wrap("aAeEnopsSuX"),
    "proxychains": Wrap("f"),
    "proxychains4": Wrap("f"),
    "torsocks": Wrap("uapP"),
    "catchsegv": Wrap(),
    "xargs": Wrap("IiLlnPdEsa", _L({"--replace", "--max-args", "--max-procs", "--delimiter",
                                   "--eof", "--max-chars", "--arg-file", "--max-lines",
                                   "--process-slot-var"}),
                  dynamic_input=True, bare="read"),
    "parallel": Wrap("jSIn", _L({"--jobs", "--sshlogin", "--replace", "--max-args",
                                "--joblog", "--results", "--delay", "--timeout"}),
                     dynamic_input=True),
    "sem": Wrap("j", _L({"--jobs", "--id"})),
    "unshare": Wrap("", _L({"--setuid", "--setgid", "--root", "--wd"})),
    "firejail": Wrap(),
    "systemd-run": Wrap("pEuH", _L({"--unit", "--property", "--setenv", "--uid", "--gid",
                                   "--working-directory", "--host", "--machine"})),
    "runuser": Wrap("ugG", _L({"--user", "--group", "--supp-group", "--shell", "--command"}),
                    string_opts=("-c", "--command"), permute=True),
    "script": Wrap("cEIOBT", _L({"--command", "--echo", "--log-in", "--log-out", "--log-io",
                                 "--log-timing"}), string_opts=("-c", "--command"),
                   permute=True),
    "su": Wrap("cgGsw", _L({"--command", "--group", "--supp-group", "--shell",
                            "--whitelist-environment", "--session-command"}),
               string_opts=("-c", "--command", "--session-command"), permute=True),
}


def _replace_input(words: list[Word], repl: str) -> tuple[list[Word], bool]:
    out, hit = [], False
    for w in words:
        if repl and repl in w.text:
            out.append(Word(w.text.replace(repl, DYN), w.src or w.text, w.glob))
            hit = True
        else:
            out.append(w)
    return out, hit


def wrapper(spec: Wrap) -> Handler:
    def handle(cmd: Cmd) -> list[Effect]:
        assert cmd.run_words is not None and cmd.run_text is not None
        permute = spec.permute and not any(w.text in ("-u", "--user") for w in cmd.args)
        o = parse(cmd.args, spec.short_arg, spec.long_arg, stop_at_operand=not permute,
                  stop_after=spec.skip)
        ctx = cmd.ctx
        for opt in spec.chdir_opts:
            d = o.get(opt)
            if d is not None:
                ctx = ctx.child(cwd=ctx.abspath(d) if DYN not in d else None)
        rest = list(o.rest)
        assigns: dict[str, str] = {}
        if spec.assignments:
            while rest and "=" in rest[0].text and not rest[0].text.startswith("="):
                k, _, v = rest[0].text.partition("=")
                if not k.replace("_", "a").isalnum():
                    break
                assigns[k] = v
                rest.pop(0)
        ran = False
        for opt in spec.split_opts:
            for s in o.all(opt):
                tail = " ".join(_quote(w.text) for w in rest)
                cmd.run_text(cmd, f"{s} {tail}".strip(), ctx=ctx, stdin=cmd.stdin,
                             detail=f"{cmd.name} {opt}")
                ran, rest = True, []
        for opt in spec.string_opts:
            for s in o.all(opt):
                cmd.run_text(cmd, s, ctx=ctx, stdin=cmd.stdin, detail=f"{cmd.name} {opt}")
                ran = True
        if cmd.name == "sudo" and o.has("-e", "--edit"):
            return [fx.path_change(ctx, w, Verb.UPDATE, detail="sudo -e") for w in rest]
        if rest and spec.dynamic_input:
            repl = o.get("-I", "--replace", "-i") or ("{}" if cmd.name == "parallel" else "")
            if cmd.name == "parallel" and any(w.text == ":::" for w in rest):
                rest = rest[: [w.text for w in rest].index(":::")]
            rest, hit = _replace_input(rest, repl)
            if not hit:  # pids or secrets on the pipe become its arguments
                origin = cmd.stdin if cmd.stdin.kind in ("pids", "secret") else None
                rest = rest + [Word(DYN, "{input}", origin=origin)]
        if permute:
            rest = []  # su USER, script FILE: operands are not a command
        if rest:
            if spec.join and not o.has("-x", "--exec"):
                cmd.run_text(cmd, " ".join(_quote(w.text) if not w.dynamic else w.text
                                           for w in rest), ctx=ctx, detail=cmd.name)
            else:
                cmd.stdout = cmd.run_words(cmd, rest, ctx=ctx, assigns=assigns)
            return []
        if ran:
            return []
        if spec.read_opts and o.has(*spec.read_opts) or spec.bare == "read":
            return [fx.eff(Verb.READ, f"command {cmd.name}", detail=cmd.argv_text[:80])]
        if spec.bare == "secret":
            cmd.stdout = Stream("secret", "environment variables")
            return [fx.eff(Verb.READ_SECRET, "environment variables",
                           detail=f"{cmd.name}: prints the environment (may hold secrets)")]
        if cmd.name == "xargs" or cmd.name == "parallel":
            return [fx.eff(Verb.READ, f"command {cmd.name}")]
        return [opaque(f"command {cmd.name}", f"{cmd.name} without a command (interactive)",
                       risks=frozenset())]

    return handle


def _quote(s: str) -> str:
    if s and all(c.isalnum() or c in "-_./=:,@%+" for c in s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


def busybox(cmd: Cmd) -> list[Effect]:
    assert cmd.run_words is not None
    if not cmd.args:
        return [fx.eff(Verb.READ, "command busybox")]
    cmd.stdout = cmd.run_words(cmd, cmd.args)
    return []


HANDLERS: dict[str, Handler] = {name: wrapper(spec) for name, spec in WRAPPERS.items()}
HANDLERS["busybox"] = busybox
HANDLERS["toybox"] = busybox
_ = Risk  # re-exported vocabulary for readers of this table
