"""Server-side syntax highlighting for the exact action a human approves: shell (the same
tree-sitter-bash grammar the analyzer uses) and SQL (sqlglot's tokenizer). Output is HTML
built only from escaped source slices, so a hostile command cannot inject markup. Anything
that does not parse is shown plain: highlighting is a reading aid, never a gate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from markupsafe import Markup, escape

# tree-sitter-bash node types shown as one token, whatever is inside them.
SHELL_WHOLE: dict[str, str] = {
    "command_name": "hl-cmd",
    "string": "hl-str",
    "raw_string": "hl-str",
    "ansi_c_string": "hl-str",
    "translated_string": "hl-str",
    "heredoc_body": "hl-str",
    "simple_expansion": "hl-var",
    "expansion": "hl-var",
    "variable_name": "hl-var",
    "comment": "hl-com",
    "number": "hl-num",
    "file_descriptor": "hl-num",
}
# Leaf node types (operators and keywords of the grammar).
SHELL_OPS = frozenset(("|", "|&", "&&", "||", ";", ";;", "&", ">", ">>", "<", "<<", "<<<", "&>",
                       "&>>", ">&", "<&", ">|", "$(", "`", "(", ")", "{", "}", "=", "!"))
SHELL_KEYWORDS = frozenset(("if", "then", "else", "elif", "fi", "for", "while", "until", "do",
                            "done", "case", "esac", "in", "function", "select", "export",
                            "local", "declare", "readonly", "unset"))
# sqlglot token types shown specially; other alphabetic tokens are keywords.
SQL_CLASS: dict[str, str] = {
    "STRING": "hl-str", "NATIONAL_STRING": "hl-str", "RAW_STRING": "hl-str",
    "BIT_STRING": "hl-str", "HEX_STRING": "hl-str", "BYTE_STRING": "hl-str",
    "HEREDOC_STRING": "hl-str", "UNICODE_STRING": "hl-str",
    "NUMBER": "hl-num", "VAR": "", "IDENTIFIER": "hl-ident", "PARAMETER": "hl-var",
    "PLACEHOLDER": "hl-var",
}


def _span(cls: str, text: str) -> str:
    return f'<span class="{cls}">{escape(text)}</span>' if cls and text else str(escape(text))


# -- shell --------------------------------------------------------------------------------
def _shell_pieces(node: Any, src: bytes) -> Iterator[tuple[int, int, str]]:
    """(start, end, class) for the highlighted byte ranges, in order."""
    stack = [node]
    while stack:
        n = stack.pop()
        cls = SHELL_WHOLE.get(n.type)
        if cls is not None:
            yield n.start_byte, n.end_byte, cls
        elif n.child_count:
            stack.extend(reversed(n.children))
        else:
            text = src[n.start_byte:n.end_byte]
            if n.type in SHELL_OPS:
                yield n.start_byte, n.end_byte, "hl-op"
            elif n.type in SHELL_KEYWORDS:
                yield n.start_byte, n.end_byte, "hl-kw"
            elif n.type == "word" and text.startswith(b"-"):
                yield n.start_byte, n.end_byte, "hl-flag"


def highlight_shell(command: str) -> Markup:
    from ...analysis.shell.parse import parse
    from ...errors import InputError

    try:
        root = parse(command)
    except (InputError, RecursionError, ValueError):
        return Markup(escape(command))
    src = command.encode("utf-8", "surrogatepass")  # same byte offsets as the parsed text
    out: list[str] = []
    pos = 0
    for start, end, cls in _shell_pieces(root, src):
        if start < pos:
            continue
        out.append(str(escape(src[pos:start].decode("utf-8", "replace"))))
        out.append(_span(cls, src[start:end].decode("utf-8", "replace")))
        pos = end
    out.append(str(escape(src[pos:].decode("utf-8", "replace"))))
    return Markup("".join(out))


# -- SQL ----------------------------------------------------------------------------------
def _tokenizer(dialect: str | None) -> Any:
    import sqlglot
    from sqlglot.tokens import Tokenizer

    try:
        return sqlglot.Dialect.get_or_raise(dialect or "postgres").tokenizer_class()
    except Exception:  # noqa: BLE001 - unknown dialect: the generic tokenizer will do
        return Tokenizer()


def _gap(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith(("--", "/*", "#")):
        return _span("hl-com", text)
    return str(escape(text))


def highlight_sql(statement: str, dialect: str | None = None) -> Markup:
    try:
        tokens = _tokenizer(dialect).tokenize(statement)
    except Exception:  # noqa: BLE001 - TokenError or a sqlglot bug: show plain text, never a 500
        return Markup(escape(statement))
    out: list[str] = []
    pos = 0
    for t in tokens:
        start, end = t.start, t.end + 1
        if start < pos or end > len(statement):
            continue
        out.append(_gap(statement[pos:start]))
        name = t.token_type.name
        text = statement[start:end]
        cls = SQL_CLASS.get(name)
        if cls is None:
            cls = "hl-kw" if text[:1].isalpha() else "hl-op"
        out.append(_span(cls, text))
        pos = end
    out.append(_gap(statement[pos:]))
    return Markup("".join(out))
