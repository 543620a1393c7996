"""The shell analyzer: a shell command line → the Effects it would have.

Parses with tree-sitter-bash (fail closed on any parse error), walks the tree in execution
order — sequences, pipelines, subshells, substitutions, functions, here-docs, redirections,
variables and `cd` — and looks every simple command up in the program tables (programs/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ...effects import Effect, Verb
from ...errors import InputError

if TYPE_CHECKING:
    from .model import Line

__all__ = ["analyze_shell"]


def _uncalled_functions(line: Line) -> None:
    """A function defined and never called here may be called by the next command of a
    persistent shell: its body counts, with unknown arguments (`f() { rm -rf "$@"; }`)."""
    from .walk import walk

    while line.uncalled:
        _, (name, body, ctx) = line.uncalled.popitem()
        mark = len(line.effects)
        walk(body, ctx.child(positional=None, calls=(name,), background=False))
        for e in line.effects[mark:]:
            e.detail = (e.detail + "; " if e.detail else "") + f"in function {name} (not called here)"


def analyze_shell(command: str, cwd: str, env: Mapping[str, str] | None = None) -> list[Effect]:
    """Effects of running `command` in directory `cwd`; InputError for text that does not parse.

    `env` is only used for HOME (what `~` and `$HOME` mean); other variables are unknown
    unless assigned in the command itself.
    """
    from ..paths import home_dir
    from .model import Ctx, Line
    from .parse import parse_code as parse
    from .walk import walk

    if not isinstance(command, str):
        raise InputError("shell: command must be a string")
    if "\x00" in command:
        raise InputError("shell: command contains a NUL byte")
    if not command.strip():
        raise InputError("shell: command is empty")
    root = parse(command)
    home = home_dir(env)
    line = Line(home=home, env={"HOME": home})
    ctx = Ctx(line=line, cwd=cwd if cwd.startswith("/") else None)
    try:
        walk(root, ctx)
        _uncalled_functions(line)
    except InputError:
        raise
    except RecursionError:
        raise InputError("shell: command nests too deeply to analyse") from None
    except Exception as exc:  # noqa: BLE001 - fail closed: an analyzer bug must deny, not allow
        raise InputError(f"shell: cannot analyse command ({exc.__class__.__name__}: {exc})") from None
    effects = line.effects
    if not effects:
        effects.append(Effect(Verb.READ, "shell (no command)", detail="nothing runs"))
    return effects
