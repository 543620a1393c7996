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
