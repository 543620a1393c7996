"""Walk a tree-sitter-bash tree in execution order, threading the line's state (cwd, variables,
functions) and what flows through pipes, and hand every simple command to dispatch."""

from __future__ import annotations

from typing import Any

from ...effects import Effect, Risk, Verb, opaque
from ...errors import InputError
from . import fx
from .model import DYN, MAX_DEPTH, TTY, UNKNOWN, Ctx, Stream, Word
from .parse import parse
from .words import _walk_substs, expand, expand_value, text_of

# Nodes whose children are statements run in order.
_SEQUENCE = {"program", "compound_statement", "do_group", "else_clause", "elif_clause",
             "if_statement", "while_statement", "case_item", "until_statement"}
_SKIP = {"comment", ";", ";;", "&", "\n", "{", "}", "(", ")", "do", "done", "then", "fi", "if",
         "elif", "else", "while", "until", "case", "esac", "in", "for", "select", ";&", ";;&"}
_WRITE_OPS = {">", ">>", ">|", "&>", "&>>", "<>", ">&"}


def spend(ctx: Ctx, n: int = 1) -> None:
    ctx.line.budget -= n
    if ctx.line.budget < 0:
        raise InputError("shell: command too large to analyse")


def walk(node: Any, ctx: Ctx, stdin: Stream = TTY) -> Stream:
    """Analyse one node; return what it writes to stdout (for the next pipeline stage)."""
    spend(ctx)
    t = node.type
    if t == "command":
        return _command(node, ctx, stdin)
    if t in _SEQUENCE:
        return _sequence(node, ctx, stdin)
    if t == "subshell":
        return _sequence(node, ctx.child(), stdin)
    if t == "pipeline":
        stages = [c for c in node.named_children if c.type != "comment"]
        return _pipeline(stages, ctx, stdin)
    if t == "list":
        out = UNKNOWN
        for c in node.named_children:
            out = walk(c, ctx, stdin)
        return out
    if t == "redirected_statement":
        return _redirected(node, ctx, stdin)
    if t == "variable_assignment":
        _assign(node, ctx, ctx.vars)
        return UNKNOWN
    if t == "variable_assignments":
        for c in node.named_children:
            walk(c, ctx, stdin)
        return UNKNOWN
    if t == "declaration_command":
        _declare(node, ctx)
        return UNKNOWN
    if t == "unset_command":
        _unset(node, ctx)
        return UNKNOWN
    if t == "function_definition":
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is not None and body is not None:
            ctx.functions[text_of(name)] = body
        return UNKNOWN
    if t == "negated_command":
        out = UNKNOWN
        for c in node.named_children:
            out = walk(c, ctx, stdin)
        return out
    if t in ("for_statement", "c_style_for_statement"):
        return _for(node, ctx, stdin)
    if t == "case_statement":
        value = node.child_by_field_name("value")
        if value is not None:
            expand(value, ctx, subst)
        out = UNKNOWN
        for c in node.named_children:
            if c.type == "case_item":
                out = _sequence(c, ctx, stdin, skip_fields=("value",))
        return out
    if t in _SKIP or not node.is_named:
        return UNKNOWN
    # test_command, arithmetic, words…: no command of their own, but substitutions run.
    _walk_substs(node, ctx, subst)
    return UNKNOWN


def _sequence(node: Any, ctx: Ctx, stdin: Stream, skip_fields: tuple[str, ...] = ()) -> Stream:
    out = UNKNOWN
    kids = node.children
    for i, c in enumerate(kids):
        if not c.is_named or c.type == "comment":
            continue
        if skip_fields and node.field_name_for_child(i) in skip_fields:
            _walk_substs(c, ctx, subst)
            continue
        if c.type == "((":  # arithmetic compound
            continue
        bg = i + 1 < len(kids) and kids[i + 1].type == "&"
        out = walk(c, ctx.child(background=True) if bg else ctx, stdin)
    return out


def _pipeline(stages: list[Any], ctx: Ctx, stdin: Stream) -> Stream:
    out = stdin
    for st in stages:
        out = walk(st, ctx.child(background=True) if len(stages) > 1 else ctx, out)
    return out


def _for(node: Any, ctx: Ctx, stdin: Stream) -> Stream:
    var = node.child_by_field_name("variable")
    values: list[Word] = []
    for v in node.children_by_field_name("value"):
        values.extend(expand(v, ctx, subst))
    for f in ("initializer", "condition", "update"):
        for c in node.children_by_field_name(f):
            _walk_substs(c, ctx, subst)
    body = node.child_by_field_name("body")
    if body is None:
        return UNKNOWN
    # A few known values: analyse the body once per value (a glob stays a pattern, which
    # paths.py understands); otherwise once with the value unknown.
    runs = [v.text for v in values] if 0 < len(values) <= 8 and not any(
        v.dynamic for v in values) else [DYN]
    out = UNKNOWN
    for value in runs:
        if var is not None:
            ctx.vars[text_of(var)] = value
        out = walk(body, ctx, stdin)
    return out


def _assign(node: Any, ctx: Ctx, into: dict[str, str]) -> str | None:
    name_n = node.child_by_field_name("name")
    value_n = node.child_by_field_name("value")
    if name_n is None:
        return None
    name = text_of(name_n)
    if name_n.type != "variable_name":  # a[1]=x: arrays are not tracked
        name = name.split("[", 1)[0]
        into[name] = DYN
        return name
    value = expand_value(value_n, ctx, subst) if value_n is not None else ""
    if value_n is not None and value_n.type == "array":
        value = DYN
    op = next((c.type for c in node.children if c.type in ("=", "+=")), "=")
    if op == "+=":
        value = into.get(name, DYN) + value
    into[name] = value
    return name


def _declare(node: Any, ctx: Ctx) -> None:
    kw = node.children[0].type
    export = kw == "export"
    for c in node.children[1:]:
        if c.type == "word" and text_of(c).startswith("-") and "x" in text_of(c):
            export = True
    for c in node.named_children:
        if c.type == "variable_assignment":
            name = _assign(c, ctx, ctx.vars)
            if name and export:
                ctx.exported.add(name)
        elif c.type == "variable_name" and export:
            ctx.exported.add(text_of(c))
        else:
            _walk_substs(c, ctx, subst)


def _unset(node: Any, ctx: Ctx) -> None:
    funcs = any(c.type == "word" and text_of(c) == "-f" for c in node.children)
    for c in node.named_children:
        name = text_of(c)
        if name.startswith("-"):
            continue
        if funcs:
            ctx.functions.pop(name, None)
        else:
            ctx.vars[name] = ""


def _heredoc(node: Any, ctx: Ctx) -> Stream:
    start = next((c for c in node.children if c.type == "heredoc_start"), None)
    body = next((c for c in node.children if c.type == "heredoc_body"), None)
    if body is None:
        return Stream("literal", "")
    delim = text_of(start) if start is not None else ""
    strip_tabs = any(c.type == "<<-" for c in node.children)
    if any(q in delim for q in "'\"\\"):
        text = text_of(body)
    else:
        parts: list[str] = []
        last = body.start_byte
        raw = body.text
        for c in body.children:
            if c.type == "heredoc_content":
                continue
            # literal text between expansions, then the expansion's value
            parts.append(raw[last - body.start_byte : c.start_byte - body.start_byte]
                         .decode("utf-8", "surrogatepass"))
            ws = expand(c, ctx, subst)
            parts.append(" ".join(w.text for w in ws) if ws else "")
            last = c.end_byte
        parts.append(raw[last - body.start_byte :].decode("utf-8", "surrogatepass"))
        text = "".join(parts)
        text = text.replace("\\$", "$").replace("\\`", "`")
    if strip_tabs:
        text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
    return Stream("literal", text)


def _write_redirect(words: list[Word], op: str, ctx: Ctx) -> None:
    verb = Verb.UPDATE
    detail = f"redirect {op}"
    for w in words:
        ctx.emit([fx.path_change(ctx, w, verb, detail=detail)])


def _redirect(r: Any, ctx: Ctx, stdin: Stream, after: list[tuple[str, Any]]) -> tuple[Stream, bool]:
    """Apply one redirection; returns (stdin for the body, whether stdout goes to a file)."""
    t = r.type
    if t == "heredoc_redirect":
        stdin = _heredoc(r, ctx)
        to_file = False
        for i, c in enumerate(r.children):
            f = r.field_name_for_child(i)
            if f == "redirect":
                _, tf = _redirect(c, ctx, stdin, after)
                to_file = to_file or tf
            elif c.type == "pipeline":
                after.append(("pipe", c))
            elif f == "right":
                after.append(("then", c))
        return stdin, to_file
    if t == "herestring_redirect":
        words: list[Word] = []
        for c in r.named_children:
            words.extend(expand(c, ctx, subst))
        text = " ".join(w.text for w in words)
        return Stream("literal", text + "\n"), False
    if t != "file_redirect":
        _walk_substs(r, ctx, subst)
        return stdin, False
    op = next((c.type for c in r.children if not c.is_named), ">")
    fd_n = r.child_by_field_name("descriptor")
    fd = text_of(fd_n) if fd_n is not None else ""
    dests: list[Word] = []
    for c in r.children_by_field_name("destination"):
        if op in (">&", "<&") and c.type == "number":
            return stdin, False  # fd duplication (2>&1)
        dests.extend(expand(c, ctx, subst))
    if op in (">&", "<&") and all(w.text == "-" for w in dests):
        return stdin, False
    if op == "<":
        for w in dests:
            if w.stream is not None:  # `< <(cmd)`
                stdin = w.stream
                continue
            e = fx.path_read(ctx, w)
            ctx.emit([e])
            stdin = fx.stream_of_read(e, w)
        return stdin, False
    if op in _WRITE_OPS:
        _write_redirect(dests, op, ctx)
        if op == "<>":
            return stdin, False
        return stdin, fd in ("", "1") or op.startswith("&")
    return stdin, False


def _redirected(node: Any, ctx: Ctx, stdin: Stream) -> Stream:
    body = node.child_by_field_name("body")
    after: list[tuple[str, Any]] = []
    to_file = False
    for i, c in enumerate(node.children):
        if node.field_name_for_child(i) == "redirect":
            stdin, tf = _redirect(c, ctx, stdin, after)
            to_file = to_file or tf
    out = walk(body, ctx, stdin) if body is not None else UNKNOWN
    if to_file:
        out = UNKNOWN
    for kind, n in after:
        if kind == "pipe":
            out = _pipeline([c for c in n.named_children], ctx, out)
        else:
            out = walk(n, ctx, TTY)
    return out


def _command(node: Any, ctx: Ctx, stdin: Stream) -> Stream:
    from .dispatch import run  # dispatch imports walk for nested text

    assigns: dict[str, str] = {}
    words: list[Word] = []
    redirects: list[Any] = []
    kids = node.children
    for i, c in enumerate(kids):
        f = node.field_name_for_child(i)
        t = c.type
        if t == "variable_assignment" and not words:
            _assign(c, ctx, assigns)
        elif t == "command_name":
            for k in c.children:
                words.extend(expand(k, ctx, subst))
        elif f == "redirect" or t.endswith("_redirect"):
            redirects.append(c)
        elif f == "argument" or c.is_named:
            if t == "$" and i + 1 < len(kids) and kids[i + 1].start_byte == c.end_byte:
                continue  # $"…" locale string: the `$` is not part of the value
            words.extend(expand(c, ctx, subst))
        elif t == "$":
            words.append(Word("$", "$"))
    to_file = False
    for r in redirects:
        stdin, tf = _redirect(r, ctx, stdin, [])
        to_file = to_file or tf
    if not words:
        if node.child_by_field_name("name") is None:
            ctx.vars.update(assigns)
        return UNKNOWN
    out = run(words, ctx, stdin, assigns)
    return UNKNOWN if to_file else out


def subst(node: Any, ctx: Ctx) -> Stream:
    """Run `$(…)`, backticks or `<(…)` in a subshell; return what it prints."""
    inner = ctx.child()
    out: Stream = UNKNOWN
    stdin = TTY if node.type == "command_substitution" or text_of(node).startswith("<") else UNKNOWN
    for c in node.named_children:
        out = walk(c, inner, stdin)
    return out


def analyse_text(text: str, ctx: Ctx, stdin: Stream = TTY, *, detail: str = "",
                 same_shell: bool = False) -> Stream:
    """Re-parse shell text (`bash -c`, `eval`, decoded payloads) and analyse it in ctx."""
    if ctx.depth >= MAX_DEPTH:
        ctx.emit([opaque("shell code", f"nested too deeply to analyse ({detail})".strip())])
        return UNKNOWN
    dynamic = DYN in text
    if dynamic:
        text = text.replace(DYN, "${__interlock_unknown}")
    if "\x00" in text:
        raise InputError("shell: NUL byte in nested command")
    root = parse(text)
    if same_shell:
        inner = ctx
        ctx.depth += 1
    else:
        inner = ctx.child(depth=ctx.depth + 1,
                          vars={k: v for k, v in ctx.vars.items() if k in ctx.exported},
                          calls=(), functions={})
    mark = len(ctx.line.effects)
    try:
        out = walk(root, inner, stdin)
    finally:
        if same_shell:
            ctx.depth -= 1
    if dynamic:
        for e in ctx.line.effects[mark:]:
            if e.verb not in (Verb.READ,):
                e.risks = e.risks | {Risk.DYNAMIC}
        if len(ctx.line.effects) == mark:
            ctx.emit([opaque("shell code", f"{detail}: built from unknown values".strip(": "),
                             risks=frozenset({Risk.DYNAMIC}))])
    if len(ctx.line.effects) == mark:
        ctx.emit([Effect(Verb.READ, "shell code", detail=f"{detail}: nothing to run".strip(": "))])
    return out
