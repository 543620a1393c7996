"""`interlock install AGENT`: wire `interlock-hook AGENT` into an agent's settings, safely.

Merges into the existing file: unknown keys and other hooks stay, a second run changes nothing
(our entry is found by its command and updated in place), the old file is kept as
`NAME.bak-<timestamp>`, a file that is not valid JSON is refused, `--dry-run` prints the diff.
What each agent's file looks like is data (TARGETS), sourced in docs/agents.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKERS = ("interlock-hook", "interlock.hookclient", "interlock hook")
HOOK_TIMEOUT_S = 30  # our own deadline is 8 s; the agent's must be longer or it fails open


class InstallError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    project: str          # path under the project directory
    user: str             # path under the home directory
    events: tuple[str, ...]
    entry: Callable[[str], dict[str, Any]]  # command -> one entry in hooks[event]
    grouped: bool         # entries hold {"matcher", "hooks": [...]} (Claude style)
    top: Callable[[], dict[str, Any]] = dict  # skeleton of a new file


def _claude_entry(command: str) -> dict[str, Any]:
    return {"matcher": "*", "hooks": [{"type": "command", "command": command,
                                       "timeout": HOOK_TIMEOUT_S}]}


def _codex_entry(command: str) -> dict[str, Any]:
    return {"matcher": ".*", "hooks": [{"type": "command", "command": command,
                                        "timeout": HOOK_TIMEOUT_S}]}


def _gemini_entry(command: str) -> dict[str, Any]:
    return {"matcher": ".*", "hooks": [{"type": "command", "name": "interlock",
                                        "command": command, "timeout": HOOK_TIMEOUT_S * 1000,
                                        "description": "interlock: decide before the tool runs"}]}


def _cursor_entry(command: str) -> dict[str, Any]:
    # failClosed: a hook that crashes or times out blocks instead of letting the action run.
    return {"command": command, "failClosed": True}


def _kiro_entry(command: str) -> dict[str, Any]:
    return {"matcher": "*", "command": command, "timeout_ms": HOOK_TIMEOUT_S * 1000}


def _kiro_agent() -> dict[str, Any]:
    # A Kiro agent file without "tools" has no tools at all: a new one gets all of them.
    return {"name": "interlock", "description": "Kiro's tools, each decided by interlock first",
            "tools": ["*"]}


TARGETS: dict[str, Target] = {
    "claude-code": Target(".claude/settings.json", ".claude/settings.json", ("PreToolUse",),
                          _claude_entry, True),
    "codex": Target(".codex/hooks.json", ".codex/hooks.json", ("PreToolUse",), _codex_entry,
                    True),
    "gemini": Target(".gemini/settings.json", ".gemini/settings.json", ("BeforeTool",),
                     _gemini_entry, True),
    "cursor": Target(".cursor/hooks.json", ".cursor/hooks.json",
                     # preToolUse (no matcher: every tool) gates Cursor's own file edits,
                     # which have no dedicated before-event; the others also fire in
                     # releases (and the CLI) that lack preToolUse.
                     ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile",
                      "preToolUse"),
                     _cursor_entry, False, lambda: {"version": 1}),
    "kiro": Target(".kiro/agents/interlock.json", ".kiro/agents/interlock.json", ("preToolUse",),
                   _kiro_entry, False, _kiro_agent),
}


def hook_command(agent: str) -> str:
    """Absolute path of `interlock-hook` (agents run hooks with their own PATH), else the module."""
    import shlex
    import shutil

    here = Path(sys.argv[0]).resolve().parent if sys.argv and sys.argv[0] else None
    for candidate in filter(None, [shutil.which("interlock-hook"),
                                   here and str(here / "interlock-hook"),
                                   str(Path(sys.executable).parent / "interlock-hook")]):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return f"{shlex.quote(os.path.abspath(candidate))} {agent}"
    return f"{shlex.quote(sys.executable)} -m interlock.hookclient {agent}"


def _ours(hook: Any) -> bool:
    return isinstance(hook, dict) and isinstance(hook.get("command"), str) and any(
        m in hook["command"] for m in MARKERS)


def merge(agent: str, settings: dict[str, Any], command: str) -> dict[str, Any]:
    """settings with our hook in every event it needs; everything else untouched."""
    target = TARGETS[agent]
    out = json.loads(json.dumps(settings))  # deep copy, JSON types only
    hooks = out.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise InstallError("its \"hooks\" is not an object; fix it by hand first")
    for event in target.events:
        entries = hooks.setdefault(event, [])
        if not isinstance(entries, list):
            raise InstallError(f"its hooks.{event} is not a list; fix it by hand first")
        found = False
        for entry in entries:
            inner = entry.get("hooks") if target.grouped and isinstance(entry, dict) else [entry]
            for hook in inner if isinstance(inner, list) else []:
                if _ours(hook):
                    if not found:
                        hook["command"] = command  # refresh a moved install path
                    found = True
        if not found:
            entries.append(target.entry(command))
    return out


def settings_path(agent: str, project: str | None, user: bool) -> Path:
    target = TARGETS[agent]
    if user:
        return Path.home() / target.user
    return Path(project or ".").resolve() / target.project


def install(agent: str, path: Path, *, dry_run: bool = False, command: str | None = None,
            out: Callable[[str], None] = print) -> int:
    target = TARGETS[agent]
    command = command or hook_command(agent)
    old_text: str | None = None
    if path.exists():
        try:
            old_text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InstallError(f"cannot read {path}: {e}") from None
    if old_text is not None and old_text.strip():
        try:
            current = json.loads(old_text)
        except ValueError as e:
            raise InstallError(f"{path} is not valid JSON ({e}); refusing to touch it. Fix or "
                               "move it, then run install again") from None
        if not isinstance(current, dict):
            raise InstallError(f"{path} does not hold a JSON object; refusing to touch it")
    else:
        current = target.top()
    try:
        merged = merge(agent, current, command)
    except InstallError as e:
        raise InstallError(f"{path}: {e}") from None
    new_text = json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    if merged == current and old_text is not None:
        out(f"{path}: interlock is already installed for {agent}; nothing to change")
        return 0
    import shutil
    import time

    if dry_run:
        import difflib

        before = (json.dumps(current, indent=2, ensure_ascii=False) + "\n") if old_text else ""
        out("".join(difflib.unified_diff(before.splitlines(True), new_text.splitlines(True),
                                         str(path), f"{path} (with interlock)")) or "(no change)")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    if old_text is not None:
        backup = path.with_name(f"{path.name}.bak-{time.strftime('%Y%m%d%H%M%S')}")
        n = 1
        while backup.exists():
            backup = path.with_name(f"{path.name}.bak-{time.strftime('%Y%m%d%H%M%S')}-{n}")
            n += 1
        shutil.copy2(path, backup)
        out(f"backed up {path} to {backup}")
    tmp = path.with_name(f".{path.name}.interlock-tmp")
    tmp.write_text(new_text, encoding="utf-8")
    if old_text is not None:
        shutil.copymode(path, tmp)
    os.replace(tmp, path)
    out(f"installed interlock for {agent} in {path} ({', '.join(target.events)}: {command})")
    return 0


def register(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]
             ) -> Callable[[argparse.Namespace], int]:
    p = sub.add_parser("install", help="wire interlock's hook into an agent's settings",
                       description="Merge `interlock-hook AGENT` into the agent's hook settings: "
                       "backup first, idempotent, never drops existing hooks.")
    p.add_argument("agent", choices=tuple(TARGETS), metavar="AGENT",
                   help="claude-code | gemini | cursor | kiro | codex")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--project", metavar="DIR", help="the project's settings (default: .)")
    where.add_argument("--user", action="store_true", help="the user's settings under ~")
    p.add_argument("--dry-run", action="store_true", help="print the change as a diff")
    p.add_argument("--hook-command", metavar="CMD", help="the full command the agent runs (default: "
                   "the absolute path of interlock-hook and the agent name)")
    return _run


def _run(args: argparse.Namespace) -> int:
    path = settings_path(args.agent, args.project, args.user)
    try:
        return install(args.agent, path, dry_run=args.dry_run,
                       command=args.hook_command and f"{args.hook_command}")
    except (InstallError, OSError) as e:
        print(f"interlock install: {e}", file=sys.stderr)
        return 1
