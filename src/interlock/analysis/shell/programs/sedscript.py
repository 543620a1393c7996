"""A small reader for sed scripts: which commands run shell code (`e`, `s///e`) or write files
(`w`, `s///w`). GNU sed runs `e CMD` and the pattern space of `s///e` with /bin/sh."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class SedScript:
    runs: list[str | None] = field(default_factory=list)  # shell text; None: the pattern space
    writes: list[str] = field(default_factory=list)  # files written by w / W / s///w
    reads_files: list[str] = field(default_factory=list)  # r / R
    ok: bool = True  # False: the script could not be read


_TO_EOL = set("aic:bTtrRwWe")  # commands whose argument runs to the end of the line


def _skip_addr(s: str, i: int) -> int:
    """Skip an address or range (`1`, `$`, `/re/`, `\\%re%`, `1,5`, `0~3`, `!`)."""
    n = len(s)
    for _ in range(2):
        while i < n and s[i] in " \t":
            i += 1
        if i < n and (s[i].isdigit() or s[i] == "$"):
            while i < n and (s[i].isdigit() or s[i] in "$~+"):
                i += 1
        elif i < n and s[i] in "/\\":
            delim = s[i + 1] if s[i] == "\\" and i + 1 < n else "/"
            i += 2 if s[i] == "\\" else 1
            while i < n and s[i] != delim:
                i += 2 if s[i] == "\\" else 1
            i += 1
            while i < n and s[i] in "IM":
                i += 1
        if i < n and s[i] == ",":
            i += 1
            continue
        break
    while i < n and s[i] in " \t!":
        i += 1
    return i


def _part(s: str, i: int, delim: str) -> tuple[str, int]:
    """One delimited part of s/// or y///, unescaping the delimiter."""
    out: list[str] = []
    n = len(s)
    while i < n and s[i] != delim:
        if s[i] == "\\" and i + 1 < n:
            out.append(s[i + 1] if s[i + 1] == delim else s[i : i + 2])
            i += 2
            continue
        if s[i] == "\n":
            raise ValueError("newline in s command")
        out.append(s[i])
        i += 1
    if i >= n:
        raise ValueError("unterminated s command")
    return "".join(out), i + 1


def scan(script: str) -> SedScript:
    r = SedScript()
    s, i, n = script, 0, len(script)
    try:
        while i < n:
            while i < n and s[i] in " \t\n;{}":
                i += 1
            if i >= n:
                break
            if s[i] == "#":
                i = s.find("\n", i)
                i = n if i < 0 else i
                continue
            i = _skip_addr(s, i)
            if i >= n:
                break
            c = s[i]
            i += 1
            if c in "{}":
                continue
            if c in _TO_EOL:
                j = s.find("\n", i)
                j = n if j < 0 else j
                arg = s[i:j].strip()
                if c in "bTt:" and ";" in arg:  # labels end at `;` in GNU sed
                    j = i + s[i:j].index(";")
                    arg = s[i:j].strip()
                i = j
                if c == "e":
                    r.runs.append(arg or None)
                elif c in "wW":
                    r.writes.append(arg)
                elif c in "rR":
                    r.reads_files.append(arg)
                continue
            if c in "sy":
                if i >= n:  # `sed s`: GNU sed rejects it too
                    raise ValueError(f"unterminated {c} command")
                delim = s[i]
                pat, i = _part(s, i + 1, delim)
                rep, i = _part(s, i, delim)
                if c == "s":
                    flags = ""
                    while i < n and s[i] not in ";\n}":
                        if s[i] == "w":
                            j = s.find("\n", i)
                            j = n if j < 0 else j
                            r.writes.append(s[i + 1 : j].strip())
                            i = j
                            break
                        flags += s[i]
                        i += 1
                    if "e" in flags:
                        whole = pat in (".*", "^.*$", "^.*", ".*$")
                        literal = whole and "&" not in rep and "\\" not in rep.replace("\\n", "")
                        r.runs.append(rep.replace("\\n", "\n") if literal else None)
                continue
            if c in "=dDgGhHlnNpPqQxzF":
                while i < n and s[i].isdigit():  # q5, l 80
                    i += 1
                continue
            raise ValueError(f"unknown sed command {c!r}")
    except ValueError:
        r.ok = False
    return r
