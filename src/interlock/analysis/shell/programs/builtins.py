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


HANDLERS: dict[str, Handler] = {"cd": cd, "pushd": cd, "popd": cd, "chdir": cd, "read": read,
                                "mapfile": read, "readarray": read}
