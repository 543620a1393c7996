"""A small getopt: which options a program got and which words are operands.

Programs differ only in which options take a value, so each handler passes that as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Word


@dataclass(slots=True)
class Opts:
    flags: dict[str, list[str]] = field(default_factory=dict)  # "-r" / "--recursive" → values
    pos: list[Word] = field(default_factory=list)
    rest: list[Word] = field(default_factory=list)  # words after a stop (command of a wrapper)

    def has(self, *names: str) -> bool:
        return any(n in self.flags for n in names)

    def get(self, *names: str) -> str | None:
        for n in names:
            if self.flags.get(n):
                return self.flags[n][-1]
        return None

    def all(self, *names: str) -> list[str]:
        return [v for n in names for v in self.flags.get(n, ())]


def parse(args: list[Word], short_arg: str = "", long_arg: frozenset[str] | set[str] = frozenset(),
          *, stop_at_operand: bool = False, stop_after: int = 0,
          single_dash_long: bool = False) -> Opts:
    """Split args into options and operands.

    short_arg: short letters that take a value (`-n 5`, `-n5`); long_arg: long names with their
    dashes (`--namespace`). stop_at_operand: the first operand (after `stop_after` operands) and
    everything after it is `rest` (wrappers: `sudo -u x CMD ARGS`). single_dash_long: `-name`
    style options (find, terraform) are kept whole.
    """
    o = Opts()
    i, n = 0, len(args)
    while i < n:
        w = args[i]
        s = w.text
        i += 1
        if stop_at_operand and (not s.startswith("-") or s == "-" or w.dynamic):
            if len(o.pos) >= stop_after:
                o.rest = args[i - 1 :]
                return o
            o.pos.append(w)
            continue
        if s == "--":
            if stop_at_operand:
                # operands to skip first (timeout DURATION) may follow `--`
                rest = args[i:]
                need = stop_after - len(o.pos)
                o.pos.extend(rest[:need] if need > 0 else [])
                o.rest = rest[max(need, 0) :]
            else:
                o.pos.extend(args[i:])
            return o
        if w.dynamic or not s.startswith("-") or s == "-":
            o.pos.append(w)
            continue
        if s.startswith("--") or single_dash_long:
            name, eq, val = s.partition("=")
            if eq:
                o.flags.setdefault(name, []).append(val)
            elif name in long_arg and i < n:
                o.flags.setdefault(name, []).append(args[i].text)
                i += 1
            else:
                o.flags.setdefault(name, []).append("")
            continue
        # short cluster: -rf, -n5, -qO-
        j = 1
        while j < len(s):
            ch = s[j]
            key = "-" + ch
            if ch in short_arg:
                val = s[j + 1 :]
                if not val and i < n:
                    val = args[i].text
                    i += 1
                o.flags.setdefault(key, []).append(val)
                break
            o.flags.setdefault(key, []).append("")
            j += 1
    return o
