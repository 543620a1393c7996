"""Programs that only look. READERS: name → (operands before the file operands, or None when the
operands are not files at all; short options taking a value; long options taking a value)."""

from __future__ import annotations

import re

from ....effects import Effect, Risk, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd, Stream, Word
from ..secrets import secret_env
from . import Handler

_L = frozenset
_GREP = ("ABCefmd", _L({"--regexp", "--file", "--max-count", "--context", "--after-context",
                        "--before-context", "--include", "--exclude", "--exclude-dir",
                        "--glob", "--type", "-g", "-t"}))
# skip None: arguments are data, not files.
READERS: dict[str, tuple[int | None, str, frozenset[str]]] = {
    **{n: (0, "", _L()) for n in (
        "cat", "tac", "nl", "less", "more", "most", "wc", "stat", "file", "du", "df", "ls", "dir",
        "tree", "md5sum", "sha1sum", "sha256sum", "sha512sum", "b2sum", "cksum", "strings",
        "od", "hexdump", "readlink", "realpath", "diff", "cmp", "comm", "sort", "uniq", "rev",
        "fold", "fmt", "paste", "join", "column", "expand", "unexpand", "pr", "zcat", "bzcat",
        "xzcat", "zless", "lsattr", "getfacl", "namei", "vdir", "colordiff", "bat", "batcat",
        "exa", "eza", "lsd", "iconv", "tsort", "look", "diff3", "sdiff")},
    "head": (0, "nc", _L({"--lines", "--bytes"})),
    "tail": (0, "ncsF", _L({"--lines", "--bytes", "--sleep-interval", "--pid"})),
    "cut": (0, "bcdf", _L({"--bytes", "--characters", "--delimiter", "--fields"})),
    "grep": (1, *_GREP), "egrep": (1, *_GREP), "fgrep": (1, *_GREP), "zgrep": (1, *_GREP),
    "rg": (1, *_GREP), "ag": (1, *_GREP), "ack": (1, *_GREP),
    "jq": (1, "fL", _L({"--arg", "--argjson", "--slurpfile", "--rawfile", "--indent"})),
    "yq": (1, "", _L()),
    "awk": (1, "fvF", _L()), "gawk": (1, "fvF", _L()), "mawk": (1, "fvF", _L()),
    "fd": (1, "etdE", _L()), "locate": (None, "", _L()),
    **{n: (None, "", _L()) for n in (
        "echo", "printf", "pwd", "which", "whereis", "type", "hash", "date", "cal", "uname",
        "hostname", "id", "whoami", "groups", "users", "who", "w", "last", "uptime", "free",
        "ps", "top", "htop", "lsof", "netstat", "ss", "true", "false", ":",
        "sleep", "seq", "yes", "expr", "bc", "dc", "test", "[", "[[", "basename", "dirname",
        "tty", "stty", "tput", "clear", "reset", "nproc", "arch", "lscpu", "lsblk", "lsusb",
        "lspci", "lsmod", "dmesg", "vmstat", "iostat", "mpstat", "sar", "getent", "man",
        "info", "help", "apropos", "whatis", "tldr", "history", "jobs", "wait", "set",
        "shopt", "let", "getopts", "shift", "return", "exit", "break",
        "continue", "umask", "ulimit", "times", "dirs", "mktemp", "uuidgen", "numfmt",
        "factor", "tr", "ping", "traceroute", "dig", "nslookup", "host",
        "whois", "mtr", "nmcli", "free", "sensors", "timedatectl", "hostnamectl",
        "journalctl", "locale", "logname",
        "notify-send", "say", "banner", "figlet", "cowsay", "jot",
        "shuf", "disown", "bg", "fg", "suspend", "logger", "findmnt", "blkid", "lshw",
        "dmidecode", "inxi", "neofetch")},
}


_GREPS = frozenset({"grep", "egrep", "fgrep", "zgrep"})
_TREE_SEARCHERS = frozenset({"rg", "ag", "ack"})  # recursive unless told otherwise
# Readers whose output is their input (content flows through them unchanged).
_PASS = ("cat", "tac", "sort", "uniq", "head", "tail")


def _reader(name: str, skip: int | None, short_arg: str, long_arg: frozenset[str]) -> Handler:
    def handle(cmd: Cmd) -> list[Effect]:
        if skip is None:
            cmd.stdout = cmd.stdin if cmd.stdin.kind == "secret" else cmd.stdout
            return [fx.eff(Verb.READ, f"command {name}", detail=cmd.argv_text[:80])]
        o = parse(cmd.args, short_arg, long_arg)
        n = skip
        if n and o.has("-e", "--regexp", "-f", "--file"):
            n = 0
        paths = o.pos[n:]
        # Content searched through a whole tree: a directory holding credentials is a secret read.
        recursive = name in _TREE_SEARCHERS or (
            name in _GREPS and o.has("-r", "-R", "--recursive", "--dereference-recursive"))
        out = [fx.path_read(cmd.ctx, p, recursive=recursive) for p in paths]
        secret = [e for e in out if e.verb is Verb.READ_SECRET]
        held = fx.tracked(cmd.ctx, paths[0]) if len(paths) == 1 and name in _PASS else None
        if held is not None and held.kind != "unknown":
            cmd.stdout = held  # a file written earlier in the line (a download, a fifo)
        elif secret:
            cmd.stdout = Stream("secret", secret[0].resource)
        elif not paths:
            cmd.stdout = cmd.stdin if cmd.stdin.kind in ("secret", "literal", "remote") and \
                name in _PASS else (
                cmd.stdin if cmd.stdin.kind == "secret" else cmd.stdout)
        return out or [fx.eff(Verb.READ, f"command {name}", detail=cmd.argv_text[:80])]

    return handle


# awk code that runs commands or loads code (`@f()` calls any function by name, system too).
_AWK_RUNS = re.compile(r'\bsystem\s*\(|getline|\|&|@\s*[A-Za-z_]')
_AWK_STR = re.compile(r'"(?:[^"\\\n]|\\.)*"')
# awk goes on to the next line after `\`, `,`, `&&`, `||`, `do`, `else`.
_AWK_CONT = re.compile(r'(\\|,|&&|\|\||\bdo|\belse)[ \t]*\n')


def _awk_join(prog: str) -> str:
    return _AWK_CONT.sub(lambda m: (m.group(1) if m.group(1) != "\\" else "") + " ", prog)


def _awk_acts(prog: str) -> bool:
    """Does awk code run commands or write files? A `>`, `>>` or `|` outside strings after
    print/printf redirects it (a `>` in a pattern is a comparison)."""
    bare = _AWK_STR.sub('""', _awk_join(prog))
    if _AWK_RUNS.search(bare):
        return True
    for m in re.finditer(r"\bprintf?\b", bare):
        seg = bare[m.end():].split("\n", 1)[0]
        if "/" not in seg:  # no regex literal that could hide a `;` or `}`
            seg = re.split(r"[;{}]", seg, maxsplit=1)[0]
        if re.search(r"[>|]", seg):
            return True
    return False


# Options (gawk, mawk -W) that take a value, and those that name code or files.
_AWK_VALUE = "fvFilEeW"
_AWK_LONG_VALUE = frozenset({"--file", "--assign", "--field-separator", "--include", "--load",
                             "--exec", "--source"})
_AWK_CODE_FILE = frozenset({"-f", "--file", "-E", "--exec", "-i", "--include"})
_AWK_W_QUIET = ("version", "usage", "help", "interactive", "posix", "traditional", "lint",
                "dump", "sprintf", "re-interval")


def awk(cmd: Cmd) -> list[Effect]:
    """awk: the program is read unless it runs commands, writes files or comes from elsewhere
    (`-f prog.awk`, gawk `-i lib`, `-l ext`, `--profile=file`)."""
    out: list[Effect] = []
    texts: list[str] = []  # -e / --source program text
    pos: list[Word] = []
    args = cmd.args
    i = 0
    while i < len(args):
        w, t = args[i], args[i].text
        i += 1
        if t == "--" or not t.startswith("-") or t == "-" or w.dynamic:
            pos.extend(args[i - 1:] if t != "--" else args[i:])
            break
        if t.startswith("--"):
            name, eq, val = t.partition("=")
            if not eq and name in _AWK_LONG_VALUE and i < len(args):
                val, i = args[i].text, i + 1
            opt = name
        else:  # a short cluster: `-vx=1`, `-F:`, `-fprog.awk`, `-p`, `-ofile`
            opt, val = "", ""
            for j, ch in enumerate(t[1:], 1):
                if ch in _AWK_VALUE:
                    opt, val = "-" + ch, t[j + 1:]
                    if not val and i < len(args):
                        val, i = args[i].text, i + 1
                    break
                if ch in "opdD":
                    opt, val = "-" + ch, t[j + 1:]
                    break
        if opt in _AWK_CODE_FILE:
            out.append(fx.eff(Verb.EXECUTE, f"awk program {val}", detail=f"{cmd.name} {opt} {val}"))
            if opt not in ("-i", "--include"):
                texts.append("")  # the program is in the file, not the first operand
        elif opt in ("-l", "--load"):
            out.append(opaque(f"command {cmd.name}", f"{cmd.name} {opt} {val} (loads native code)"))
        elif opt in ("-e", "--source"):
            texts.append(val)
        elif opt == "-W" and not val.startswith(_AWK_W_QUIET):
            out.append(opaque(f"command {cmd.name}", f"{cmd.name} -W {val}"))
        elif opt in ("-o", "-p", "-d", "--pretty-print", "--profile", "--dump-variables"):
            default = "awkvars.out" if opt in ("-d", "--dump-variables") else "awkprof.out"
            out.append(fx.path_change(cmd.ctx, Word(val or default), Verb.UPDATE,
                                      detail=f"{cmd.name} {opt}"))
        elif opt in ("-D", "--debug"):
            out.append(opaque(f"command {cmd.name}", f"{cmd.name} {opt} (debugger)"))
    if not texts and pos:
        texts, pos = [pos[0].text], pos[1:]
    for prog in texts:
        if DYN in prog:
            out.append(opaque("awk code", "awk program built from unknown values",
                              risks=frozenset({Risk.DYNAMIC})))
        elif _awk_acts(prog):
            out.extend(_awk_program(cmd, prog))
    reader = _reader(cmd.name, 0, "", _L())
    cmd.args = pos
    return out + reader(cmd) if pos or not out else out
# The same, with a literal command or file: what the line is built from is visible.
_AWK_LITERAL_ACTS = re.compile(r'\bsystem\s*\(\s*"(?:[^"\\]|\\.)*"\s*\)|"(?:[^"\\]|\\.)*"\s*\|\s*getline'
                               r'|\bprintf?\b[^;{}\n>|]*(?:>>?|\|)\s*"(?:[^"\\]|\\.)*"')
_AWK_PIPE_TO = re.compile(r'print[f]?\s*\(?\s*"((?:[^"\\]|\\.)*)"\s*\)?\s*\|\s*"((?:[^"\\]|\\.)*)"')
_AWK_GETLINE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*\|\s*getline')
_AWK_WRITE = re.compile(r'>>?\s*"((?:[^"\\]|\\.)*)"')


def _awk_program(cmd: Cmd, prog: str) -> list[Effect]:
    """awk code that runs commands (system("…"), print "…" | "sh", "cmd" | getline) or writes
    files (print > "f"): the literal parts are analysed; the rest stays opaque."""
    from .. import inline_code

    assert cmd.run_text is not None
    prog = _awk_join(prog)
    out = inline_code.script("awk", prog, cmd)  # system("…") and an opaque for the rest
    left = _AWK_LITERAL_ACTS.sub("", prog)
    if not _awk_acts(left) and "system" not in prog and "getline" not in prog:
        out = [e for e in out if e.resource != "awk code"]  # only literal pipes and files
    elif re.search(r'\bsystem\s*\(|\|', left):  # runs commands built from its input
        for e in out:
            if e.resource == "awk code":
                e.risks = e.risks | {Risk.DYNAMIC}
    for text, sink in _AWK_PIPE_TO.findall(prog):
        cmd.run_text(cmd, sink, stdin=Stream("literal", text.replace("\\n", "\n") + "\n"),
                     detail="awk print | command")
    for text in _AWK_GETLINE.findall(prog):
        cmd.run_text(cmd, text, detail="awk getline")
    out.extend(fx.path_change(cmd.ctx, Word(f), Verb.UPDATE, detail="awk print >")
               for f in _AWK_WRITE.findall(prog) if not f.startswith("/dev/std"))
    return out


def printenv(cmd: Cmd) -> list[Effect]:
    names = [w.text for w in cmd.args if not w.text.startswith("-")]
    if not names or any(secret_env(n) or n.startswith("\x00") for n in names):
        cmd.stdout = Stream("secret", "environment")
        return [fx.eff(Verb.READ_SECRET, "environment variables",
                       detail=f"{cmd.argv_text[:60]}: prints the environment (may hold secrets)")]
    return [fx.eff(Verb.READ, "environment variables", detail=cmd.argv_text[:60])]


# Programs that print stored secrets when given one of these words (their output is a secret).
SECRET_PRINTERS: dict[str, frozenset[str]] = {
    "gpg": frozenset({"--export-secret-keys", "--export-secret-subkeys", "-d", "--decrypt",
                      "--export-ownertrust"}),
    "gpg2": frozenset({"--export-secret-keys", "--export-secret-subkeys", "-d", "--decrypt"}),
    "pass": frozenset({"show", "*"}),  # `pass NAME` shows it too
    "security": frozenset({"find-generic-password", "find-internet-password", "dump-keychain"}),
    "vault": frozenset({"read", "kv", "token"}),
    "op": frozenset({"read", "item", "inject"}),
    "age": frozenset({"-d", "--decrypt"}),
    "sops": frozenset({"-d", "--decrypt", "exec-env", "exec-file"}),
}


def secret_printer(cmd: Cmd) -> list[Effect]:
    words = SECRET_PRINTERS[cmd.name]
    texts = [w.text for w in cmd.args]
    pos = [t for t in texts if not t.startswith("-")]
    if any(t in words for t in texts) or ("*" in words and pos and pos[0] not in (
            "ls", "list", "find", "grep", "init", "git", "help", "version")):
        cmd.stdout = Stream("secret", f"credential {cmd.name}")
        return [fx.eff(Verb.READ_SECRET, f"secrets ({cmd.name})", detail=cmd.argv_text[:80])]
    return [opaque(f"command {cmd.name}", cmd.argv_text[:100])]


# Readers that run a program named in an option (`man -P CMD`, `rg --pre CMD`, `fd -x CMD`)
# or in the environment (`PAGER=CMD man ls`); ATTACHED options take a glued value only.
READER_RUNS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # name: (options with a command, options with a glued command, environment variables)
    "man": (("-P", "--pager"), ("-H", "--html"), ("MANPAGER", "PAGER", "BROWSER")),
    "rg": (("--pre",), (), ()),
    "ag": (("--pager",), (), ()),
    "ack": (("--pager",), (), ()),
    "bat": (("--pager",), (), ("BAT_PAGER", "PAGER")),
    "batcat": (("--pager",), (), ("BAT_PAGER", "PAGER")),
    "journalctl": ((), (), ("SYSTEMD_PAGER", "PAGER")),
    "dmesg": ((), (), ("DMESG_PAGER", "PAGER")),
}
# Readers with options that name a file they write (`sort -o F`, `tree -o F`), or whose
# n-th operand is one (`uniq IN OUT`, `xxd IN OUT`).
READER_WRITES: dict[str, tuple[tuple[str, ...], int | None]] = {
    "sort": (("-o", "--output"), None), "shuf": (("-o", "--output"), None),
    "iconv": (("-o", "--output"), None), "tree": (("-o",), None),
    "sdiff": (("-o", "--output"), None), "uniq": ((), 1),
}
# Options that make a reader rewrite its file operands in place (`yq -i '.a=1' f.yaml`).
READER_INPLACE: dict[str, tuple[str, ...]] = {"yq": ("-i", "--inplace")}
# Options that turn a reader into a change of the host: (verb, resource) for each.
READER_CHANGES: dict[str, dict[str, tuple[Verb, str]]] = {
    "journalctl": {o: (Verb.DELETE, "system journal") for o in (
        "--vacuum-size", "--vacuum-time", "--vacuum-files", "--rotate", "--flush",
        "--relinquish-var", "--smart-relinquish-var", "--setup-keys", "--update-catalog")},
    "dmesg": {o: (Verb.DELETE if o in ("-c", "-C", "--clear", "--read-clear") else Verb.UPDATE,
                  "kernel ring buffer") for o in (
        "-c", "-C", "--clear", "--read-clear", "-n", "--console-level", "-D",
        "--console-off", "-E", "--console-on")},
    "date": {o: (Verb.UPDATE, "system clock") for o in ("-s", "--set")},
    "hostname": {o: (Verb.UPDATE, "hostname") for o in ("-F", "--file", "-b", "--boot")},
    "history": {},  # only `history -w F` / `-a F`, below
}
# Short options of those that take a value (so an operand is told from a value).
_CHANGE_SHORT_ARGS = {"journalctl": "uSUnpoDMtIg", "dmesg": "nfFlsT", "date": "dfrsI",
                      "hostname": "F", "history": "d"}


def _runs(cmd: Cmd, spec: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]) -> None:
    from .optvals import run_option_commands

    opts, glued, env = spec
    run_option_commands(cmd, opts, attached=glued, detail=f"{cmd.name} runs it")
    for var in env:
        v = cmd.var(var)
        if v:
            assert cmd.run_text is not None
            cmd.run_text(cmd, v, detail=f"{var} for {cmd.name}")


def _changes(cmd: Cmd) -> list[Effect]:
    from .optvals import option_writes

    out: list[Effect] = []
    table = READER_CHANGES.get(cmd.name, {})
    o = parse(cmd.args, _CHANGE_SHORT_ARGS.get(cmd.name, ""), _L(
        k for k in table if k.startswith("--")))
    hit = next((k for k in table if o.has(k)), None)
    if hit is not None:
        verb, res = table[hit]
        out.append(fx.eff(verb, res, detail=f"{cmd.name} {hit}"))
    if cmd.name == "history":  # `history -w F` / `-a F` writes the history into F
        out.extend(fx.path_change(cmd.ctx, w, Verb.UPDATE, detail="history -w/-a")
                   for w in o.pos if o.has("-w", "-a"))
        if o.has("-r", "-n"):  # loads a history file (default ~/.bash_history) to print it
            hist = o.pos or [Word(cmd.var("HISTFILE") or cmd.ctx.line.home + "/.bash_history")]
            out.extend(fx.path_read(cmd.ctx, w, detail="history -r") for w in hist)
    elif cmd.name in ("date", "hostname") and hit is None:
        # `date MMDDhhmm` sets the clock; `hostname NAME` renames the host.
        ops = [w for w in o.pos if not w.text.startswith("+")]
        if ops and not (cmd.name == "hostname" and o.has("-I", "-i", "-f", "-s", "-d", "-A")):
            res = "system clock" if cmd.name == "date" else "hostname"
            out.append(fx.eff(Verb.UPDATE, res, detail=cmd.argv_text[:80]))
    inplace = READER_INPLACE.get(cmd.name)
    if inplace and any(w.text in inplace or w.text.startswith("--inplace=") for w in cmd.args):
        files = [w for w in cmd.args if not w.text.startswith("-")][1:]  # after the expression
        out.extend(fx.path_change(cmd.ctx, w, Verb.UPDATE, detail=f"{cmd.name} -i (in place)")
                   for w in files)
    spec = READER_WRITES.get(cmd.name)
    if spec is not None:
        names, nth = spec
        out.extend(option_writes(cmd, names))
        plain = parse(cmd.args, "fsw" if cmd.name == "uniq" else "", _L()).pos
        if nth is not None and len(plain) > nth and plain[nth].text != "-":
            out.append(fx.path_change(cmd.ctx, plain[nth], Verb.UPDATE,
                                      detail=f"{cmd.name} writes its output there"))
    return out


def _reader_plus(name: str, base: Handler) -> Handler:
    """A reader that may also run a program or change something its options name."""
    def handle(cmd: Cmd) -> list[Effect]:
        spec = READER_RUNS.get(name)
        if spec is not None:
            _runs(cmd, spec)
        changes = _changes(cmd)
        written = {e.resource for e in changes}
        return changes + [e for e in base(cmd) if e.resource not in written]

    return handle


def split(cmd: Cmd) -> list[Effect]:
    """split/csplit write PREFIXaa, PREFIXab … (`x`/`xx` by default)."""
    o = parse(cmd.args, "abClnt" if cmd.name == "split" else "fbn",
              _L({"--prefix", "--bytes", "--lines", "--line-bytes", "--number",
                  "--additional-suffix", "--suffix-format", "--digits"}))
    if cmd.name == "split":
        src, prefix = (o.pos + [Word("-")])[0], (o.pos[1] if len(o.pos) > 1 else Word("x"))
    else:
        src, prefix = (o.pos + [Word("-")])[0], Word(o.get("-f", "--prefix") or "xx")
    reads = [fx.path_read(cmd.ctx, src)] if src.text != "-" else []
    return [*reads, fx.path_change(cmd.ctx, Word(prefix.text + "*", prefix.show + "*", glob=True),
                                   Verb.CREATE, detail=f"{cmd.name} output files")]


def ps(cmd: Cmd) -> list[Effect]:
    """`ps e`, `ps auxe`, `ps eww`: BSD-style `e` prints every process's environment."""
    o = parse(cmd.args, "pUuGgtCoOkNq", _L({"--pid", "--user", "--group", "--format", "--sort",
                                             "--ppid", "--sid", "--tty", "--cols", "--rows"}))
    if any("e" in w.text for w in o.pos if not w.dynamic) or "environ" in " ".join(
            o.all("-o", "-O", "--format")):
        cmd.stdout = Stream("secret", "environment")
        return [fx.eff(Verb.READ_SECRET, "process environments",
                       detail=f"{cmd.argv_text[:60]}: prints other processes' environment")]
    return [fx.eff(Verb.READ, "command ps", detail=cmd.argv_text[:80])]


def getent(cmd: Cmd) -> list[Effect]:
    if any(w.text in ("shadow", "gshadow") for w in cmd.args):
        cmd.stdout = Stream("secret", "/etc/shadow")
        return [fx.eff(Verb.READ_SECRET, "password hashes", detail=cmd.argv_text[:60])]
    return [fx.eff(Verb.READ, "command getent", detail=cmd.argv_text[:80])]


# dc runs the rest of a line after `!` (`!<`, `!>`, `!=` are comparisons).
_DC_SHELL = re.compile(r"!(?![<>=])([^\n]*)")


def dc(cmd: Cmd) -> list[Effect]:
    """dc: `!cmd` runs a shell command; a program from a file or unknown stdin is not seen."""
    assert cmd.run_text is not None
    o = parse(cmd.args, "ef", _L({"--expression", "--file"}))
    texts = o.all("-e", "--expression")
    if cmd.stdin.kind == "literal":
        texts.append(cmd.stdin.text)
    out: list[Effect] = []
    for t in texts:
        if DYN in t:
            out.append(opaque("dc program", "dc code built from unknown values",
                              risks=frozenset({Risk.DYNAMIC})))
        for m in _DC_SHELL.finditer(t):
            cmd.run_text(cmd, m.group(1), detail="dc !")
    files = [*o.all("-f", "--file"), *(w.text for w in o.pos)]
    if files or cmd.stdin.kind not in ("literal", "tty"):
        out.append(opaque("dc program", "dc code from a file or stdin (it can run `!cmd`)"))
    return out or [fx.eff(Verb.READ, "command dc")]


def fd(cmd: Cmd) -> list[Effect]:
    """fd -x/-X CMD…: runs CMD for each file found (like find -exec)."""
    assert cmd.run_words is not None
    texts = [w.text for w in cmd.args]
    for i, t in enumerate(texts):
        if t in ("-x", "--exec", "-X", "--exec-batch"):
            sub = cmd.args[i + 1:]
            stop = next((k for k, w in enumerate(sub) if w.text == ";"), len(sub))
            words = [Word(DYN, "{}") if "{" in w.text else w for w in sub[:stop]]
            if not any(w.dynamic for w in words):
                words.append(Word(DYN, "{}"))
            if words:
                cmd.run_words(cmd, words, stdin=cmd.stdin)
            cmd.args = cmd.args[:i]
            break
    return _reader("fd", 1, "etdE", _L())(cmd)


def nmcli(cmd: Cmd) -> list[Effect]:
    """nmcli looks unless a word changes something (`networking off`, `con down x`)."""
    quiet = {"general", "g", "status", "device", "dev", "d", "connection", "con", "c", "show",
             "s", "list", "l", "monitor", "m", "wifi", "radio", "r", "permissions", "logging",
             "networking", "n", "connectivity", "help", "all", "hostname"}
    words = [w.text for w in cmd.args if not w.text.startswith("-")]
    if all(w in quiet for w in words):
        return [fx.eff(Verb.READ, "command nmcli", detail=cmd.argv_text[:80])]
    return [fx.eff(Verb.UPDATE, "network configuration", detail=cmd.argv_text[:80])]


def fc(cmd: Cmd) -> list[Effect]:
    """`fc -l` lists history; anything else re-runs (edited) history we cannot see."""
    if any(w.text.startswith("-") and "l" in w.text for w in cmd.args):
        return [fx.eff(Verb.READ, "command fc", detail="lists history")]
    return [opaque("command fc", "fc re-runs commands from the shell history")]


def opener(cmd: Cmd) -> list[Effect]:
    """open/xdg-open hand a file or URL to whatever program is registered for it."""
    return [fx.eff(Verb.EXECUTE, f"command {cmd.name}", detail=cmd.argv_text[:80])]


HANDLERS: dict[str, Handler] = {n: _reader(n, *spec) for n, spec in READERS.items()}
for _n in {*READER_RUNS, *READER_WRITES, *READER_CHANGES, *READER_INPLACE}:
    if _n in HANDLERS:
        HANDLERS[_n] = _reader_plus(_n, HANDLERS[_n])
HANDLERS.update({"split": split, "csplit": split, "ps": ps, "getent": getent, "dc": dc,
                 "fd": fd, "nmcli": nmcli, "fc": fc, "open": opener, "xdg-open": opener})
HANDLERS.update({n: secret_printer for n in SECRET_PRINTERS})
HANDLERS.update({n: awk for n in ("awk", "gawk", "mawk", "nawk")})
HANDLERS["printenv"] = printenv
HANDLERS["export"] = printenv  # `export` alone (as a command) lists the environment
HANDLERS["declare"] = printenv
