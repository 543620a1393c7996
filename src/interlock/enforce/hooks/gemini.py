"""Gemini CLI BeforeTool hooks (google-gemini/gemini-cli docs/hooks/reference.md,
docs/reference/tools.md, packages/core/src/tools/tool-names.ts, packages/core/src/hooks/types.ts).

stdin: {"session_id", "transcript_path", "cwd", "hook_event_name": "BeforeTool", "timestamp",
"tool_name", "tool_input", "mcp_context"?: {"server_name", "tool_name", "command"?, "url"?, …},
"original_request_name"?}. Output: FORMS["gemini"] (deny = exit 2 + stderr, and
{"decision": "deny", "reason"} on stdout).
"""

from __future__ import annotations

from typing import Any

from .common import Tool, split_prefixed

NAME = "gemini"
EVENTS = ("BeforeTool",)
CWD_FIELDS = ("cwd",)
_PATH = ("file_path", "absolute_path", "path")
_DIR = ("dir_path", "path", "directory")
_SEARCH = Tool("search", {"path": _DIR, "pattern": ("pattern",)})
_INERT = Tool("inert")

TOOLS: dict[str, Tool] = {
    "run_shell_command": Tool("shell", {"command": ("command",),
                                        "cwd": ("dir_path", "directory")}),
    "write_file": Tool("write", {"path": _PATH, "content": ("content",)}),
    "replace": Tool("edit", {"path": _PATH, "content": ("new_string",)}),
    "read_file": Tool("read", {"path": _PATH}),
    "read_many_files": Tool("read", {"paths": ("paths", "include")}),
    "list_directory": Tool("list", {"path": _DIR}),
    "glob": Tool("list", {"path": _DIR}),
    # grep_search is the current name; search_file_content its legacy alias (tool-names.ts).
    "grep_search": _SEARCH, "search_file_content": _SEARCH, "grep": _SEARCH,
    "web_fetch": Tool("fetch", {"url": ("url",), "prompt": ("prompt",)}),
    # save_memory appends to ~/.gemini/GEMINI.md: a write like any other.
    "save_memory": Tool("write", {"path": ("__gemini_memory__",), "content": ("fact",)}),
    # Session state, planning, questions to the user, Gemini's own docs, read-only subagents.
    **{name: _INERT for name in (
        "google_web_search", "write_todos", "ask_user", "activate_skill", "get_internal_docs",
        "enter_plan_mode", "exit_plan_mode", "complete_task", "update_topic",
        "tracker_create_task", "tracker_update_task", "tracker_get_task", "tracker_list_tasks",
        "tracker_add_dependency", "tracker_visualize", "codebase_investigator", "cli_help")},
}
MEMORY_FILE = "~/.gemini/GEMINI.md"


def prepare(tool: str, tool_input: dict) -> dict:
    if tool == "save_memory":
        return {**tool_input, "__gemini_memory__": MEMORY_FILE}
    return tool_input


def mcp_name(name: str) -> tuple[str, str] | None:
    return split_prefixed(name, "mcp__", "__")


def mcp_target(payload: dict[str, Any], name: str) -> tuple[str, str] | None:
    """(server, tool). `mcp_context` is present exactly for MCP tools and names both parts;
    without it only the documented `mcp__server__tool` spelling is trusted. Releases expose MCP
    tools as bare names, `server__tool` or `mcp_server_tool` too: those are only recognised
    through mcp_context (else unknown → denied), and a bare name equal to a built-in
    (`read_file`) is still decided as the MCP call it is."""
    ctx = payload.get("mcp_context")
    if not isinstance(ctx, dict):
        return mcp_name(name)
    server, tool = ctx.get("server_name"), ctx.get("tool_name")
    if not isinstance(server, str) or not server:
        return mcp_name(name) or ("", "")
    if not isinstance(tool, str) or not tool:  # older releases: derive it from the name
        tool = next((name[len(p):] for p in (f"mcp__{server}__", f"mcp_{server}_", f"{server}__")
                     if name.startswith(p)), name)
    return server, tool
