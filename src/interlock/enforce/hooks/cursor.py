"""Cursor hooks (https://cursor.com/docs/agent/hooks; `.cursor/hooks.json` or
`~/.cursor/hooks.json`, {"version": 1, "hooks": {EVENT: [{"command": …}]}}).

Cursor has one event per kind of action instead of one tool-call event:
beforeShellExecution {command, cwd}, beforeMCPExecution {tool_name, tool_input (object or JSON
text), url? | command?}, beforeReadFile {file_path, content}. Common fields: hook_event_name,
conversation_id, generation_id, workspace_roots. Answer: {"permission": "allow"|"deny"|"ask",
"user_message", "agent_message"} (FORMS["cursor"]).
"""

from __future__ import annotations

import posixpath
from typing import Any

from .common import Call, Tool

NAME = "cursor"
EVENTS = ("beforeShellExecution", "beforeMCPExecution", "beforeReadFile")
CWD_FIELDS = ("cwd",)

# event -> (tool name we report, Tool)
BY_EVENT: dict[str, Tool] = {
    "beforeShellExecution": Tool("shell", {"command": ("command",), "cwd": ("cwd",)}),
    "beforeReadFile": Tool("read", {"path": ("file_path",)}),
    "beforeMCPExecution": Tool("mcp"),
}
TOOLS: dict[str, Tool] = {}


def calls(payload: dict[str, Any], cwd: str, env: dict[str, str]) -> list[tuple[Call, Tool]]:
    from ...errors import InputError

    event = payload.get("hook_event_name")
    spec = BY_EVENT.get(event) if isinstance(event, str) else None
    if spec is None:
        raise InputError(f"cursor: unsupported hook event {event!r}; interlock answers "
                         f"{', '.join(EVENTS)}")
    roots = payload.get("workspace_roots")
    base = payload.get("cwd") if isinstance(payload.get("cwd"), str) else None
    if not base and isinstance(roots, list) and roots and isinstance(roots[0], str):
        base = roots[0]
    name = payload.get("tool_name") if spec.kind == "mcp" else event
    return [(Call(NAME, str(name), payload, base or cwd, env), spec)]


def mcp_server(payload: dict[str, Any]) -> tuple[str, str]:
    """(server, tool): "MCP:server:tool" when Cursor names it so; else the server's URL host or
    command name (what the operator's inventory and overrides can name)."""
    name = payload.get("tool_name")
    name = name if isinstance(name, str) else ""
    if name.startswith("MCP:") and name.count(":") >= 2:
        _, server, tool = name.split(":", 2)
        return server, tool
    url, command = payload.get("url"), payload.get("command")
    if isinstance(url, str) and "://" in url:
        host = url.split("://", 1)[1].split("/", 1)[0]
        return host or "unknown", name
    if isinstance(command, str) and command.strip():
        return posixpath.basename(command.split()[0]) or "unknown", name
    return "unknown", name


def mcp_arguments(payload: dict[str, Any]) -> Any:
    return payload.get("tool_input", {})

