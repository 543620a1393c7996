"""Programs that run another command: the command they run is what matters.

WRAPPERS is data: which options take a value, how many operands come before the command, and
what the wrapper means with no command at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from ....effects import Effect, Risk, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd, Ctx, Stream, Word
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
    shell_opts: tuple[str, ...] = ()  # with these and no command it runs a shell on stdin (sudo -s)


_L = frozenset
WRAPPERS: dict[str, Wrap] = {
    "sudo": Wrap("CDghpRrtTUu", _L({"--user", "--group", "--chdir", "--prompt", "--close-from",
                                    "--host", "--role", "--type", "--command-timeout",
                                    "--other-user", "--chroot"}),
                 assignments=True, chdir_opts=("-D", "--chdir"),
                 read_opts=("-l", "--list", "-v", "--validate", "-k", "-K", "-V", "--version"),
                 shell_opts=("-s", "--shell", "-i", "--login")),
    "doas": Wrap("uC", shell_opts=("-s",)),
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
               string_opts=("-c", "--command", "--session-command"), permute=True,
               bare="shell"),
    # nsenter -t 1 -m: the command runs in another process's namespaces (the host's, for pid 1)
    "nsenter": Wrap("tSGrw", _L({"--target", "--setuid", "--setgid", "--root", "--wd"})),
    "sg": Wrap("c", skip=1, join=True, string_opts=("-c",)),
    "pkexec": Wrap("", _L({"--user"})),
    "chrt": Wrap("", _L({"--pid"}), skip=1),
    "taskset": Wrap("", _L({"--cpu-list"}), skip=1),
    "cpulimit": Wrap("lp", _L({"--limit", "--pid"})),
    "faketime": Wrap("", skip=1),
    "dbus-launch": Wrap(),
    "xvfb-run": Wrap("nsfe", _L({"--server-num", "--server-args", "--auth-file", "--error-file"})),
    "with-contenv": Wrap(),
    "tini": Wrap(),
    "dumb-init": Wrap(),
    "gosu": Wrap(skip=1),
    "su-exec": Wrap(skip=1),
    "setpriv": Wrap("", _L({"--reuid", "--regid", "--groups", "--inh-caps", "--bounding-set"})),
    "prlimit": Wrap("", _L({"--pid"})),
    "valgrind": Wrap(),
    "entr": Wrap(),
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


_MAX_INPUTS = 16


def _literal_inputs(cmd: Cmd, words: list[Word], per_line: bool,
                    arg_file: bool) -> list[str] | None:
    """The argument items xargs/parallel would read, when the line shows them: `::: a b`
    (parallel) or a literal stdin (`echo / | xargs rm -rf`). None: not known."""
    import shlex

    texts = [w.text for w in words]
    if cmd.name == "parallel" and ":::" in texts:
        vals = words[texts.index(":::") + 1 :]
        if any(w.dynamic or w.text in (":::", "::::", ":::+") for w in vals):
            return None
        return [w.text for w in vals][:_MAX_INPUTS + 1]
    if cmd.stdin.kind != "literal" or arg_file:
        return None
    text = cmd.stdin.text
    if per_line or cmd.name == "parallel":
        return [ln for ln in text.split("\n") if ln.strip()][:_MAX_INPUTS + 1]
    try:
        return shlex.split(text)[:_MAX_INPUTS + 1]
    except ValueError:
        return None


def _run_inputs(cmd: Cmd, ctx: Ctx, rest: list[Word], items: list[str], repl: str,
                assigns: dict[str, str]) -> None:
    """Run the command xargs/parallel would build from each known input item."""
    assert cmd.run_words is not None and cmd.run_text is not None
    if len(items) > _MAX_INPUTS:  # too many to look at one by one: unknown arguments
        items = [DYN]
    if not rest:
        if cmd.name == "parallel":  # each item is a command line
            for it in items:
                cmd.run_text(cmd, it, ctx=ctx, detail="parallel")
        return
    if cmd.name == "parallel":  # parallel joins the command words and runs them with sh
        text = " ".join(w.text for w in rest)
        mark = len(ctx.line.effects)
        for it in items:
            q = it if it == DYN else _quote(it)
            cmd.run_text(cmd, text.replace(repl, q) if repl in text else f"{text} {q}", ctx=ctx,
                         detail="parallel")
        # parallel has more replacement strings ({.} {/} {#}…) and quoting rules than we model:
        # a change it makes stays marked as built at run time.
        for e in ctx.line.effects[mark:]:
            if e.verb in (Verb.DELETE, Verb.REPLACE, Verb.UPDATE, Verb.PRIVILEGE):
                e.risks = e.risks | {Risk.DYNAMIC}
        return
    if repl and any(repl in w.text for w in rest):
        for it in items:
            words = [Word(w.text.replace(repl, it), w.src, w.glob) if repl in w.text else w
                     for w in rest]
            cmd.run_words(cmd, words, ctx=ctx, assigns=assigns)
        return
    cmd.run_words(cmd, rest + [Word(it) for it in items], ctx=ctx, assigns=assigns)


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
        if spec.dynamic_input:
            repl = o.get("-I", "--replace", "-i") or ("{}" if cmd.name == "parallel" else "")
            items = _literal_inputs(cmd, rest, o.has("-I", "--replace", "-i", "-L", "-l"),
                                    o.has("-a", "--arg-file"))
            if cmd.name == "parallel" and any(w.text == ":::" for w in rest):
                rest = rest[: [w.text for w in rest].index(":::")]
            if items is not None:
                _run_inputs(cmd, ctx, rest, items, repl, assigns)
                return []
        if rest and spec.dynamic_input:
            rest, hit = _replace_input(rest, repl)
            if not hit:  # pids or secrets on the pipe become its arguments
                origin = cmd.stdin if cmd.stdin.kind in ("pids", "secret") else None
                rest = rest + [Word(DYN, "{input}", origin=origin)]
        if permute:
            rest = []  # su USER, script FILE: operands are not a command
        if not rest and not ran and (spec.bare == "shell" or spec.shell_opts
                                     and o.has(*spec.shell_opts)):
            # `sudo -s <<< 'rm -rf /'`, `su - root <<< …`: a shell reads the commands on stdin
            cmd.stdout = cmd.run_words(cmd, [Word("sh")], ctx=ctx, assigns=assigns)
            return []
        if rest:
            if spec.join and not o.has("-x", "--exec"):
                # watch joins its words with spaces and hands them to sh -c (no quoting)
                cmd.run_text(cmd, " ".join(w.text for w in rest), ctx=ctx, detail=cmd.name)
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


# tmux subcommands that run a shell command: name → (aliases, short options taking a value).
# The command is the words after the options (one word: run by sh -c).
TMUX_RUNS: dict[str, tuple[tuple[str, ...], str]] = {
    "new-session": (("new",), "cefnstxyFX"),
    "new-window": (("neww",), "censtFS"),
    "split-window": (("splitw",), "celptF"),
    "respawn-pane": (("respawnp",), "cet"),
    "respawn-window": (("respawnw",), "cet"),
    "run-shell": (("run",), "dt"),
    "pipe-pane": (("pipep",), "t"),
    "display-popup": (("popup",), "bcdehsStTwxyE"),
    "if-shell": (("if",), "t"),
    "send-keys": (("send",), "Nt"),
}
TMUX_READ = {"ls", "list-sessions", "list-windows", "lsw", "list-panes", "lsp", "has-session",
             "has", "capture-pane", "capturep", "show-options", "show", "display-message",
             "display", "info", "server-info", "show-environment", "showenv", "list-keys",
             "lsk", "list-clients", "lsc", "list-buffers", "lsb", "show-buffer", "showb", "-V"}
# Key names tmux send-keys turns into keystrokes rather than typing as text.
_TMUX_KEYS = {"Enter", "C-m", "KPEnter", "C-j", "Escape", "Tab", "Space", "C-c", "C-d", "BSpace"}


def tmux(cmd: Cmd) -> list[Effect]:
    """tmux: commands that start sessions, windows and panes run their shell command; send-keys
    types text into a shell."""
    assert cmd.run_words is not None and cmd.run_text is not None
    g = parse(cmd.args, "LSfcT", stop_at_operand=True)
    for text in g.all("-c"):  # `tmux -c CMD` runs CMD like a login shell would
        cmd.run_text(cmd, text, detail="tmux -c")
    if not g.rest:
        return [] if g.has("-c") else [opaque("command tmux", "tmux session (interactive)")]
    sub, args = g.rest[0].text, g.rest[1:]
    canon = next((k for k, (al, _) in TMUX_RUNS.items() if sub == k or sub in al), None)
    if sub in TMUX_READ or sub.startswith("list-"):
        return [fx.eff(Verb.READ, "tmux sessions", detail=f"tmux {sub}")]
    if canon is None:
        return [fx.eff(Verb.UPDATE, "tmux sessions", detail=f"tmux {sub}")]
    o = parse(args, TMUX_RUNS[canon][1], stop_at_operand=canon != "send-keys")
    words = list(o.rest) if canon != "send-keys" else list(o.pos)
    if canon == "send-keys":
        text = " ".join(w.text for w in words if w.text not in _TMUX_KEYS)
        if text.strip():
            cmd.run_text(cmd, text, detail="tmux send-keys")
    elif canon == "if-shell" and words:
        cmd.run_text(cmd, words[0].text, detail="tmux if-shell")
    elif len(words) == 1:
        cmd.run_text(cmd, words[0].text, detail=f"tmux {canon}")
    elif words:
        cmd.run_words(cmd, words)
    return [fx.eff(Verb.UPDATE, "tmux sessions", detail=f"tmux {canon}")]


_SCREEN_VALUE = set("Scehp" "Tst")  # short options of screen that take a value


def screen(cmd: Cmd) -> list[Effect]:
    """GNU screen: `screen -dmS x CMD…` runs CMD; `-X stuff TEXT` types TEXT into a shell."""
    assert cmd.run_words is not None and cmd.run_text is not None
    args = cmd.args
    texts = [w.text for w in args]
    if any(t in ("-ls", "-list", "-wipe", "-v", "-version", "--version") for t in texts):
        return [fx.eff(Verb.READ, "screen sessions", detail=cmd.argv_text[:80])]
    i = 0
    while i < len(args):
        t = texts[i]
        if args[i].dynamic or not t.startswith("-") or t == "-":
            break
        if t == "-X":
            sc = texts[i + 1 :]
            if sc[:1] == ["stuff"] and len(sc) > 1:
                cmd.run_text(cmd, sc[1].replace("\\n", "\n").replace("\n", "\n")
                             .replace("\r", "\n").replace("^M", "\n"), detail="screen stuff")
            elif sc[:1] in (["exec"], ["screen"]) and len(sc) > 1:
                cmd.run_words(cmd, args[i + 2 :])
            return [fx.eff(Verb.UPDATE, "screen sessions", detail=f"screen -X {' '.join(sc[:1])}")]
        if t in ("-Logfile", "-logfile"):
            i += 2
            continue
        j = next((k for k, ch in enumerate(t[1:], 1) if ch in _SCREEN_VALUE), None)
        i += 2 if j is not None and j == len(t) - 1 else 1
    rest = args[i:]
    if not rest:
        return [opaque("command screen", "screen session (interactive)")]
    cmd.run_words(cmd, rest)
    return [fx.eff(Verb.UPDATE, "screen sessions", detail="screen (runs a command)")]


def at(cmd: Cmd) -> list[Effect]:
    """at/batch: the commands on stdin (or in -f FILE) run later, through sh."""
    assert cmd.run_words is not None
    o = parse(cmd.args, "qft")
    if cmd.name == "atq" or o.has("-l", "-c", "-V"):
        return [fx.eff(Verb.READ, "at queue", detail=cmd.argv_text[:80])]
    if cmd.name == "atrm" or o.has("-r", "-d"):
        return [fx.eff(Verb.DELETE, "at queue", detail=cmd.argv_text[:80])]
    f = o.get("-f")
    if f is not None:
        cmd.run_words(cmd, [Word("sh"), Word(f)])
    else:
        cmd.run_words(cmd, [Word("sh")])
    return [fx.eff(Verb.UPDATE, "at queue", detail=f"{cmd.name}: runs commands later")]


def coproc(cmd: Cmd) -> list[Effect]:
    """`coproc CMD…` runs CMD in the background; `coproc NAME { …; }` runs the group (the
    parser sees `NAME { first command` as words, so the brace and name are dropped)."""
    assert cmd.run_words is not None
    words = list(cmd.args)
    if len(words) > 1 and words[1].text in ("{", "("):
        words = words[1:]
    if words and words[0].text in ("{", "("):
        words = words[1:]
    if not words:
        return [opaque("command coproc", "coproc without a command")]
    cmd.run_words(cmd, words)
    return []


HANDLERS: dict[str, Handler] = {name: wrapper(spec) for name, spec in WRAPPERS.items()}
HANDLERS["coproc"] = coproc
HANDLERS.update({"tmux": tmux, "screen": screen, "at": at, "batch": at, "atq": at, "atrm": at})
HANDLERS["busybox"] = busybox
HANDLERS["toybox"] = busybox
_ = Risk  # re-exported vocabulary for readers of this table
