"""Option values that are commands or output files, in every getopt spelling.

Many programs that look like reads take a program to run (`git fetch --upload-pack=CMD`,
`man -P CMD`, `tar --to-command=CMD`) or a file to write (`sort -o F`, `curl -D F`). The
handlers name those options as data; this finds their values however they are written.
"""

from __future__ import annotations

from collections.abc import Iterable

from ....effects import Effect, Verb
from .. import fx
from ..model import Cmd, Word


def option_values(args: Iterable[Word], names: Iterable[str], *,
                  attached: Iterable[str] = ()) -> list[Word]:
    """Values of the options `names` (`--opt=v`, `--opt v`, `-xv`, `-x v`); `attached`
    options take a value only when it is glued on (`-O<pager>`, `--html=<browser>`).
    Scanning stops at `--` (what follows are operands)."""
    takes, glued = frozenset(names), frozenset(attached)
    words = list(args)
    out: list[Word] = []
    i = 0
    while i < len(words):
        t = words[i].text
        i += 1
        if t == "--":
            break
        if not t.startswith("-") or t == "-":
            continue
        if t.startswith("--"):
            name, eq, val = t.partition("=")
            if eq and (name in takes or name in glued):
                out.append(Word(val, val))
            elif not eq and name in takes and i < len(words):
                out.append(words[i])
                i += 1
            continue
        key, val = t[:2], t[2:]
        if key in takes or key in glued:
            if val:
                out.append(Word(val, val))
            elif key in takes and i < len(words):
                out.append(words[i])
                i += 1
    return out


def run_option_commands(cmd: Cmd, names: Iterable[str], *, attached: Iterable[str] = (),
                        detail: str = "") -> bool:
    """Analyse each value of `names` as shell text the program runs. True if any was found."""
    assert cmd.run_text is not None
    found = False
    for v in option_values(cmd.args, names, attached=attached):
        found = True
        if v.text:
            cmd.run_text(cmd, v.text, detail=detail or f"{cmd.name} option runs a command")
    return found


def option_writes(cmd: Cmd, names: Iterable[str], *, verb: Verb = Verb.UPDATE,
                  skip: Iterable[str] = ("-", "/dev/stdout", "/dev/stderr"),
                  detail: str = "") -> list[Effect]:
    """The files the values of `names` name, written by the program."""
    skip = frozenset(skip)
    return [fx.path_change(cmd.ctx, v, verb, detail=detail or f"{cmd.name} writes it")
            for v in option_values(cmd.args, names) if v.text and v.text not in skip]
