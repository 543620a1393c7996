"""Effect helpers shared by the program handlers: paths (via analysis.paths), targets, risks."""

from __future__ import annotations

import posixpath

from ...effects import Effect, Risk, Scope, Target, Verb, opaque
from ..paths import path_effect, read_effect
from .model import DYN, Ctx, Stream, Word

_PLACEHOLDER = "__interlock_unknown__"


def _display(ctx: Ctx, w: Word) -> str:
    return w.show


def path_change(ctx: Ctx, w: Word, verb: Verb, *, recursive: bool = False,
                detail: str = "") -> Effect:
    """A write/delete/chmod-like change of the path a word names."""
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


def path_read(ctx: Ctx, w: Word, detail: str = "") -> Effect:
    if w.dynamic:
        return Effect(Verb.READ, f"path {w.show}", (), detail="path depends on an unknown value")
    ap = ctx.abspath(w.text or ".")
    if ap is None:
        return Effect(Verb.READ, f"path {w.show}", (), detail="relative to an unknown directory")
    e = read_effect(ap, detail=detail, env=ctx.line.env)
    if w.glob:
        e.scope = Scope.MANY
    return e


def stream_of_read(e: Effect, w: Word) -> Stream:
    if e.verb is Verb.READ_SECRET:
        return Stream("secret", w.text)
    return Stream("file", w.text)


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
