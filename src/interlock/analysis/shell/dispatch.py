"""One simple command → effects: resolve the program name, then hand it to its table entry."""

from __future__ import annotations

import posixpath
from typing import Any

from ...effects import Effect, Risk, Scope, Target, Verb, opaque
from . import fx
from .model import MAX_EFFECTS, TTY, UNKNOWN, Cmd, Ctx, Stream, Word
from .programs import lookup
from .programs.network import NETWORK_SENDERS
from .walk import analyse_text, spend, walk

# A program named by path in one of these is just that program (`/bin/rm` is rm).
BIN_DIRS = {"/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin", "/usr/local/sbin",
            "/opt/homebrew/bin", "/usr/libexec", "/snap/bin"}
_DESTRUCTIVE = (Verb.DELETE, Verb.REPLACE, Verb.FORGET, Verb.PRIVILEGE)


def run(words: list[Word], ctx: Ctx, stdin: Stream = TTY,
        assigns: dict[str, str] | None = None) -> Stream:
    """Analyse argv `words` as a command in ctx; emit its effects; return its stdout."""
    spend(ctx)
    if not words:
        return UNKNOWN
    if len(ctx.line.effects) > MAX_EFFECTS:
        ctx.emit([opaque("shell code", "too many effects to analyse")])
        return UNKNOWN
    assigns = assigns or {}
    head, args = words[0], words[1:]
    if head.dynamic or head.glob or head.remote:
        return _dynamic_name(head, args, ctx)
    name = head.text
    if "/" in name:
        d, base = posixpath.split(name)
        if d in BIN_DIRS and base:
            name = base
        else:
            return _script(head, args, ctx)
    if name in ctx.functions:
        return _call_function(name, ctx, stdin)
    cmd = Cmd(name, args, ctx, stdin, assigns, run_words=_run_words, run_text=_run_text)
    mark = len(ctx.line.effects)
    effects = lookup(name)(cmd)
    _post(cmd, effects, nested=len(ctx.line.effects) > mark)
    ctx.emit(effects)
    return cmd.stdout


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
    for e in effects:
        if not e.program:  # lets a policy name the program (`context.program == "kubectl"`)
            e.program = cmd.name
    if any(w.dynamic for w in cmd.args):
        for e in effects:
            if e.verb in _DESTRUCTIVE:
                e.risks = e.risks | {Risk.DYNAMIC}
    # Secrets read earlier in the pipeline, sent out by this command.
    if cmd.stdin.kind == "secret" and cmd.name in NETWORK_SENDERS:
        effects.append(fx.eff(Verb.UPDATE, f"network send of {cmd.stdin.text}", (),
                              risks=(Risk.CATASTROPHIC,), scope=Scope.ONE,
                              detail=f"credential file piped into {cmd.name}", reversible=False))


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


def _script(head: Word, args: list[Word], ctx: Ctx) -> Stream:
    ap = ctx.abspath(head.text)
    if ap is None:
        ctx.emit([opaque(f"script {head.show}", "script in an unknown directory",
                         risks=frozenset({Risk.DYNAMIC}))])
        return UNKNOWN
    ctx.emit([fx.eff(Verb.EXECUTE, f"script {ap}", (Target("path", ap),),
                     detail=" ".join([head.show, *(a.show for a in args)])[:120])])
    return UNKNOWN


def _call_function(name: str, ctx: Ctx, stdin: Stream) -> Stream:
    if name in ctx.calls:
        if ctx.background:
            ctx.emit([fx.eff(Verb.UPDATE, "host processes", (), scope=Scope.ALL,
                             risks=(Risk.CATASTROPHIC,), reversible=False,
                             detail=f"fork bomb: function {name} calls itself in a pipeline or background")])
        else:
            ctx.emit([opaque(f"function {name}", "recursive function")])
        return UNKNOWN
    body: Any = ctx.functions[name]
    saved = ctx.calls
    ctx.calls = saved + (name,)
    try:
        return walk(body, ctx, stdin)
    finally:
        ctx.calls = saved
