"""Shell builtins that change the line's state: cd/pushd/popd, read."""

from __future__ import annotations

from ....effects import Effect, Verb
from .. import fx
from ..model import DYN, Cmd
from . import Handler


def cd(cmd: Cmd) -> list[Effect]:
    ctx = cmd.ctx
    args = [w for w in cmd.args if not (w.text.startswith("-") and w.text not in ("-",))
            or w.dynamic]
    if cmd.name == "popd" or (args and args[0].text == "-"):
        ctx.cwd = None
    elif not args:
        ctx.cwd = ctx.line.home if cmd.name == "cd" else ctx.cwd
    elif args[0].dynamic or args[0].glob:
        ctx.cwd = None
    else:
        ctx.cwd = ctx.abspath(args[0].text)
    return [fx.eff(Verb.READ, f"cd {ctx.cwd or '(unknown directory)'}", detail="changes directory")]


def read(cmd: Cmd) -> list[Effect]:
    for w in cmd.args:
        if not w.text.startswith("-") and w.text.replace("_", "a").isalnum():
            cmd.ctx.vars[w.text] = DYN
    return [fx.eff(Verb.READ, "command read", detail="reads input")]


def alias(cmd: Cmd) -> list[Effect]:
    """`alias NAME=VALUE`: later commands named NAME run VALUE (dispatch expands it)."""
    defined = False
    for w in cmd.args:
        name, eq, value = w.text.partition("=")
        if eq and name and not name.startswith("-") and DYN not in name:
            cmd.ctx.aliases[name] = value if DYN not in value else "${__interlock_unknown}"
            defined = True
    return [fx.eff(Verb.READ, "command alias", detail="defines an alias" if defined else "lists")]


def unalias(cmd: Cmd) -> list[Effect]:
    for w in cmd.args:
        if w.text == "-a":
            cmd.ctx.aliases.clear()
        cmd.ctx.aliases.pop(w.text, None)
    return [fx.eff(Verb.READ, "command unalias")]


HANDLERS: dict[str, Handler] = {"alias": alias, "unalias": unalias, "cd": cd, "pushd": cd,
                                "popd": cd, "chdir": cd, "read": read,
                                "mapfile": read, "readarray": read}
