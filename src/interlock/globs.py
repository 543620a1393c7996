"""Glob patterns as used by the inventory and the path tables.

`*` matches within one path segment (no `/`), `**` matches across segments, `?` one character,
`[...]` a class. Matching is case-sensitive and anchored. Patterns compile once and are cached.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                i += 2
                out.append(".*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    regex = "".join(out)
    if pattern.endswith("/**"):
        # "/srv/prod/**" names the directory too.
        regex = regex[: -len("/.*")] + "(?:/.*)?"
    return re.compile(regex + r"\Z", re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    return compile_glob(pattern).match(value) is not None


@lru_cache(maxsize=1024)
def _alternation(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # One regex for a whole table: the C matcher tries the branches in order, so the first
    # branch that matches is the first pattern, as a loop over the patterns would find.
    return re.compile("|".join(f"(?P<g{i}>{compile_glob(p).pattern})"
                               for i, p in enumerate(patterns)), re.DOTALL)


def table_regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """The one regex of a table (see _alternation); None for a table too pathological to
    join, which is then matched one pattern at a time."""
    try:
        return _alternation(patterns)
    except (re.error, RecursionError, OverflowError):
        return None


# Tables are module-level tuples matched thousands of times: found by identity, their
# regex is one dict lookup instead of hashing every pattern for the lru_cache. The entry
# holds the tuple, so its id cannot be reused while cached. Bounded.
_BY_ID: dict[int, tuple[tuple[str, ...], re.Pattern[str] | None]] = {}
_BY_ID_MAX = 1024


def any_match(patterns: tuple[str, ...] | list[str], value: str) -> str | None:
    """The first pattern that matches `value`, or None."""
    if not patterns:
        return None
    if type(patterns) is tuple:
        hit = _BY_ID.get(id(patterns))
        if hit is not None and hit[0] is patterns:
            key, rx = hit
        else:
            key, rx = patterns, table_regex(patterns)
            if len(_BY_ID) >= _BY_ID_MAX:
                _BY_ID.clear()
            _BY_ID[id(patterns)] = (patterns, rx)
    else:
        key = tuple(patterns)
        rx = table_regex(key)
    if rx is None:  # pathological table: one at a time
        return next((p for p in key if compile_glob(p).match(value) is not None), None)
    m = rx.match(value)
    if m is None:
        return None
    return key[int(m.lastgroup[1:])] if m.lastgroup else None
