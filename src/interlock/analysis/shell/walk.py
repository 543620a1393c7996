"""Walk a tree-sitter-bash tree in execution order, threading the line's state (cwd, variables,
functions) and what flows through pipes, and hand every simple command to dispatch."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from ...effects import Effect, Risk, Target, Verb, opaque
from ...errors import InputError
from . import fx
from .model import DYN, MAX_DEPTH, TTY, UNKNOWN, Ctx, Stream, Word
from .parse import parse_code as parse
from .words import _walk_substs, expand, expand_value_origin, text_of

# Nodes whose children are statements run in order.
_SEQUENCE = {"program", "compound_statement", "do_group", "else_clause", "elif_clause",
             "if_statement", "while_statement", "case_item", "until_statement"}
_SKIP = {"comment", ";", ";;", "&", "\n", "{", "}", "(", ")", "do", "done", "then", "fi", "if",
         "elif", "else", "while", "until", "case", "esac", "in", "for", "select", ";&", ";;&"}
_WRITE_OPS = {">", ">>", ">|", "&>", "&>>", "<>", ">&"}
_NET_DEVICES = ("/dev/tcp/", "/dev/udp/")  # bash opens a connection for these paths
_first = itemgetter(0)


def spend(ctx: Ctx, n: int = 1) -> None:
    ctx.line.budget -= n
    if ctx.line.budget < 0:
        raise InputError("shell: command too large to analyse")


def walk(node: Any, ctx: Ctx, stdin: Stream = TTY) -> Stream:
    """Analyse one node; return what it writes to stdout (for the next pipeline stage)."""
    line = ctx.line
    line.budget -= 1
    if line.budget < 0:
        raise InputError("shell: command too large to analyse")
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
            ctx.line.uncalled[id(body)] = (text_of(name), body, ctx)
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
    if len(stages) < 2:
        return _stages(stages, ctx, stdin)
    return _fifo_fed(ctx, lambda: _stages(stages, ctx, stdin))


def _fifo_fed(ctx: Ctx, run: Any) -> Stream:
    """Pipeline stages run at once: a fifo a later stage writes feeds an earlier one
    (`cat f | sh | nc h p > f`). If running changed what a fifo holds, look again."""
    line = ctx.line
    if not line.fifos:
        return run()
    before = {f: line.files.get(f) for f in line.fifos}
    mark = len(line.effects)
    out = run()
    if any(line.files.get(f) != s for f, s in before.items()):
        del line.effects[mark:]
        out = run()
    return out


def _stages(stages: list[Any], ctx: Ctx, stdin: Stream) -> Stream:
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
    value, origin = expand_value_origin(value_n, ctx, subst) if value_n is not None else ("", None)
    if value_n is not None and value_n.type == "array":
        value = DYN
    if into is ctx.vars:
        if origin is not None:
            ctx.taint[name] = origin
        else:
            ctx.taint.pop(name, None)
    op = next((c.type for c in node.children if c.type in ("=", "+=")), "=")
    if op == "+=":
        value = into.get(name, DYN) + value
    into[name] = value
    return name


def _declare(node: Any, ctx: Ctx) -> None:
    kw = node.children[0].type
    export = kw == "export"
    flags = "".join(text_of(c)[1:] for c in node.children[1:]
                    if c.type == "word" and text_of(c).startswith("-"))
    export = export or "x" in flags
    named = [c for c in node.named_children
             if not (c.type == "word" and text_of(c).startswith("-"))]
    if "p" in flags or not named:
        # `declare -p`, `export -p`, bare `export`/`declare -x`: prints variables, secrets too
        ctx.emit([fx.eff(Verb.READ_SECRET, "environment variables",
                         detail=f"{kw} {('-' + flags) if flags else ''} prints variables".strip())])
    for c in node.named_children:
        if c.type == "variable_assignment":
            name = _assign(c, ctx, ctx.vars)
            if name and "n" in flags:
                # a nameref reads another variable by name at each use: its value is unknown
                ctx.vars.pop(name, None)
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
        elif name == "IFS":
            ctx.vars.pop(name, None)  # unset IFS splits like the default
        else:
            ctx.vars[name] = ""
        ctx.taint.pop(name, None)


_HEREDOC_PARTS = frozenset({"<<", "<<-", "heredoc_start", "heredoc_body", "heredoc_end"})


def _line_end(src: bytes, at: int) -> int:
    """Index of the newline that ends the line containing `at` (a backslash-newline continues
    it), or -1."""
    i = src.find(b"\n", at)
    while i > 0 and src[i - 1:i] == b"\\":
        i = src.find(b"\n", i + 1)
    return i


def _swallowed_line(node: Any) -> bool:
    """A word that begins with a newline: the tell-tale of a body line the parser swallowed."""
    if node.type == "word" and node.text.startswith(b"\n"):
        return True
    return any(_swallowed_line(c) for c in node.children)


def _heredoc_eol(node: Any) -> int:
    """Absolute index of the newline that ends the redirect's own line (its body starts
    after it), or -1."""
    start = next((c for c in node.children if c.type == "heredoc_start"), None)
    if start is None:
        return -1
    i = _line_end(node.text, start.end_byte - node.start_byte)
    return -1 if i < 0 else node.start_byte + i


def _heredoc(node: Any, ctx: Ctx, eol: int) -> Stream:
    """The here-document's text; `eol` is `_heredoc_eol(node)`."""
    start = next((c for c in node.children if c.type == "heredoc_start"), None)
    body = next((c for c in node.children if c.type == "heredoc_body"), None)
    end = next((c for c in node.children if c.type == "heredoc_end"), None)
    src, base = node.text, node.start_byte
    # tree-sitter-bash 0.25 parses a body line that starts with a backslash (`\set x 1` for
    # psql, `\documentclass` for LaTeX, `\rm -rf /` for sh) as words of the redirect -- or of
    # a `> file` on its line -- and drops it from heredoc_body. Whatever starts past the
    # redirect's own line is such a stray body line: rebuild the body from the source text,
    # from the end of that line to the delimiter.
    stray: list[Any] = []
    for c in node.children:
        if c.type in _HEREDOC_PARTS:
            continue
        if eol >= 0 and c.start_byte >= eol:
            stray.append(c)
        elif c.type == "file_redirect":  # `<<EOF > f`: stray words became destinations
            stray.extend(d for d in c.children if eol >= 0 and d.start_byte >= eol)
        elif _swallowed_line(c):
            # the same inside a pipeline or list on the redirect's line: the body line
            # became arguments of another command, which cannot be undone reliably
            raise InputError("shell: a here-document whose first line starts with a "
                             "backslash is parsed ambiguously here; put that line later in "
                             "the body or write the file another way")
        elif eol >= 0 and c.end_byte > eol:
            # `cat <<EOF |\nbody\nEOF\n sh`: bash pipes the body into the command after
            # the here-document; tree-sitter reads the body's first line as that command
            raise InputError("shell: a pipeline or list that continues after a "
                             "here-document's body is parsed ambiguously; put the whole "
                             "command on the here-document's first line")
    if stray:
        lo = eol + 1
        hi = end.start_byte if end is not None else node.end_byte
        pieces = [c for c in stray if c.type != "word"] + (
            [c for c in body.children if c.type != "heredoc_content"] if body is not None else [])
    elif body is None:
        return Stream("literal", "")
    else:
        lo, hi = body.start_byte, body.end_byte
        pieces = [c for c in body.children if c.type != "heredoc_content"]
    raw = src[lo - base:hi - base]
    delim = text_of(start) if start is not None else ""
    strip_tabs = any(c.type == "<<-" for c in node.children)
    if any(q in delim for q in "'\"\\"):
        text = raw.decode("utf-8", "surrogatepass")
    else:
        parts: list[str] = []
        last = lo
        for c in sorted(pieces, key=lambda n: n.start_byte):
            # literal text between expansions, then the expansion's value
            parts.append(raw[last - lo : c.start_byte - lo].decode("utf-8", "surrogatepass"))
            ws = expand(c, ctx, subst)
            parts.append(" ".join(w.text for w in ws) if ws else "")
            last = c.end_byte
        parts.append(raw[last - lo :].decode("utf-8", "surrogatepass"))
        text = "".join(parts)
        text = text.replace("\\$", "$").replace("\\`", "`")
    if strip_tabs:
        text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
    return Stream("literal", text)


@dataclass(slots=True)
class _Io:
    """Where a command's file descriptors point once its redirections are applied."""

    stdin: Stream
    # fd → ("net", host) | ("file", Word, op) | ("dup", "")
    fds: dict[str, tuple[str, Any, str]] = field(default_factory=dict)
    after: list[tuple[str, Any]] = field(default_factory=list)  # here-doc `| cmd` / `&& cmd`

    def net(self, fd: str) -> str | None:
        e = self.fds.get(fd)
        return e[1] if e is not None and e[0] == "net" else None


def _net_host(w: Word) -> str | None:
    """`/dev/tcp/HOST/PORT` (and udp): bash connects there instead of opening a file."""
    for p in _NET_DEVICES:
        if w.text.startswith(p):
            host = w.text[len(p):].split("/", 1)[0]
            return host if host and DYN not in host else "unknown host"
    return None


def _connect(ctx: Ctx, host: str, op: str) -> None:
    known = host != "unknown host"
    ctx.emit([fx.eff(Verb.UPDATE, f"network connection {host}",
                     (Target("host", host),) if known else (), reversible=False,
                     risks=() if known else (Risk.DYNAMIC,),
                     detail=f"redirect {op} /dev/tcp (network connection)")])


def _parts(redirects: list[Any]) -> list[tuple[Any, str]]:
    """Redirect nodes with their fd. tree-sitter reads `>& /dev/tcp/h/p 0>&1` as a redirect
    with two destinations then `>&1`; the trailing number touching the next redirect is
    that redirect's fd."""
    out: list[tuple[Any, str]] = []
    carry = ""
    for i, r in enumerate(redirects):
        out.append((r, carry))
        carry = ""
        if r.type != "file_redirect" or i + 1 >= len(redirects):
            continue
        dests = r.children_by_field_name("destination")
        last = dests[-1] if dests else None
        if len(dests) > 1 and last.type == "number" and last.end_byte == redirects[i + 1].start_byte:
            carry = text_of(last)
    return out


def _destinations(r: Any, before: int | None = None,
                  drop_last: bool = False) -> tuple[list[Any], list[Any]]:
    """A file_redirect's target, and the command words tree-sitter wrongly hung on it.

    Bash gives a redirection exactly one word, but tree-sitter-bash 0.25 lets `>` take every
    word that follows: `>/dev/null </dev/null rm -rf / 2>&1` has no command in its tree at
    all, and `sh 2>&1 -c 'curl …|sh'` loses `-c …`. The first destination (with any node
    touching it: one shell word) is the target; the rest are arguments (or the command name).
    """
    nodes = r.children_by_field_name("destination")
    if before is not None:  # words past a here-document's line belong to its body
        nodes = [n for n in nodes if n.start_byte < before]
    if drop_last:  # `>& /dev/tcp/h/p 0>&1`: the trailing number is the next redirect's fd
        nodes = nodes[:-1]
    k = 1
    while k < len(nodes) and nodes[k].start_byte == nodes[k - 1].end_byte:
        k += 1
    return nodes[:k], nodes[k:]


def _redirect_words(redirects: list[Any]) -> list[Any]:
    """Nodes of command words that tree-sitter parsed as extra redirect destinations."""
    out: list[Any] = []
    parts = _parts(redirects)
    for i, (r, _) in enumerate(parts):
        if r.type == "file_redirect":
            skip = i + 1 < len(parts) and bool(parts[i + 1][1])
            out.extend(_destinations(r, drop_last=skip)[1])
        elif r.type == "heredoc_redirect":  # `cat <<EOF >f x`: x is cat's argument
            eol = _heredoc_eol(r)
            for j, c in enumerate(r.children):
                if r.field_name_for_child(j) == "redirect" and c.type == "file_redirect":
                    out.extend(_destinations(c, eol if eol >= 0 else None)[1])
    return out


def _apply(redirects: list[Any], ctx: Ctx, stdin: Stream) -> _Io:
    io = _Io(stdin)
    for fd, host in ctx.fds.items():  # `exec 3>/dev/tcp/…` earlier in the line
        if fd in ("0", "1", "2"):
            io.fds[fd] = ("net", host, "")
    if io.stdin.kind == "tty" and io.net("0"):
        io.stdin = Stream("remote", io.net("0") or "")
    parts = _parts(redirects)
    for i, (r, fd) in enumerate(parts):
        skip = i + 1 < len(parts) and bool(parts[i + 1][1])
        _redirect(r, ctx, io, fd, drop_last=skip)
    return io


def _redirect(r: Any, ctx: Ctx, io: _Io, fd: str = "", drop_last: bool = False,
              before: int | None = None) -> None:
    t = r.type
    if t == "heredoc_redirect":
        eol = _heredoc_eol(r)
        io.stdin = _heredoc(r, ctx, eol)
        io.fds["0"] = ("dup", "", "")
        for i, c in enumerate(r.children):
            f = r.field_name_for_child(i)
            if f == "redirect":
                _redirect(c, ctx, io, before=eol if eol >= 0 else None)
            elif c.type == "pipeline":
                io.after.append(("pipe", c))
            elif f == "right":
                io.after.append(("then", c))
        return
    if t == "herestring_redirect":
        words: list[Word] = []
        for c in r.named_children:
            words.extend(expand(c, ctx, subst))
        secret = next((w.origin for w in words if w.origin and w.origin.kind in (
            "secret", "env_secret")), None)
        io.stdin = Stream("secret", secret.text) if secret else Stream(
            "literal", " ".join(w.text for w in words) + "\n")
        io.fds["0"] = ("dup", "", "")
        return
    if t != "file_redirect":
        _walk_substs(r, ctx, subst)
        return
    op = next((c.type for c in r.children if not c.is_named), ">")
    if not fd:
        fd_n = r.child_by_field_name("descriptor")
        fd = text_of(fd_n) if fd_n is not None else ""
    nodes, _ = _destinations(r, before, drop_last)
    if op in (">&", "<&") and len(nodes) == 1 and nodes[0].type == "number":
        # fd duplication (2>&1, 0>&1, <&3)
        src, dst = text_of(nodes[0]), fd or ("1" if op == ">&" else "0")
        entry = io.fds.get(src)
        if entry is None:
            host = ctx.fds.get(src) or (ctx.fds.get("*") if src not in ("0", "1", "2") else None)
            entry = ("net", host, "") if host else ("dup", "", "")
        io.fds[dst] = entry
        if dst == "0" and entry[0] == "net":
            io.stdin = Stream("remote", entry[1])
        return
    dests: list[Word] = []
    for c in nodes:
        dests.extend(expand(c, ctx, subst))
    if op in (">&", "<&") and all(w.text == "-" for w in dests):
        return
    if op == "<" or op == "<&":
        target = fd or "0"
        for w in dests:
            host = _net_host(w)
            if host is not None:
                _connect(ctx, host, op)
                io.fds[target] = ("net", host, op)
                if target == "0":
                    io.stdin = Stream("remote", host)
                continue
            if w.stream is not None:  # `< <(cmd)`
                if target == "0":
                    io.stdin = w.stream
                continue
            e = fx.path_read(ctx, w)
            ctx.emit([e])
            if target == "0":
                io.stdin = fx.stream_of_read(e, w, ctx)
        return
    if op in _WRITE_OPS:
        targets = ["1", "2"] if op in ("&>", "&>>") or (op == ">&" and not fd) else [
            fd or ("0" if op == "<>" else "1")]
        for w in dests:
            host = _net_host(w)
            if host is not None:
                _connect(ctx, host, op)
                for tf in targets:
                    io.fds[tf] = ("net", host, op)
                if "0" in targets:
                    io.stdin = Stream("remote", host)
                continue
            ctx.emit([fx.path_change(ctx, w, Verb.UPDATE, detail=f"redirect {op}")])
            for tf in targets:
                io.fds[tf] = ("file", w, op)


def _record(io: _Io, ctx: Ctx, out: Stream) -> Stream:
    """Remember what files the redirections wrote (see Line.files); the new stdout."""
    first = io.fds.get("1")
    for fd, e in io.fds.items():
        if e[0] == "file":
            fx.record(ctx, e[1], out if fd == "1" else UNKNOWN, append=e[2] in (">>", "&>>"))
    if first is not None and first[0] in ("file", "net"):
        return UNKNOWN
    return out


def _redirected(node: Any, ctx: Ctx, stdin: Stream) -> Stream:
    body = node.child_by_field_name("body")
    redirects = [c for i, c in enumerate(node.children)
                 if node.field_name_for_child(i) == "redirect"]
    if body is not None and body.type == "command":
        io = _Io(stdin)
        out = _command(body, ctx, stdin, outer=redirects, io_out=io)
    elif body is None:  # only redirections in the tree: their stray words are the command
        io = _Io(stdin)
        out = _command(node, ctx, stdin, io_out=io)
    else:
        if _redirect_words(redirects):  # `{ x; } >f y`: bash rejects it; the tree does not
            raise InputError("shell: words after the redirections of a compound command")
        io = _apply(redirects, ctx, stdin)
        saved = dict(ctx.fds)
        for fd in ("0", "1"):  # commands inside `{ …; } >& /dev/tcp/…` talk to the network
            if io.net(fd):
                ctx.fds[fd] = io.net(fd) or ""
        def run() -> Stream:
            got = walk(body, ctx, io.stdin) if body is not None else UNKNOWN
            return _record(io, ctx, got)

        try:
            out = _fifo_fed(ctx, run)
        finally:
            ctx.fds.clear()
            ctx.fds.update(saved)
    for kind, n in io.after:
        if kind == "pipe":
            out = _pipeline([c for c in n.named_children], ctx, out)
        else:
            out = walk(n, ctx, TTY)
    return out


# Reserved words tree-sitter-bash 0.25 reads as a command's name after `!`, `time` or
# `coproc` (`! { rm -rf /; }` is a command `{` with argument rm, then a command `}`;
# `! if …; fi` and `time { …; }` likewise): the compound command's structure is lost.
_RESERVED = frozenset({"{", "}", "!", "if", "then", "else", "elif", "fi", "do", "done", "while",
                       "until", "for", "case", "esac", "select", "function", "[["})
_PREFIXES = frozenset({"time", "coproc"})


def _leading_words(kids: list[Any], fields: list[str | None]) -> list[Any]:
    """The command's first word nodes in order (name, then arguments), redirects aside."""
    out: list[Any] = []
    for c, f in zip(kids, fields):
        if c.type == "command_name":
            out.extend(c.children)
        elif out and (f == "argument" or c.type == "subshell"):
            out.append(c)
            if len(out) >= 4:
                break
    return out


def _compound_misread(kids: list[Any], fields: list[str | None]) -> None:
    """Refuse a command whose tree lost a compound command (see _RESERVED)."""
    name = next((c for c in kids if c.type == "command_name"), None)
    if name is None or not name.child_count:
        return  # no name: nothing leads
    first = name.children[0]
    if first.type == "word":  # the usual case: an ordinary name needs no further look
        text = text_of(first)
        if text not in _PREFIXES and text not in _RESERVED:
            return
    lead = _leading_words(kids, fields)
    raw = [text_of(w) if w.type == "word" else w.type for w in lead[:4]]
    at = 0
    while at < len(raw) and raw[at] in _PREFIXES:
        at += 1
        if raw[at - 1] == "time" and at < len(raw) and raw[at] == "-p":
            at += 1
        elif raw[at - 1] == "coproc" and at + 1 < len(raw) and raw[at + 1] in _RESERVED | {
                "subshell"}:
            at += 1  # coproc NAME { …; }
    if at < len(raw) and (raw[at] in _RESERVED or raw[at] == "subshell"):
        raise InputError(f"shell: cannot analyse `{raw[at] if raw[at] != 'subshell' else '('}` "
                         f"{'after ' + ' '.join(raw[:at]) if at else 'as a command name'}: the parser "
                         "misreads this compound command; run it without `!`/`time`/`coproc` "
                         "or as a separate script")


_dispatch_mod: Any = None


def _dispatch() -> Any:
    """The dispatch module, imported on first use (it imports walk for nested text) and
    then kept: an import statement per command costs more than the lookup."""
    global _dispatch_mod
    if _dispatch_mod is None:
        from . import dispatch

        _dispatch_mod = dispatch
    return _dispatch_mod


def _command(node: Any, ctx: Ctx, stdin: Stream, outer: list[Any] | None = None,
             io_out: _Io | None = None) -> Stream:
    kids = node.children
    fields = [node.field_name_for_child(i) for i in range(len(kids))]
    _compound_misread(kids, fields)

    assigns: dict[str, str] = {}
    spans: list[tuple[int, list[Word]]] = []  # (source position, words) in execution order
    redirects: list[Any] = []
    for i, c in enumerate(kids):
        f = fields[i]
        t = c.type
        if t == "variable_assignment" and not spans:
            _assign(c, ctx, assigns)
        elif t == "command_name":
            for k in c.children:
                spans.append((k.start_byte, expand(k, ctx, subst)))
        elif f == "redirect" or t.endswith("_redirect"):
            redirects.append(c)
        elif f == "argument" or c.is_named:
            if t == "$" and i + 1 < len(kids) and kids[i + 1].start_byte == c.end_byte:
                continue  # $"…" locale string: the `$` is not part of the value
            spans.append((c.start_byte, expand(c, ctx, subst)))
        elif t == "$":
            spans.append((c.start_byte, [Word("$", "$")]))
    if outer:
        redirects += outer
    if redirects:
        for c in _redirect_words(redirects):
            spans.append((c.start_byte, expand(c, ctx, subst)))
    words = [w for _, ws in sorted(spans, key=_first) for w in ws]
    # no redirections here or inherited: nothing for _apply to do
    io = _apply(redirects, ctx, stdin) if redirects or ctx.fds else _Io(stdin)
    if io_out is not None:
        io_out.after.extend(io.after)
    if not words:
        if node.child_by_field_name("name") is None:
            ctx.vars.update(assigns)
        return _record(io, ctx, UNKNOWN)
    if words[0].text == "coproc" and not words[0].dynamic:
        words = words[1:]  # `coproc cmd args` runs cmd in the background
        if not words:
            return _record(io, ctx, UNKNOWN)
    if len(words) == 1 and words[0].text == "exec":
        # `exec 3>/dev/tcp/h/p`: the rest of the line inherits the connection
        for fd, e in io.fds.items():
            if e[0] == "net":
                ctx.fds[fd] = e[1]
    out = _dispatch().run(words, ctx, io.stdin, assigns, net_out=io.net("1"))
    return _record(io, ctx, out)


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
