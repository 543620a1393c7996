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


def any_match(patterns: tuple[str, ...] | list[str], value: str) -> str | None:
    """The first pattern that matches `value`, or None."""
    for p in patterns:
        if compile_glob(p).match(value) is not None:
            return p
    return None
