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


def shift(cmd: Cmd) -> list[Effect]:
    """`shift [n]` drops known positional parameters (unknown n: they become unknown)."""
    ctx = cmd.ctx
    if ctx.positional is not None:
        n = cmd.args[0].text if cmd.args else "1"
        ctx.positional = ctx.positional[int(n):] if n.isdigit() else None
    return [fx.eff(Verb.READ, "command shift")]


def hash_builtin(cmd: Cmd) -> list[Effect]:
    """`hash -p /bin/rm x`: later commands named x run /bin/rm (like an alias)."""
    texts = [w.text for w in cmd.args]
    if "-p" in texts:
        i = texts.index("-p")
        if i + 2 < len(texts) + 1 and len(texts) > i + 2:
            path, names = cmd.args[i + 1], cmd.args[i + 2:]
            value = path.text if not path.dynamic else "${__interlock_unknown}"
            for n in names:
                if not n.dynamic and not n.text.startswith("-"):
                    cmd.ctx.aliases[n.text] = value
            return [fx.eff(Verb.READ, "command hash", detail=f"hash -p {path.show}")]
    return [fx.eff(Verb.READ, "command hash", detail=cmd.argv_text[:80])]


def set_builtin(cmd: Cmd) -> list[Effect]:
    """`set -- a b` (or `set a b`) replaces the positional parameters; `set` alone prints
    every shell variable, exported secrets included."""
    texts = [w.text for w in cmd.args]
    if not texts:
        from ..model import Stream

        cmd.stdout = Stream("secret", "environment")
        return [fx.eff(Verb.READ_SECRET, "environment variables",
                       detail="set: prints every shell variable (may hold secrets)")]
    if "--" in texts:
        cmd.ctx.positional = tuple(texts[texts.index("--") + 1 :])
    elif texts and not texts[0].startswith(("-", "+")):
        cmd.ctx.positional = tuple(texts)
    elif any(w.dynamic for w in cmd.args):
        cmd.ctx.positional = None
    return [fx.eff(Verb.READ, "command set", detail=cmd.argv_text[:80])]


HANDLERS: dict[str, Handler] = {"shift": shift, "set": set_builtin, "hash": hash_builtin, "alias": alias, "unalias": unalias, "cd": cd, "pushd": cd,
                                "popd": cd, "chdir": cd, "read": read,
                                "mapfile": read, "readarray": read}
