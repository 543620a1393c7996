"""Shells and interpreters: inline code is analysed, scripts are `execute`, stdin is followed
(literal payloads analysed, downloads are remote code, anything else unknown)."""

from __future__ import annotations

from collections.abc import Callable

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx, inline_code
from ..argv import parse
from ..model import Cmd, Stream, Word
from . import Handler

SHELLS = ("bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "fish", "csh",
          "tcsh", "rbash")
# interpreter → (options whose value is inline code, options that take some other value)
INTERPRETERS: dict[str, tuple[tuple[str, ...], str, frozenset[str]]] = {
    "perl": (("-e", "-E"), "IMmlxCd", frozenset()),
    "ruby": (("-e",), "IrCEFxU", frozenset({"--encoding"})),
    "node": (("-e", "--eval", "-p", "--print"), "r", frozenset({"--require", "--import",
                                                              "--input-type", "--loader"})),
    "php": (("-r",), "cdfzt", frozenset()),
    "lua": (("-e",), "l", frozenset()),
    "Rscript": (("-e",), "", frozenset()),
    "osascript": (("-e",), "l", frozenset()),
    "bun": (("-e", "--eval", "-p", "--print"), "", frozenset()),
    "deno": (("eval",), "", frozenset()),
    "tclsh": ((), "", frozenset()),
    "julia": (("-e", "--eval"), "", frozenset()),
}
# Build and task runners: they run whatever the project says.
RUNNERS = {"make": "C", "gmake": "C", "ninja": "C", "just": "", "rake": "", "gradle": "",
           "gradlew": "", "mvn": "", "ant": "", "task": "", "cmake": "", "meson": "",
           "bazel": "", "invoke": "", "nox": "", "tox": "", "pytest": "", "jest": "",
           "cargo-make": "", "scons": "", "ctest": "", "docker-buildx": ""}


def run_stdin(cmd: Cmd, lang: str) -> list[Effect]:
    """The interpreter reads its program from stdin: what is on the pipe?"""
    s = cmd.stdin
    assert cmd.run_text is not None
    if s.kind == "literal":
        if lang == "shell":
            cmd.run_text(cmd, s.text, detail=f"{cmd.name} stdin")
            return []
        if lang == "python":
            return inline_code.python(s.text, cmd)
        return inline_code.script(lang, s.text, cmd)
    if s.kind == "remote":
        return [remote_code(cmd, s.text)]
    if s.kind in ("file", "secret"):
        return [fx.eff(Verb.EXECUTE, f"script {s.text}", (Target("path", s.text),),
                       detail=f"{cmd.name} < {s.text}")]
    if s.kind == "tty":
        return [opaque(f"command {cmd.name}", f"{cmd.name} without a program (interactive)")]
    return [opaque(f"command {cmd.name}", f"{cmd.name} runs code from a pipe it cannot see",
                   risks=frozenset({Risk.DYNAMIC}))]


def remote_code(cmd: Cmd, host: str) -> Effect:
    return fx.eff(Verb.EXECUTE, f"code from {host}", (Target("host", host),), scope=Scope.ONE,
                  risks=(Risk.REMOTE_CODE, Risk.CATASTROPHIC), reversible=False,
                  detail=f"downloaded code run by {cmd.name}")


# Paths that name the program's own stdin (`bash /dev/stdin <<< …`, `source /dev/stdin`).
STDIN_PATHS = {"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"}


def is_interpreter(name: str) -> bool:
    """A program that runs code it reads (a shell or a language interpreter)."""
    from . import lookup

    h = lookup(name)
    return h is shell or h is python or name in INTERPRETERS or h in _INTERP_HANDLERS


def _shebang_lang(text: str, default: str) -> str | None:
    """The language a script's `#!` line names (None: some other program)."""
    if not text.startswith("#!"):
        return default
    parts = text[2:].split("\n", 1)[0].split()
    if parts and parts[0].endswith("/env"):
        parts = [p for p in parts[1:] if not p.startswith("-")]
    prog = parts[0].rsplit("/", 1)[-1] if parts else ""
    if prog in SHELLS:
        return "shell"
    from . import lookup

    h = lookup(prog)
    if h is python:
        return "python"
    for lang in INTERPRETERS:
        if h is HANDLERS.get(lang):
            return lang
    return None


def run_content(cmd: Cmd, held: Stream, path: str, lang: str | None) -> list[Effect]:
    """Run a file an earlier command of this line wrote: judge what it holds (Line.files).

    lang None: run as `./FILE` (the `#!` line decides, shell without one).
    """
    assert cmd.run_text is not None
    if held.kind == "remote":
        return [remote_code(cmd, held.text)]
    if held.kind == "literal":
        lng = _shebang_lang(held.text, "shell") if lang is None else lang
        if lng == "shell":
            cmd.run_text(cmd, held.text, detail=f"script {path} (written in this line)")
            return []
        if lng == "python":
            return inline_code.python(held.text, cmd)
        if lng is not None:
            return inline_code.script(lng, held.text, cmd)
    return [opaque(f"script {path}", "runs a file this command line wrote with content it "
                   "cannot see", (Target("path", path),), risks=frozenset({Risk.DYNAMIC}))]


def _script_operand(cmd: Cmd, w: Word, lang: str) -> list[Effect]:
    assert cmd.run_text is not None
    if w.stream is not None:  # `bash <(curl …)`
        if w.stream.kind == "remote":
            return [remote_code(cmd, w.stream.text)]
        if w.stream.kind == "literal":
            if lang == "shell":
                cmd.run_text(cmd, w.stream.text, detail=f"{cmd.name} <(…)")
                return []
            return inline_code.python(w.stream.text, cmd) if lang == "python" else \
                inline_code.script(lang, w.stream.text, cmd)
        return [opaque(f"command {cmd.name}", f"{cmd.name} runs the output of a command",
                       risks=frozenset({Risk.DYNAMIC}))]
    if w.remote:
        return [remote_code(cmd, w.remote)]
    ap = None if w.dynamic else cmd.ctx.abspath(w.text)
    if ap is None:
        # A literal relative name inside a container or on a remote host (the context carries
        # its target) is just unseen code; after a `cd "$X"` it is whatever $X makes it.
        elsewhere = not w.dynamic and bool(cmd.ctx.extra)
        return [opaque(f"script {w.show}", f"{cmd.name} runs a script named at run time",
                       risks=frozenset() if elsewhere else frozenset({Risk.DYNAMIC}))]
    if ap in STDIN_PATHS:
        return run_stdin(cmd, lang)
    held = cmd.ctx.line.files.get(ap)
    if held is not None:
        return run_content(cmd, held, ap, lang)
    from .platforms import with_run

    return with_run(project_task(ap, [a.text for a in cmd.args[cmd.args.index(w) + 1 :]]),
                    fx.eff(Verb.EXECUTE, f"script {ap}", (Target("path", ap),),
                           detail=cmd.argv_text[:120]))


def project_task(path: str, args: list[str]) -> list[Effect]:
    """`python manage.py flush`, `php artisan db:wipe`, `bin/rails db:drop`: the script is the
    project's own, but the task it names is well known."""
    from .platforms import framework_effects

    base = path.rsplit("/", 1)[-1]
    if base in ("rails", "rake") and "/bin/" not in path + "/":
        return []
    return framework_effects(base, args) or []


# Variables a shell reads code from at start-up: BASH_ENV (non-interactive bash), ENV (sh -i,
# posix mode), PROMPT_COMMAND (each prompt of an interactive bash). Text vars are code; file
# vars name a script.
SHELL_CODE_VARS = ("PROMPT_COMMAND", "PS0", "PS1", "PS4")
SHELL_FILE_VARS = ("BASH_ENV", "ENV", "ZDOTDIR")


def _startup_code(cmd: Cmd) -> list[Effect]:
    assert cmd.run_text is not None
    out: list[Effect] = []
    for var in SHELL_CODE_VARS:
        v = cmd.var(var)
        if v and (var == "PROMPT_COMMAND" or "$(" in v or "`" in v):
            cmd.run_text(cmd, v if var == "PROMPT_COMMAND" else f"echo {v}",
                         detail=f"{var} for {cmd.name}")
    for var in SHELL_FILE_VARS:
        v = cmd.var(var)
        if not v:
            continue
        ap = cmd.ctx.abspath(v + "/.zshrc" if var == "ZDOTDIR" else v)
        held = cmd.ctx.line.files.get(ap) if ap is not None else None
        if held is not None and ap is not None:  # written earlier in this line
            out.extend(run_content(cmd, held, ap, "shell"))
        else:
            out.append(fx.eff(Verb.EXECUTE, f"script {ap or v}",
                              (Target("path", ap),) if ap else (),
                              detail=f"{var} for {cmd.name}: the shell runs it first"))
    return out


def shell(cmd: Cmd) -> list[Effect]:
    return _startup_code(cmd) + _shell(cmd)


def _shell(cmd: Cmd) -> list[Effect]:
    assert cmd.run_text is not None
    args = cmd.args
    i, command_string, read_stdin = 0, False, False
    while i < len(args):
        t = args[i].text
        if args[i].dynamic:
            break
        if t == "--" or t == "-":
            i += 1
            break
        if t in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            i += 2
            continue
        if t.startswith("--") or (t.startswith("+") and len(t) > 1):
            i += 1
            continue
        if t.startswith("-") and len(t) > 1:
            command_string = command_string or "c" in t[1:]
            read_stdin = read_stdin or "s" in t[1:]
            i += 1
            continue
        break
    ops = args[i:]
    if command_string:
        if not ops:
            return [fx.eff(Verb.READ, f"command {cmd.name}", detail="-c without a command")]
        w = ops[0]
        if w.remote:
            return [remote_code(cmd, w.remote)]
        # `sh -c 'rm -rf "$1"' _ /`: the words after the string are $0, $1 …
        inner = cmd.ctx.child(positional=tuple(a.text for a in ops[2:]) if len(ops) > 1
                              else None)
        cmd.run_text(cmd, w.text, stdin=cmd.stdin, ctx=inner, detail=f"{cmd.name} -c")
        return []
    if ops and not read_stdin:
        return _script_operand(cmd, ops[0], "shell")
    return run_stdin(cmd, "shell")


def _http_server(cmd: Cmd, rest: list[Word]) -> list[Effect]:
    """`python -m http.server [-d DIR]` serves DIR (default: cwd) to the network, listing and
    all: a home or `/` hands out the credential files in it."""
    o = parse(rest, "db", frozenset({"--directory", "--bind", "--protocol", "--cgi"}))
    d = Word(o.get("-d", "--directory") or ".")
    served = fx.path_read(cmd.ctx, d, detail="served over HTTP", recursive=True)
    run = fx.eff(Verb.EXECUTE, "python module http.server", fx.cwd_target(cmd.ctx),
                 detail=cmd.argv_text[:120])
    return [run, served] if served.verb is Verb.READ_SECRET or o.has("--cgi") else [run]


def _extractor(mod: str) -> Callable[[Cmd, list[Word]], list[Effect]]:
    return lambda cmd, rest: _extract(cmd, mod, rest)


def _extract(cmd: Cmd, mod: str, rest: list[Word]) -> list[Effect]:
    """`python -m zipfile -e A DIR` / `tarfile -e A [DIR]` write the archive's files into DIR."""
    texts = [w.text for w in rest]
    flag = next((t for t in ("-e", "--extract") if t in texts), None)
    run = fx.eff(Verb.EXECUTE, f"python module {mod}", fx.cwd_target(cmd.ctx),
                 detail=cmd.argv_text[:120])
    if flag is None:
        return [run]
    after = rest[texts.index(flag) + 1:]
    dest = after[1] if len(after) > 1 else Word(".")
    return [run, fx.path_change(cmd.ctx, dest, Verb.UPDATE, recursive=True,
                                detail="python archive extraction")]


PY_MODULE_EFFECTS: dict[str, Callable[[Cmd, list[Word]], list[Effect]]] = {
    "http.server": _http_server, "zipfile": _extractor("zipfile"), "tarfile": _extractor("tarfile")}


def python(cmd: Cmd) -> list[Effect]:
    args = cmd.args
    i = 0
    while i < len(args):
        t = args[i].text
        if args[i].dynamic or not t.startswith("-") or t == "-":
            break
        if t.startswith("-c"):
            code = t[2:] or (args[i + 1].text if i + 1 < len(args) else "")
            if i + 1 < len(args) and args[i + 1].remote:
                return [remote_code(cmd, args[i + 1].remote or "")]
            return inline_code.python(code, cmd)
        if t.startswith("-m"):
            mod = t[2:] or (args[i + 1].text if i + 1 < len(args) else "")
            rest = args[i + (1 if t[2:] else 2) :]
            if mod in PY_MODULE_EFFECTS:
                return PY_MODULE_EFFECTS[mod](cmd, rest)
            if mod in ("pip", "pip3", "venv", "http.server", "json.tool", "unittest",
                       "pytest", "pydoc", "timeit", "site", "ensurepip", "build"):
                if mod in ("pip", "pip3"):
                    assert cmd.run_words is not None
                    cmd.run_words(cmd, [Word("pip"), *rest])
                    return []
                return [fx.eff(Verb.EXECUTE, f"python module {mod}", fx.cwd_target(cmd.ctx),
                               detail=cmd.argv_text[:120])]
            return [fx.eff(Verb.EXECUTE, f"python module {mod}", fx.cwd_target(cmd.ctx),
                           detail=cmd.argv_text[:120])]
        if t in ("-W", "-X", "-Q"):
            i += 2
            continue
        if t in ("-V", "--version", "-h", "--help"):
            return [fx.eff(Verb.READ, f"command {cmd.name}")]
        i += 1
    ops = args[i:]
    if ops and ops[0].text != "-":
        return _script_operand(cmd, ops[0], "python")
    return run_stdin(cmd, "python")


def _interpreter(lang: str) -> Handler:
    code_opts, short_arg, long_arg = INTERPRETERS[lang]

    def handle(cmd: Cmd) -> list[Effect]:
        args = cmd.args
        if lang == "deno":
            if args[:1] and args[0].text == "eval" and len(args) > 1:
                return inline_code.script(lang, args[1].text, cmd)
            return [fx.eff(Verb.EXECUTE, f"command deno {' '.join(a.show for a in args[:2])}",
                           fx.cwd_target(cmd.ctx), detail=cmd.argv_text[:120])]
        shorts = "".join(o[1] for o in code_opts if len(o) == 2) + short_arg
        o = parse(args, shorts, long_arg | {c for c in code_opts if c.startswith("--")},
                  stop_at_operand=True)
        codes = o.all(*code_opts)
        out: list[Effect] = []
        if codes:
            for c in codes:
                out.extend(inline_code.script(lang, c, cmd))
            if lang == "perl" and o.has("-i") or any(k.startswith("-i") for k in o.flags
                                                      if lang == "perl"):
                out.extend(fx.path_change(cmd.ctx, w, Verb.UPDATE, detail="perl -i")
                           for w in o.rest)
            return out
        if o.has("-v", "--version", "-h", "--help", "-V"):
            return [fx.eff(Verb.READ, f"command {cmd.name}")]
        if o.rest and o.rest[0].text != "-":
            return _script_operand(cmd, o.rest[0], lang)
        return run_stdin(cmd, lang)

    return handle


def runner(cmd: Cmd) -> list[Effect]:
    dir_opt = RUNNERS.get(cmd.name, "")
    o = parse(cmd.args, "fjlIWoe" + dir_opt, frozenset({"--directory", "--file", "--makefile"}))
    if o.has("-n", "--dry-run", "--just-print", "--version", "-v", "--help", "-h") and \
            cmd.name in ("make", "gmake"):
        return [fx.eff(Verb.READ, f"command {cmd.name}", detail=cmd.argv_text[:120])]
    d = o.get("-C", "--directory")
    ap = cmd.ctx.abspath(d) if d else cmd.ctx.cwd
    targets = (Target("path", ap),) if ap else ()
    what = " ".join(w.show for w in o.pos) or "default target"
    from .platforms import framework_effects, with_run

    task = framework_effects(cmd.name, [w.text for w in cmd.args]) if cmd.name == "rake" else None
    return with_run(task, fx.eff(Verb.EXECUTE, f"{cmd.name} {what}", targets,
                                 detail=cmd.argv_text[:120]))


def source(cmd: Cmd) -> list[Effect]:
    if not cmd.args:
        return [fx.eff(Verb.READ, f"command {cmd.name}")]
    return _script_operand(cmd, cmd.args[0], "shell")


def eval_cmd(cmd: Cmd) -> list[Effect]:
    assert cmd.run_text is not None
    if any(w.remote for w in cmd.args):
        return [remote_code(cmd, next(w.remote for w in cmd.args if w.remote) or "")]
    text = " ".join(w.text for w in cmd.args)
    if text.strip():
        cmd.run_text(cmd, text, stdin=cmd.stdin, detail="eval", same_shell=True)
        return []
    return [fx.eff(Verb.READ, "command eval")]


def trap(cmd: Cmd) -> list[Effect]:
    assert cmd.run_text is not None
    if len(cmd.args) >= 2 and not cmd.args[0].text.startswith("-"):
        cmd.run_text(cmd, cmd.args[0].text, detail="trap handler")
        return []
    return [fx.eff(Verb.READ, "command trap")]


HANDLERS: dict[str, Handler] = {name: shell for name in SHELLS}
HANDLERS.update({name: _interpreter(name) for name in INTERPRETERS})
HANDLERS.update({name: runner for name in RUNNERS})
HANDLERS.update({"python": python, "nodejs": HANDLERS["node"], "source": source, ".": source,
                 "eval": eval_cmd, "trap": trap})
_INTERP_HANDLERS = {HANDLERS[n] for n in INTERPRETERS}
