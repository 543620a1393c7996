"""Cursor hooks (https://cursor.com/docs/hooks; `.cursor/hooks.json` or `~/.cursor/hooks.json`,
{"version": 1, "hooks": {EVENT: [{"command": …, "failClosed": true}]}}).

Events interlock answers (common fields: hook_event_name, conversation_id, generation_id,
workspace_roots, cursor_version, model, transcript_path?):
* beforeShellExecution {command, cwd}
* beforeMCPExecution {tool_name, tool_input (object or JSON text), url? | command?}
* beforeReadFile {file_path, content, attachments}
* preToolUse {tool_name, tool_input, tool_use_id, cwd}: the generic event for every agent tool
  (Shell, Read, Write, Edit, Delete, Grep, Glob, LS, Task, MCP:…). Field names of the file tools
  are inferred from cursor-agent's tool-call records (path, contents …): every spelling seen is
  listed, and a call whose path cannot be found is denied.
Answer: {"permission": "allow"|"deny", "user_message", "agent_message"} (FORMS["cursor"]);
preToolUse accepts "ask" in its schema but does not enforce it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Set as AbstractSet
from typing import Any

from ...errors import InputError
from .common import Call, Tool

NAME = "cursor"
EVENTS = ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile", "preToolUse")
CWD_FIELDS = ("cwd",)

BY_EVENT: dict[str, Tool] = {
    "beforeShellExecution": Tool("shell", {"command": ("command",), "cwd": ("cwd",)}),
    "beforeReadFile": Tool("read", {"path": ("file_path",)}),
    "beforeMCPExecution": Tool("mcp"),
}

_PATH = ("path", "file_path", "target_file", "filePath")
_DIR = ("path", "target_directory", "directory", "dir_path")
_EDIT = Tool("edit", {"path": _PATH, "content": ("new_string", "newText", "contents",
                                                    "content", "code_edit"),
                      "edits": ("edits",)})
_INERT = Tool("inert")
# preToolUse tools that beforeShellExecution / beforeReadFile / beforeMCPExecution decide.
DEDICATED = frozenset({"Shell", "Read"})
# preToolUse: tool_name -> Tool, for the tools that have no dedicated before-event.
TOOLS: dict[str, Tool] = {
    "Write": Tool("write", {"path": _PATH, "content": ("contents", "content", "file_text")}),
    "Edit": _EDIT, "StrReplace": _EDIT, "MultiEdit": _EDIT, "MultiStrReplace": _EDIT,
    "EditNotebook": _EDIT,
    "Delete": Tool("delete", {"path": _PATH}),
    "LS": Tool("list", {"path": _DIR}),
    "Glob": Tool("list", {"path": _DIR}),
    "Grep": Tool("search", {"path": _DIR, "pattern": ("pattern",)}),
    "WebFetch": Tool("fetch", {"url": ("url",)}),
    # Subagent (its tool calls come through these hooks), searches of the index or the web,
    # the session's own to-do list.
    **{name: _INERT for name in ("Task", "SemanticSearch", "SemSearch", "WebSearch", "TodoWrite",
                                 "UpdateTodos")},
}


def calls(payload: dict[str, Any], cwd: str, env: dict[str, str],
          allow_tools: AbstractSet[str] = frozenset()) -> list[tuple[Call, Tool]]:
    event = payload.get("hook_event_name")
    if event == "preToolUse":
        return [_pre_tool_use(payload, cwd, env, allow_tools)]
    spec = BY_EVENT.get(event) if isinstance(event, str) else None
    if spec is None:
        raise InputError(f"cursor: unsupported hook event {event!r}; interlock answers "
                         f"{', '.join(EVENTS)}")
    base = _base(payload, cwd)
    name = payload.get("tool_name") if spec.kind == "mcp" else event
    call = Call(NAME, str(name), payload, base, env)
    if spec.kind == "mcp":
        call.mcp = mcp_server(payload)
        call.input = payload.get("tool_input", {})
    return [(call, spec)]


def _base(payload: dict[str, Any], cwd: str) -> str:
    # cwd may be "" (a known Cursor edge case): fall back to the first workspace root.
    base = payload.get("cwd")
    roots = payload.get("workspace_roots")
    if (not isinstance(base, str) or not posixpath.isabs(base)) and isinstance(roots, list) \
            and roots and isinstance(roots[0], str) and posixpath.isabs(roots[0]):
        base = roots[0]
    return base if isinstance(base, str) and posixpath.isabs(base) else cwd


def _pre_tool_use(payload: dict[str, Any], cwd: str, env: dict[str, str],
                  allow_tools: AbstractSet[str]) -> tuple[Call, Tool]:
    name = payload.get("tool_name")
    if not isinstance(name, str) or not name:
        raise InputError("cursor preToolUse: the hook input has no tool_name")
    tool_input = payload.get("tool_input", {})
    call = Call(NAME, name, tool_input, _base(payload, cwd), env)
    if name.startswith("MCP:"):  # its arguments may come as JSON text; the MCP event decides
        return call, _INERT
    if not isinstance(tool_input, dict):
        raise InputError(f"cursor {name}: tool_input must be a JSON object")
    if name in DEDICATED:
        # Decided once, by the dedicated event `install` registers beside preToolUse (which
        # also knows the MCP server). Deciding twice would file the approval twice and spend
        # the grant on the first hook, so the approved action would be blocked by the second.
        return call, _INERT
    spec = TOOLS.get(name) or (_INERT if name in allow_tools else None)
    if spec is None:
        raise InputError(f"cursor: unknown tool {name!r}; interlock denies tools it cannot see "
                         "through (an operator can allow it with --allow-tool)")
    return call, spec


def mcp_server(payload: dict[str, Any]) -> tuple[str, str]:
    """(server, tool): "MCP:server:tool" when Cursor names it so; else the server's URL host or
    command name (what the operator's inventory and overrides can name); else "unknown", which
    the inventory resolves to the default tier. "MCP:tool" (preToolUse) names no server."""
    name = payload.get("tool_name")
    name = name if isinstance(name, str) else ""
    if name.startswith("MCP:") and name.count(":") >= 2:
        _, server, tool = name.split(":", 2)
        return server, tool
    tool = name.removeprefix("MCP:")
    url, command = payload.get("url"), payload.get("command")
    if isinstance(url, str) and "://" in url:
        host = url.split("://", 1)[1].split("/", 1)[0]
        return host or "unknown", tool
    if isinstance(command, str) and command.strip():
        return _server_program(command.split()) or "unknown", tool
    return "unknown", tool


# Package runners: the server is the package they start, not the runner.
_RUNNERS = {"npx", "bunx", "uvx", "pipx", "pnpx"}


def _server_program(argv: list[str]) -> str:
    name = posixpath.basename(argv[0])
    if name in _RUNNERS:
        rest = [a for a in argv[1:] if not a.startswith("-") and a != "run"]
        if rest:
            return rest[0]
    return name
