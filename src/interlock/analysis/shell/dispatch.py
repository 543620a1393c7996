"""One simple command → effects: resolve the program name, then hand it to its table entry."""

from __future__ import annotations

import posixpath
from typing import Any

from ...effects import Effect, Risk, Scope, Target, Verb, opaque
from ...enforce.broker.envvars import injects_code  # a data table, no imports
from ...errors import InputError
from . import fx
from .model import DYN, MAX_EFFECTS, TTY, UNKNOWN, Cmd, Ctx, Stream, Word
from .programs import lookup
from .programs.interp import is_interpreter, run_content
from .programs.network import NETWORK_SENDERS
from .walk import analyse_text, spend, walk

# A program named by path in one of these is just that program (`/bin/rm` is rm).
BIN_DIRS = {"/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin", "/usr/local/sbin",
            "/opt/homebrew/bin", "/usr/libexec", "/snap/bin"}
_DESTRUCTIVE = (Verb.DELETE, Verb.REPLACE, Verb.FORGET, Verb.PRIVILEGE)
# Secret streams that are stored credentials (files, archives, the environment): sending
# them in an argument of a network client is exfiltration.
_DATA_SECRETS = ("path ", "/", "~", "environment", "archive", "credential")


def run(words: list[Word], ctx: Ctx, stdin: Stream = TTY,
        assigns: dict[str, str] | None = None, net_out: str | None = None) -> Stream:
    """Analyse argv `words` as a command in ctx; emit its effects; return its stdout."""
    spend(ctx)
    if not words:
        return UNKNOWN
    if len(words) > MAX_EFFECTS:  # checked before a handler builds one effect per argument
        raise InputError(f"shell: command too large to analyse ({len(words)} arguments)")
    assigns = assigns or {}
    head, args = words[0], words[1:]
    if ctx.aliases and head.text in ctx.aliases:
        return _alias(head, args, ctx, stdin)
    if head.dynamic or head.glob or head.remote:
        return _dynamic_name(head, args, ctx)
    name = head.text
    if "/" in name:
        d, base = posixpath.split(name)
        if d in BIN_DIRS and base:
            name = base
        else:
            return _script(head, args, ctx, stdin)
    if name in ctx.functions:
        return _call_function(name, args, ctx, stdin)
    if net_out is None and "1" in ctx.fds:
        net_out = ctx.fds["1"]
    cmd = Cmd(name, args, ctx, stdin, assigns, run_words=_run_words, run_text=_run_text,
              net_out=net_out)
    mark = len(ctx.line.effects)
    effects = lookup(name)(cmd)
    hijack = _path_override(name, ctx, assigns)
    if hijack is not None:
        # An execute, not a read: in production that needs approval; sandboxes run anything.
        effects.append(fx.eff(Verb.EXECUTE, f"command {name}",
                              detail=f"`{name}` is looked up in a PATH this line changed "
                                     f"({hijack[:80]}): it may not be the program it names"))
    injected = _injected(name, ctx, assigns)
    if injected:
        effects.append(fx.eff(Verb.EXECUTE, f"command {name}",
                              detail=f"runs with {', '.join(injected)} set on this line: "
                                     "code other than the command may run in it"))
    _post(cmd, effects, nested=len(ctx.line.effects) > mark)
    ctx.emit(effects)
    return cmd.stdout


def _injected(name: str, ctx: Ctx, assigns: dict[str, str]) -> list[str]:
    """Variables this line set that load extra code into the program it starts (LD_PRELOAD,
    NODE_OPTIONS, BASH_FUNC_*, …; the broker's table, so both agree on what injects code)."""
    if (not assigns and not ctx.exported) or name in _BUILTINS or name in ctx.functions:
        return []
    names = set(assigns) | (ctx.exported & set(ctx.vars))
    return sorted(n for n in names if injects_code(n))


def _alias(head: Word, args: list[Word], ctx: Ctx, stdin: Stream) -> Stream:
    """`alias x=rm; x -rf /`: the alias text replaces the command word (bash expands aliases
    in interactive shells; an agent's shell may be one, so we always do). An alias is not
    expanded inside its own expansion, as in bash."""
    from .programs.wrappers import _quote

    name = head.text
    value = ctx.aliases.pop(name)
    try:
        text = " ".join([value, *(a.text if a.dynamic else _quote(a.text) for a in args)])
        return analyse_text(text, ctx, stdin, detail=f"alias {name}", same_shell=True)
    finally:
        ctx.aliases[name] = value


# Shell builtins are not looked up in PATH.
_BUILTINS = frozenset({"cd", "echo", "printf", "export", "unset", "set", "alias", "unalias",
                       "source", ".", "eval", "exec", "read", "test", "[", "[[", "true",
                       "false", ":", "pwd", "type", "command", "builtin", "local", "declare",
                       "typeset", "readonly", "shift", "return", "exit", "wait", "trap",
                       "ulimit", "umask", "hash", "history", "jobs", "fg", "bg", "let",
                       "pushd", "popd", "dirs", "shopt", "getopts", "times", "kill"})


def _path_override(name: str, ctx: Ctx, assigns: dict[str, str]) -> str | None:
    """The PATH this line set, when `name` would be looked up in it (`PATH=/tmp/evil:$PATH ls`,
    `export PATH=…; ls`): then `ls` is whatever that directory holds."""
    if name in _BUILTINS or name in ctx.functions:
        return None
    return assigns.get("PATH", ctx.vars.get("PATH"))


def _run_words(cmd: Cmd, words: list[Word], *, stdin: Stream | None = None,
               ctx: Ctx | None = None, assigns: dict[str, str] | None = None) -> Stream:
    merged = dict(cmd.assigns)
    merged.update(assigns or {})
    return run(words, ctx or cmd.ctx, cmd.stdin if stdin is None else stdin, merged)


def _run_text(cmd: Cmd, text: str, *, stdin: Stream = TTY, ctx: Ctx | None = None,
              detail: str = "", same_shell: bool = False) -> Stream:
    c = ctx or cmd.ctx
    if cmd.assigns:
        c = c.child()
        c.vars.update(cmd.assigns)
        c.exported.update(cmd.assigns)
    return analyse_text(text, c, stdin, detail=detail or cmd.name, same_shell=same_shell)


def _post(cmd: Cmd, effects: list[Effect], nested: bool) -> None:
    if not effects and not nested:
        effects.append(Effect(Verb.READ, f"command {cmd.name}", detail=cmd.argv_text[:80]))
    static = not any(DYN in w.text for w in cmd.args)
    # Built once and shared: `rm f1 … f8000` has one effect per argument.
    argv = (cmd.name, *(w.text for w in cmd.args)) if static else None
    for e in effects:
        if not e.program:  # lets a policy name the program (`context.program == "kubectl"`)
            e.program = cmd.name
            if argv is not None and cmd.ctx.cwd is not None:
                e.argv = argv
                e.cwd = cmd.ctx.cwd
    if not static:
        for e in effects:
            if e.verb in _DESTRUCTIVE:
                e.risks = e.risks | {Risk.DYNAMIC}
    # What it prints: a command that read a secret, or got one as an argument, prints it.
    if cmd.stdout.kind in ("unknown", "file", "literal", "tty"):
        secret = next((e.resource for e in effects if e.verb is Verb.READ_SECRET), None)
        arg = next((w for w in cmd.args if w.origin is not None
                    and w.origin.kind in ("secret", "env_secret")), None)
        if secret is not None or arg is not None:
            cmd.stdout = Stream("secret", secret or (arg.origin.text if arg and arg.origin else ""))
    # Secret data leaving the machine: on stdin, or inside an argument, of a network sender;
    # or printed by anything whose stdout is a network connection.
    if cmd.name in NETWORK_SENDERS:
        if cmd.stdin.kind == "secret":
            effects.append(_exfil(effects, cmd.stdin.text, f"piped into {cmd.name}"))
        for w in cmd.args:
            # Credential files and environment dumps, not access tokens minted for the
            # request (`-H "Authorization: Bearer $TOKEN"`, `$(gcloud auth print-access-token)`).
            if w.origin is not None and w.origin.kind == "secret" and \
                    w.origin.text.startswith(_DATA_SECRETS):
                effects.append(_exfil(effects, w.origin.text, f"in an argument of {cmd.name}"))
                break
    if cmd.net_out is not None:
        host = cmd.net_out
        if cmd.stdout.kind == "secret":
            effects.append(_exfil(effects, cmd.stdout.text, "written to /dev/tcp", host))
        if is_interpreter(cmd.name):
            effects.append(fx.eff(Verb.EXECUTE, f"remote shell to {host}",
                                  (Target("host", host),) if host != "unknown host" else (),
                                  risks=(Risk.REMOTE_CODE, Risk.CATASTROPHIC), reversible=False,
                                  detail=f"{cmd.name} talks to the network (reverse shell)"))


def _exfil(effects: list[Effect], what: str, how: str, host: str | None = None) -> Effect:
    """A secret sent to the hosts the command talks to (its own host targets)."""
    hosts = [host] if host else list(dict.fromkeys(
        t.value for e in effects for t in e.targets if t.kind == "host" and t.value))
    return fx.eff(Verb.UPDATE, f"network send of {what or 'a secret'}",
                  tuple(Target("host", h) for h in hosts if h), risks=(Risk.CATASTROPHIC,),
                  scope=Scope.ONE, detail=f"secret {how}", reversible=False)


def _dynamic_name(head: Word, args: list[Word], ctx: Ctx) -> Stream:
    risks = {Risk.DYNAMIC}
    targets: tuple[Target, ...] = ()
    if head.remote:
        risks |= {Risk.REMOTE_CODE, Risk.CATASTROPHIC}
        targets = (Target("host", head.remote),)
    if any(fx.is_catastrophic_path(ctx, w) for w in args):
        risks.add(Risk.CATASTROPHIC)
    ctx.emit([opaque(f"command {head.show}", "command name is not known until run time",
                     targets, risks=frozenset(risks))])
    return UNKNOWN


def _script(head: Word, args: list[Word], ctx: Ctx, stdin: Stream = TTY) -> Stream:
    ap = ctx.abspath(head.text)
    if ap is None:
        ctx.emit([opaque(f"script {head.show}", "script in an unknown directory",
                         risks=frozenset({Risk.DYNAMIC}))])
        return UNKNOWN
    held = ctx.line.files.get(ap)
    if held is not None:  # written earlier in this line: judge what it holds
        cmd = Cmd(posixpath.basename(ap), args, ctx, stdin, run_words=_run_words,
                  run_text=_run_text)
        ctx.emit(run_content(cmd, held, ap, None))
        return UNKNOWN
    from .programs.interp import project_task
    from .programs.platforms import with_run

    ctx.emit(with_run(project_task(ap, [a.text for a in args]), fx.eff(
        Verb.EXECUTE, f"script {ap}", (Target("path", ap),),
        detail=" ".join([head.show, *(a.show for a in args)])[:120])))
    return UNKNOWN


def _call_function(name: str, args: list[Word], ctx: Ctx, stdin: Stream) -> Stream:
    if name in ctx.calls:
        if ctx.background:
            ctx.emit([fx.eff(Verb.UPDATE, "host processes", (), scope=Scope.ALL,
                             risks=(Risk.CATASTROPHIC,), reversible=False,
                             detail=f"fork bomb: function {name} calls itself in a pipeline or background")])
        else:
            ctx.emit([opaque(f"function {name}", "recursive function")])
        return UNKNOWN
    body: Any = ctx.functions[name]
    ctx.line.uncalled.pop(id(body), None)
    saved, saved_pos = ctx.calls, ctx.positional
    ctx.calls = saved + (name,)
    # The body sees its own arguments as $1…: `f() { rm -rf "$@"; }; f /` deletes `/`.
    ctx.positional = tuple(w.text for w in args)
    try:
        return walk(body, ctx, stdin)
    finally:
        ctx.calls, ctx.positional = saved, saved_pos
