"""The real plan behind a shell `terraform apply` / `destroy` (for a guarded environment).

The command line of `terraform apply` says nothing about what it will change; the plan does.
`plan_for_shell` turns the apply's argv into the equivalent `plan -out` (same variables,
targets, replace and destroy flags), runs it in a private directory, and returns the JSON of
`show -json`. Anything it does not understand, or any failure, is None: the caller keeps its
command-line verdict (fail closed), never an allow.

`plan` is read-only for the infrastructure (it refreshes into memory; it does not write the
state), so running it before deciding is safe where interlock holds the credentials.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InterlockError

BINARIES = ("terraform", "tofu")  # terragrunt: its plan files live in its cache; not supported
SUBCOMMAND_PLAN_ARGS = {"apply": (), "destroy": ("-destroy",)}
# apply flags that mean the same to plan: taking a value (`-x V` or `-x=V`) …
PLAN_VALUE_FLAGS = frozenset(("-var", "-var-file", "-target", "-replace", "-exclude",
                              "-parallelism", "-lock-timeout"))
# … or boolean (`-x` or `-x=BOOL`).
PLAN_BOOL_FLAGS = frozenset(("-destroy", "-refresh-only", "-refresh", "-lock"))
# apply-only flags that do not change what would be applied.
IGNORED_FLAGS = frozenset(("-auto-approve", "-input", "-no-color", "-compact-warnings", "-json",
                           "-concise", "-show-sensitive"))
DEFAULT_TIMEOUT = 120.0


def _flag_name(arg: str) -> str:
    return "-" + arg.split("=", 1)[0].lstrip("-")


def plan_args(argv: Sequence[str]) -> tuple[str | None, list[str], str | None] | None:
    """(chdir, plan arguments, saved plan path) for a terraform/tofu apply or destroy argv;
    None for anything else or anything not understood."""
    if not argv or Path(argv[0]).name not in BINARIES:
        return None
    i, chdir = 1, None
    while i < len(argv) and argv[i].startswith("-"):
        if _flag_name(argv[i]) == "-chdir" and "=" in argv[i]:
            chdir = argv[i].split("=", 1)[1]
            i += 1
            continue
        return None  # -help, -version, anything else
    if i >= len(argv) or argv[i] not in SUBCOMMAND_PLAN_ARGS:
        return None
    out = list(SUBCOMMAND_PLAN_ARGS[argv[i]])
    saved: str | None = None
    rest = list(argv[i + 1:])
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--" or arg == "-" or not arg.startswith("-"):
            # Go's flag parsing stops here: what follows is positional, at most a saved plan.
            tail = rest[j + 1:] if arg == "--" else rest[j:]
            if len(tail) > 1 or (tail and argv[i] == "destroy"):
                return None
            saved = tail[0] if tail else None
            break
        name = _flag_name(arg)
        if name in PLAN_VALUE_FLAGS:
            if "=" in arg:
                out.append(arg)
            elif j + 1 < len(rest):
                out += [arg, rest[j + 1]]
                j += 1
            else:
                return None
        elif name in PLAN_BOOL_FLAGS:
            out.append(arg)
        elif name not in IGNORED_FLAGS:
            return None
        j += 1
    if saved is not None and len(out) > len(SUBCOMMAND_PLAN_ARGS[argv[i]]):
        return None  # planning options next to a saved plan: terraform rejects that itself
    return chdir, out, saved


def plan_for_shell(cwd: str | os.PathLike[str], argv: Sequence[str], *,
                   environ: Mapping[str, str] | None = None,
                   timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any] | None:
    """The `show -json` plan that `argv` (terraform|tofu [-chdir=D] apply|destroy …) would
    apply from `cwd`, or None when it cannot be computed."""
    from .planfile import private_dir
    from .runner import Terraform

    parsed = plan_args(argv)
    if parsed is None:
        return None
    chdir, args, saved = parsed
    env = dict(os.environ if environ is None else environ)
    binary = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=env.get("PATH"))
    if binary is None:
        return None
    workdir = Path(cwd, chdir) if chdir else Path(cwd)
    tmp = None
    try:
        tf = Terraform(binary, workdir, env, timeout)
        if saved is not None:
            return tf.show_json(Path(workdir, saved))
        tmp = private_dir("interlock-shellplan-")
        tf.plan(tmp / "plan.tfplan", args)
        return tf.show_json(tmp / "plan.tfplan")
    except (InterlockError, OSError, ValueError):
        return None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
