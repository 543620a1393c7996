"""Effect helpers shared by the program handlers: paths (via analysis.paths), targets, risks."""

from __future__ import annotations

import posixpath

from ...effects import Effect, Risk, Scope, Target, Verb, opaque
from ...errors import InputError
from ..paths import path_effect, read_effect
from .model import DYN, UNKNOWN, Ctx, Stream, Word

_PLACEHOLDER = "__interlock_unknown__"


def _spend(ctx: Ctx) -> None:
    # Paths found inside inline code (pwsh, sed `w`, find …) are not shell words: a path
    # effect costs ~0.15 ms, ~3 nodes' worth, so each is charged to the line's budget.
    ctx.line.budget -= 3
    if ctx.line.budget < 0:
        raise InputError("shell: command too large to analyse (too many paths)")


def _display(ctx: Ctx, w: Word) -> str:
    return w.show


def path_change(ctx: Ctx, w: Word, verb: Verb, *, recursive: bool = False,
                detail: str = "") -> Effect:
    """A write/delete/chmod-like change of the path a word names."""
    _spend(ctx)
    env = ctx.line.env
    if w.dynamic:
        # Unknown part: keep what the literal prefix tells (protected dirs, host security),
        # and mark it: an empty or hostile value could make it anything.
        prefix = w.text.split(DYN, 1)[0]
        base = posixpath.dirname(prefix) if "/" in prefix else ""
        e: Effect | None = None
        if base or prefix.startswith("/"):
            ap = ctx.abspath((base or "/") + "/" + _PLACEHOLDER)
            if ap is not None:
                e = path_effect(ap, verb, recursive=recursive, dynamic=True, detail=detail, env=env)
        if e is None:
            e = Effect(verb, f"path {w.show}", (), reversible=False,
                       risks=frozenset({Risk.DYNAMIC}), detail=detail)
        e.resource = f"path {w.show}"
        e.scope = Scope.MANY if e.scope is Scope.ONE else e.scope
        e.risks = e.risks | {Risk.DYNAMIC}
        e.detail = (detail + "; " if detail else "") + "path depends on an unknown value"
        return e
    ap = ctx.abspath(w.text or ".")
    if ap is None:
        return Effect(verb, f"path {w.show}", (), reversible=False, scope=Scope.MANY,
                      risks=frozenset({Risk.DYNAMIC}),
                      detail=(detail + "; " if detail else "") + "relative to an unknown directory")
    e = path_effect(ap, verb, recursive=recursive, detail=detail, env=env)
    if w.glob and e.scope is Scope.ONE:
        e.scope = Scope.MANY
    return e


def path_read(ctx: Ctx, w: Word, detail: str = "", *, recursive: bool = False) -> Effect:
    """A read of the path a word names; `recursive` (tar, scp -r, rsync…) also reads what a
    directory holds, so a directory of credential files is a secret."""
    _spend(ctx)
    if w.dynamic:
        return Effect(Verb.READ, f"path {w.show}", (), detail="path depends on an unknown value")
    ap = ctx.abspath(w.text or ".")
    if ap is None:
        return Effect(Verb.READ, f"path {w.show}", (), detail="relative to an unknown directory")
    e = read_effect(ap, detail=detail, env=ctx.line.env, recursive=recursive)
    held = ctx.line.files.get(ap)
    if held is not None and held.kind == "secret" and e.verb is Verb.READ:
        e.verb, e.detail = Verb.READ_SECRET, f"holds {held.text} (written earlier in the line)"
    if w.glob:
        e.scope = Scope.MANY
    return e


def stream_of_read(e: Effect, w: Word, ctx: Ctx | None = None) -> Stream:
    """What reading the file yields: what this line wrote into it, else secret or file."""
    if ctx is not None:
        held = tracked(ctx, w)
        if held is not None and held.kind != "unknown":
            return held
    if e.verb is Verb.READ_SECRET:
        return Stream("secret", w.text)
    return Stream("file", w.text)


def tracked(ctx: Ctx, w: Word) -> Stream | None:
    """What an earlier command of this line wrote into the file a word names (Line.files)."""
    if not ctx.line.files or w.dynamic:
        return None
    ap = ctx.abspath(w.text)
    return ctx.line.files.get(ap) if ap is not None else None


def record(ctx: Ctx, w: Word, content: Stream, *, append: bool = False) -> None:
    """An earlier command wrote `content` into the file `w` names (Line.files)."""
    if w.dynamic:
        return
    ap = ctx.abspath(w.text)
    if ap is None or ap.startswith("/dev/"):
        return
    kind = content.kind if content.kind in ("literal", "remote", "secret") else "unknown"
    new = content if kind != "unknown" else UNKNOWN
    files = ctx.line.files
    old = files.get(ap)
    if append and old is not None:
        if old.kind == "literal" and kind == "literal":
            new = Stream("literal", old.text + content.text)
        elif old.kind in ("remote", "secret") and kind not in ("remote", "secret"):
            new = old
    if len(files) < 256 or ap in files:
        files[ap] = new


def forget(ctx: Ctx, w: Word) -> None:
    """The file is gone or replaced by something we did not see (rm, mkfifo)."""
    if ctx.line.files and not w.dynamic:
        ap = ctx.abspath(w.text)
        if ap is not None:
            ctx.line.files.pop(ap, None)


def is_catastrophic_path(ctx: Ctx, w: Word) -> bool:
    """Would wiping what this word names take the host or a home with it?"""
    if w.dynamic or not w.text:
        return False
    if not (w.text.startswith("/") or w.text.startswith(ctx.line.home)):
        return False
    ap = ctx.abspath(w.text)
    if ap is None:
        return False
    e = path_effect(ap, Verb.DELETE, recursive=True, env=ctx.line.env)
    return Risk.CATASTROPHIC in e.risks


def cwd_target(ctx: Ctx) -> tuple[Target, ...]:
    return (Target("path", ctx.cwd),) if ctx.cwd is not None else ()


def eff(verb: Verb, resource: str, targets: tuple[Target, ...] = (), *, detail: str = "",
        risks: tuple[Risk, ...] | frozenset[Risk] = (), scope: Scope = Scope.ONE,
        stateful: bool = False, reversible: bool | None = None) -> Effect:
    """An Effect with the defaults this analyzer uses (changes irreversible unless said)."""
    if reversible is None:
        reversible = verb in (Verb.READ, Verb.READ_SECRET, Verb.CREATE, Verb.UPDATE)
    return Effect(verb, resource, tuple(targets), reversible=reversible, stateful=stateful,
                  scope=scope, risks=frozenset(risks), detail=detail)


def unknown(name: str, detail: str = "", targets: tuple[Target, ...] = (),
            risks: tuple[Risk, ...] = ()) -> Effect:
    return opaque(f"command {name}", detail or f"{name}: unknown program",
                  tuple(targets), risks=frozenset(risks))
