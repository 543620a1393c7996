"""tree-sitter-bash, built once and lazily; parse errors are InputError (fail closed)."""

from __future__ import annotations

from typing import Any

from ...errors import InputError

_parser: Any = None


def _get_parser() -> Any:
    global _parser
    if _parser is None:
        import tree_sitter
        import tree_sitter_bash

        _parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    return _parser


def _first_error(node: Any) -> Any:
    """The first ERROR or MISSING node, depth-first (iterative: inputs can nest deeply)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            return n
        if n.has_error:
            stack.extend(reversed(n.children))
    return None


# tree-sitter-bash 0.25's scanner crashes the process (SIGSEGV) on `${X` / `{X` when X is a
# code point at or above U+20000 (found by fuzzing; intermittent, so it is memory corruption).
# A crashed hook fails open, so such code points never reach the C scanner: each becomes a
# placeholder of the same UTF-8 length (byte offsets stay valid) from a plane that parses
# safely. Bash treats both as ordinary word characters, so the syntax tree is the same.
_UNSAFE_FROM = 0x20000
_PLACEHOLDER = "\U0001FFFD"


def _defuse(text: str) -> str:
    if text.isascii() or max(text) < chr(_UNSAFE_FROM):
        return text
    return "".join(_PLACEHOLDER if ord(c) >= _UNSAFE_FROM else c for c in text)


def parse(text: str) -> Any:
    """Parse shell text to a tree-sitter root node, or raise InputError."""
    text = _defuse(text)
    try:
        data = text.encode("utf-8", "surrogatepass")
    except UnicodeError as exc:  # pragma: no cover - surrogatepass encodes every str
        raise InputError(f"shell: cannot encode command: {exc}") from None
    tree = _get_parser().parse(data)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        where = f" at byte {bad.start_byte}" if bad is not None else ""
        snippet = text[:60] + ("…" if len(text) > 60 else "")
        raise InputError(f"shell: cannot parse{where}: {snippet!r}")
    return root


# tree-sitter-bash 0.25 misreads line breaks in two ways that hide commands.
# 1. It glues a line that starts with a backslash onto the line before: in `ls\n\\rm -rf /`
#    the tree has one command, `ls` with the word "\n\\rm" (so in `x=1\n\\rm …`, `if true\n
#    \\rm …\nthen`, `ls # c\n\\rm …`); in `ls\n\\<newline>rm` the newline vanishes between
#    two words of one command. Bash never continues a simple command over an unescaped
#    newline; a space after that newline is the same text to bash and the parser reads it.
# 2. It splits a word at a line continuation: `r\\<newline>m -rf /` is `r` and `m`, where bash
#    removes the continuation and runs `rm`. Removing it is the same text to bash.
# So the text is repaired and parsed again. Here-documents are left to walk._heredoc (their
# bodies are data).
_MAX_REPAIRS = 64
# Nodes a newline ends in bash: one between (or inside) their children was glued over.
_ONE_LINE = frozenset({"command", "command_name", "word", "declaration_command", "unset_command",
                       "redirected_statement", "file_redirect", "variable_assignment",
                       "concatenation"})


def _newlines(data: bytes, lo: int, hi: int, out: list[tuple[int, int, bytes]]) -> None:
    """A space just past each unescaped newline in data[lo:hi]."""
    i = data.find(b"\n", lo, hi)
    while i >= 0:
        if i == 0 or data[i - 1:i] != b"\\":
            out.append((i + 1, i + 1, b" "))
        i = data.find(b"\n", i + 1, hi)


def _repairs(root: Any) -> list[tuple[int, int, bytes]]:
    """Edits (start, end, replacement) that undo the misreadings above."""
    data = root.text
    out: list[tuple[int, int, bytes]] = []
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "heredoc_redirect":
            continue
        if n.type == "word":
            _newlines(data, n.start_byte, n.end_byte, out)
            continue
        kids = n.children
        for a, b in zip(kids, kids[1:]):
            if b.type == "heredoc_redirect":
                continue
            if data[a.end_byte:b.start_byte] == b"\\\n" and a.end_byte > 0 and data[
                    a.end_byte - 1:a.end_byte] not in (b" ", b"\t", b"\n"):
                out.append((a.end_byte, b.start_byte, b""))  # one word split in two
            elif n.type in _ONE_LINE:
                _newlines(data, a.end_byte, b.start_byte, out)
        stack.extend(kids)
    return out


def parse_code(text: str) -> Any:
    """parse() for analysis: also undoes the parser's misreading of line breaks (the tree's
    byte offsets are then those of the repaired text)."""
    root = parse(text)
    if "\n" not in text and "\r" not in text:
        return root  # every misreading repaired here involves a line break
    for _ in range(_MAX_REPAIRS):
        edits = _repairs(root)
        if not edits:
            return root
        data = root.text
        for lo, hi, rep in sorted(set(edits), reverse=True):
            data = data[:lo] + rep + data[hi:]
        root = parse(data.decode("utf-8", "surrogatepass"))
    raise InputError("shell: too many line breaks misread to analyse")
