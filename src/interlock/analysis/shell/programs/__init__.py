"""Program knowledge: one module per family, each exporting HANDLERS {name: handler}.

A handler takes the Cmd and returns the command's own effects (nested commands it runs are
analysed through cmd.run_words / cmd.run_text and emitted directly).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ....effects import Effect

Handler = Callable[["Cmd"], list[Effect]]  # noqa: F821 - Cmd is model.Cmd

_REGISTRY: dict[str, Handler] | None = None
# Versioned or suffixed names of the same program (python3.12, mkfs.ext4, pip3.11).
_ALIASES = (
    (re.compile(r"python[0-9.]*|pypy[0-9.]*"), "python"),
    (re.compile(r"pip[0-9.]*"), "pip"),
    (re.compile(r"mkfs\..+|mke2fs|mkswap|mkfs"), "mkfs"),
    (re.compile(r"perl[0-9.]*"), "perl"),
    (re.compile(r"ruby[0-9.]*"), "ruby"),
    (re.compile(r"php[0-9.]*"), "php"),
    (re.compile(r"node[0-9.]*|nodejs"), "node"),
    (re.compile(r"psql-?[0-9.]+"), "psql"),
)


def _registry() -> dict[str, Handler]:
    global _REGISTRY
    if _REGISTRY is None:
        from . import (
            builtins,
            cloud,
            codecs,
            containers,
            databases,
            editors,
            files,
            git,
            iac,
            interlock_cmd,
            interp,
            kube,
            network,
            packages,
            platforms,
            readonly,
            system,
            wrappers,
        )

        reg: dict[str, Handler] = {}
        for mod in (readonly, builtins, files, codecs, wrappers, interp, network, git, kube, cloud, iac,
                    containers, system, databases, packages, editors, platforms, interlock_cmd):
            reg.update(mod.HANDLERS)
        _REGISTRY = reg
    return _REGISTRY


def lookup(name: str) -> Handler:
    reg = _registry()
    h = reg.get(name)
    if h is not None:
        return h
    for rx, canon in _ALIASES:
        if rx.fullmatch(name):
            return reg[canon]
    return reg["__unknown__"]
