"""Quote removal and expansion: tree-sitter word nodes → the argv the shell would build.

A word is built as text plus a parallel mask, one letter per character: `q` quoted or escaped,
`u` unquoted literal, `e` unquoted expansion result (field-split and globbed by the shell),
`d` unknown (DYN), `s` the break between two arguments of quoted "$@". Tilde, brace expansion, field splitting and glob detection then follow the
mask, the way bash orders them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import InputError
from .model import DYN, Ctx, Stream, Word
from .secrets import secret_env

# node → what its commands print; set by walk.py (it needs the walker).
SubstFn = Callable[[Any, Ctx], Stream]

_IFS_WS = " \t\n"
_GLOB = "*?["
_SPECIAL_DYNAMIC = set("0123456789@*#?$!-_") | {"RANDOM", "LINENO", "SECONDS", "BASH_COMMAND",
                                                 "OLDPWD", "REPLY", "PPID", "EPOCHSECONDS"}
_MAX_BRACE = 256
# Expanded characters per unit of the line's budget: `x=$x$x` or `set -- $@ $@` repeated
# doubles a value each time, so expansion is charged by size, not by node.
_CHARS_PER_UNIT = 128
# Word origins, strongest first: credential data, a secret-named variable, a process list.
_RANK = {"secret": 3, "env_secret": 2, "pids": 1}
_ANSI = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
         "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def text_of(node: Any) -> str:
    return node.text.decode("utf-8", "surrogatepass")


def ansi_c(body: str) -> str:
    """Decode the body of $'…' (bash's escapes)."""
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        i += 2
        if e in _ANSI:
            out.append(_ANSI[e])
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            j = i
            while j < n and j - i < width and body[j] in "0123456789abcdefABCDEF":
                j += 1
            if j == i:
                out.append("\\" + e)
            else:
                out.append(chr(min(int(body[i:j], 16), 0x10FFFF)))
                i = j
        elif e in "01234567":
            j = i - 1
            while j < n and j - (i - 1) < 3 and body[j] in "01234567":
                j += 1
            out.append(chr(int(body[i - 1 : j], 8) & 0xFF))
            i = j
        elif e == "c" and i < n:
            out.append(chr(ord(body[i]) & 0x1F))
            i += 1
        else:
            out.append("\\" + e)
    return "".join(out)


class _Buf:
    __slots__ = ("mask", "origin", "remote", "stream", "text")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.mask: list[str] = []
        self.remote: str | None = None
        self.stream: Stream | None = None
        self.origin: Stream | None = None

    def taint(self, s: Stream) -> None:
        # a secret outweighs a process list: it is what must not leave the machine
        if self.origin is None or _RANK.get(s.kind, 0) > _RANK.get(self.origin.kind, 0):
            self.origin = s

    def add(self, s: str, m: str) -> None:
        """Append text `s`, every character masked with the one letter `m`."""
        self.text.append(s)
        self.mask.append(m * len(s))

    def dyn(self) -> None:
        self.text.append(DYN)
        self.mask.append("d")


def _charge(ctx: Ctx, chars: int) -> None:
    ctx.line.budget -= chars // _CHARS_PER_UNIT
    if ctx.line.budget < 0:
        raise InputError("shell: command too large to analyse (expansions grow too large)")


def _add_value(buf: _Buf, value: str, m: str) -> None:
    """Append an expansion's value in runs (not per character); DYN parts are masked `d`."""
    parts = value.split(DYN)
    for k, part in enumerate(parts):
        if k:
            buf.dyn()
        if part:
            buf.add(part, m)


def _lookup(name: str, ctx: Ctx) -> str:
    if name in ctx.vars:
        return ctx.vars[name]
    if name == "HOME":
        return ctx.line.home
    if name == "PWD":
        return ctx.cwd if ctx.cwd is not None else DYN
    if name == "IFS":
        return " \t\n"
    return DYN


def _unquoted_word(s: str, buf: _Buf) -> None:
    i, n = 0, len(s)
    while i < n:
        j = s.find("\\", i)
        if j < 0 or j + 1 >= n:  # no escape left (a trailing lone backslash is literal)
            buf.add(s[i:], "u")
            return
        if j > i:
            buf.add(s[i:j], "u")
        if s[j + 1] != "\n":
            buf.add(s[j + 1], "q")
        i = j + 2


def _dq_content(s: str, buf: _Buf) -> None:
    """string_content inside "…": only \\$ \\` \\" \\\\ and \\newline are escapes."""
    i = start = 0
    n = len(s)
    while True:
        j = s.find("\\", i)
        if j < 0 or j + 1 >= n:
            buf.add(s[start:], "q")
            return
        if s[j + 1] in '$`"\\\n':
            if j > start:
                buf.add(s[start:j], "q")
            if s[j + 1] != "\n":
                buf.add(s[j + 1], "q")
            start = i = j + 2
        else:  # a literal backslash: stays in the run
            i = j + 1


def _expansion(node: Any, ctx: Ctx, quoted: bool, buf: _Buf) -> None:
    """$x or ${x}: known literal values resolve; anything with an operator is unknown."""
    names = [c for c in node.named_children]
    if node.type == "simple_expansion":
        name = text_of(names[0]) if names else ""
    else:
        inner = text_of(node)[2:-1]
        name = inner if inner.replace("_", "a").isalnum() or inner in ("@", "*", "#") else ""
    tail = ""
    if node.type == "simple_expansion" and name[:1].isdigit():
        name, tail = name[0], name[1:]  # `$1y` is $1 then "y" (the grammar reads `1y`)
    if ctx.positional is not None and _positional(name, ctx, quoted, buf):
        buf.add(tail, "q" if quoted else "u")
        return
    if not name or name in _SPECIAL_DYNAMIC or name.isdigit():
        buf.dyn()
        buf.add(tail, "q" if quoted else "u")
        return
    if name in ctx.taint:
        buf.taint(ctx.taint[name])
    elif name not in ctx.vars and secret_env(name):
        buf.taint(Stream("env_secret", f"${name}"))
    value = _lookup(name, ctx)
    _charge(ctx, len(value))
    if name == "IFS" and not quoted and DYN not in value:
        # Unquoted $IFS is a field separator (`rm${IFS}-rf${IFS}/`).
        buf.add(value[:1] or "", "e")
        return
    _add_value(buf, value, "q" if quoted else "e")


def _positional(name: str, ctx: Ctx, quoted: bool, buf: _Buf) -> bool:
    """$1…, $#, $@, $* from known arguments. Quoted "$@" keeps each argument one word (mask
    `s`: a hard field break); unquoted, the values are split like any expansion."""
    pos = ctx.positional or ()
    m = "q" if quoted else "e"
    if name == "#":
        buf.add(str(len(pos)), "q")
    elif name.isdigit() and name != "0":
        i = int(name)
        value = pos[i - 1] if i <= len(pos) else ""
        _charge(ctx, len(value))
        _add_value(buf, value, m)
    elif name in ("@", "*"):
        _charge(ctx, sum(len(v) + 1 for v in pos))
        for k, value in enumerate(pos):
            if k:
                buf.add(" ", "s" if quoted and name == "@" else m)
            _add_value(buf, value, m)
    else:
        return False
    return True


def _subst(node: Any, ctx: Ctx, quoted: bool, buf: _Buf, subst: SubstFn) -> None:
    out = subst(node, ctx)
    if out.kind in ("secret", "pids"):
        buf.taint(out)
    if out.kind == "literal":
        buf.add(out.text.rstrip("\n"), "q" if quoted else "e")
        return
    if out.kind == "remote":
        buf.remote = out.text
    buf.dyn()


def _build(node: Any, ctx: Ctx, buf: _Buf, subst: SubstFn, quoted: bool = False) -> None:
    t = node.type
    if t == "word":
        s = text_of(node)
        if quoted:
            buf.add(s, "q")
        else:
            _unquoted_word(s, buf)
    elif t in ("raw_string",):
        buf.add(text_of(node)[1:-1], "q")
    elif t == "ansi_c_string":
        buf.add(ansi_c(text_of(node)[2:-1]), "q")
    elif t == "string":
        last = node.start_byte
        for c in node.children:
            ct = c.type
            if c.start_byte > last:
                # tree-sitter-bash leaves some text out of every child (a newline before a
                # backslash: "ls\n\\rm"); it is still part of the string
                gap = node.text[last - node.start_byte:c.start_byte - node.start_byte]
                _dq_content(gap.decode("utf-8", "surrogatepass"), buf)
            last = c.end_byte
            if ct == '"':
                continue
            if ct == "string_content":
                _dq_content(text_of(c), buf)
            elif ct == "$":  # a lone `$` before the closing quote is literal
                buf.add("$", "q")
            else:
                _build(c, ctx, buf, subst, quoted=True)
    elif t in ("simple_expansion", "expansion"):
        # Commands inside ${x:-$(cmd)} still run.
        for c in node.named_children:
            if c.type not in ("variable_name",):
                _walk_substs(c, ctx, subst)
        _expansion(node, ctx, quoted, buf)
    elif t in ("command_substitution",):
        _subst(node, ctx, quoted, buf, subst)
    elif t == "process_substitution":
        out = subst(node, ctx)
        if out.kind == "remote":
            buf.remote = out.text
        buf.stream = out
        buf.add("/dev/fd/63", "q")
    elif t == "concatenation":
        kids = node.children
        for i, c in enumerate(kids):
            # `$"…"` (locale string) shows up as a `$` leaf then a string.
            if c.type == "$" and i + 1 < len(kids) and kids[i + 1].type == "string":
                continue
            _build(c, ctx, buf, subst, quoted)
    elif t in ("number", "string_content", "heredoc_content"):
        s = text_of(node)
        buf.add(s, "q" if quoted else "u")
    elif t in ("brace_expression",):
        buf.add(text_of(node), "u")
    elif t == "arithmetic_expansion":
        _walk_substs(node, ctx, subst)
        s = text_of(node)[3:-2].strip()
        if s.isdigit():
            buf.add(s, "q")
        else:
            buf.dyn()
    elif t == "$":
        buf.add("$", "q")
    else:
        # extglob patterns, translated strings and anything new: unknown, but still look
        # for commands inside.
        _walk_substs(node, ctx, subst)
        buf.dyn()


def _walk_substs(node: Any, ctx: Ctx, subst: SubstFn) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("command_substitution", "process_substitution"):
            subst(n, ctx)
        else:
            stack.extend(n.children)


def _tilde(text: str, mask: str, ctx: Ctx) -> tuple[str, str]:
    if not text.startswith("~") or mask[:1] != "u":
        return text, mask
    end = text.find("/")
    end = len(text) if end < 0 else end
    if any(m != "u" for m in mask[:end]):
        return text, mask
    user = text[1:end]
    if user == "":
        home = ctx.line.home
    elif user == "root":
        home = "/root"
    elif user.replace("-", "").replace("_", "").replace(".", "").isalnum():
        home = "/home/" + user
    else:
        return text, mask
    return home + text[end:], "q" * len(home) + mask[end:]


def _brace(text: str, mask: str, budget: list[int]) -> list[tuple[str, str]]:
    """bash brace expansion on unquoted braces; gives up (DYN) past _MAX_BRACE words."""
    n = len(text)
    for i in range(n):
        if text[i] != "{" or mask[i] != "u":
            continue
        depth, commas, j = 0, [], i
        while j < n:
            c, m = text[j], mask[j]
            if m == "u":
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        break
                elif c == "," and depth == 1:
                    commas.append(j)
            j += 1
        if j >= n:
            return [(text, mask)]
        pre, pm = text[:i], mask[:i]
        post, qm = text[j + 1 :], mask[j + 1 :]
        inner = text[i + 1 : j]
        alts: list[tuple[str, str]] = []
        if commas:
            cuts = [i, *commas, j]
            for a, b in zip(cuts, cuts[1:]):
                alts.append((text[a + 1 : b], mask[a + 1 : b]))
        else:
            rng = _range(inner) if set(mask[i + 1 : j]) <= {"u"} else None
            if rng is None:
                # not an expansion: keep the braces literal, look further right
                rest = _brace(post, qm, budget)
                return [(pre + "{" + inner + "}" + r, pm + "q" + mask[i + 1 : j] + "q" + rm)
                        for r, rm in rest]
            alts = [(s, "q" * len(s)) for s in rng]
        out: list[tuple[str, str]] = []
        for a, am in alts:
            for r, rm in _brace(a + post, am + qm, budget):
                budget[0] -= 1
                if budget[0] < 0:
                    return [(DYN, "d")]
                out.append((pre + r, pm + rm))
        return out
    return [(text, mask)]


def _range(inner: str) -> list[str] | None:
    parts = inner.split("..")
    if len(parts) not in (2, 3):
        return None
    a, b = parts[0], parts[1]
    step = abs(int(parts[2])) if len(parts) == 3 and parts[2].lstrip("-").isdigit() else 1
    step = step or 1
    try:
        if a.lstrip("-").isdigit() and b.lstrip("-").isdigit():
            x, y = int(a), int(b)
            if abs(y - x) // step > _MAX_BRACE:
                return [DYN]
            r = range(x, y + 1, step) if x <= y else range(x, y - 1, -step)
            return [str(v) for v in r]
        if len(a) == 1 and len(b) == 1:
            x, y = ord(a), ord(b)
            r = range(x, y + 1, step) if x <= y else range(x, y - 1, -step)
            return [chr(v) for v in r]
    except ValueError:
        return None
    return None


def _split(text: str, mask: str, ifs: str = _IFS_WS) -> list[tuple[str, str]]:
    """Field splitting: IFS characters that came from an unquoted expansion separate words.

    IFS whitespace runs are one separator; every other IFS character ends a field (so
    `a,,b` with IFS=, is three fields), as bash does.
    """
    if "e" not in mask and "s" not in mask:
        return [(text, mask)]
    out: list[tuple[str, str]] = []
    cur_t: list[str] = []
    cur_m: list[str] = []
    had = ws_cut = False
    for c, m in zip(text, mask):
        if m == "s":  # between two arguments of quoted "$@": always a new word
            out.append(("".join(cur_t), "".join(cur_m)))
            cur_t, cur_m, had, ws_cut = [], [], True, False
            continue
        if m == "e" and c in ifs:
            if c in _IFS_WS:
                if cur_t or had:
                    out.append(("".join(cur_t), "".join(cur_m)))
                    ws_cut = True
                cur_t, cur_m, had = [], [], False
                continue
            if cur_t or had or not ws_cut:
                out.append(("".join(cur_t), "".join(cur_m)))
            cur_t, cur_m, had, ws_cut = [], [], False, False
            continue
        ws_cut = False
        cur_t.append(c)
        cur_m.append(m)
        had = had or m in "qd"
    if cur_t or had:
        out.append(("".join(cur_t), "".join(cur_m)))
    return out


# Plain words (see expand) by their source bytes: Words are immutable values, and `ls`,
# `-la`, `get`… recur in every other command. Bounded.
_PLAIN: dict[bytes, Word] = {}
_PLAIN_MAX = 4096


def _has_glob(text: str, mask: str) -> bool:
    """An unquoted (or expanded) *, ? or [: the shell would expand the word."""
    if "*" not in text and "?" not in text and "[" not in text:
        return False
    return any(c in _GLOB and mm in "ue" for c, mm in zip(text, mask))


def expand(node: Any, ctx: Ctx, subst: SubstFn) -> list[Word]:
    """The fields one argument node becomes (0, 1 or many)."""
    if node.type == "word":
        raw = node.text
        hit = _PLAIN.get(raw)
        if hit is not None:
            return [hit]
        src = raw.decode("utf-8", "surrogatepass")
        if "\\" not in src and not src.startswith("~") and "{" not in src:
            # A plain unquoted word (most arguments): itself, no tilde, brace or splitting,
            # whatever the context holds — so the Word is a function of the text alone.
            w = Word(src, src, "*" in src or "?" in src or "[" in src)
            if len(_PLAIN) >= _PLAIN_MAX:
                _PLAIN.clear()
            _PLAIN[raw] = w
            return [w]
    buf = _Buf()
    _build(node, ctx, buf, subst)
    text, mask = "".join(buf.text), "".join(buf.mask)
    src = text_of(node)
    text, mask = _tilde(text, mask, ctx)
    fields = _brace(text, mask, [_MAX_BRACE]) if "{" in text else [(text, mask)]
    words: list[Word] = []
    ifs = ctx.vars.get("IFS", _IFS_WS)
    if DYN in ifs and "e" in mask:
        # IFS is unknown: an unquoted expansion could split anywhere.
        return [Word(DYN, src, False, buf.remote, buf.stream, buf.origin)]
    for t, m in fields:
        for ft, fm in _split(t, m, ifs):
            glob = _has_glob(ft, fm)
            words.append(Word(ft, src, glob, buf.remote, buf.stream, buf.origin))
    if not words and "q" in mask:
        words.append(Word("", src))
    return words


def expand_value(node: Any, ctx: Ctx, subst: SubstFn) -> str:
    """An assignment's value: no field splitting or globbing; tilde after `=` expands."""
    return expand_value_origin(node, ctx, subst)[0]


def expand_value_origin(node: Any, ctx: Ctx, subst: SubstFn) -> tuple[str, Stream | None]:
    """expand_value, plus the secret (if any) that went into the value."""
    buf = _Buf()
    _build(node, ctx, buf, subst)
    text, mask = "".join(buf.text), "".join(buf.mask)
    text, _ = _tilde(text, mask, ctx)
    return text, buf.origin
