"""Claude Code PreToolUse hooks (https://code.claude.com/docs/en/hooks).

stdin: {"session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name":
"PreToolUse", "tool_name", "tool_input", "tool_use_id"}; file paths in tool_input are absolute.
Output forms: interlock.hookclient.FORMS["claude-code"] (deny = exit 2 + reason on stderr).
"""

from __future__ import annotations

from .common import Tool, split_prefixed

NAME = "claude-code"
EVENTS = ("PreToolUse",)
CWD_FIELDS = ("cwd",)

TOOLS: dict[str, Tool] = {
    "Bash": Tool("shell", {"command": ("command",)}),
    "Write": Tool("write", {"path": ("file_path",), "content": ("content",)}),
    "Edit": Tool("edit", {"path": ("file_path",), "content": ("new_string",)}),
    "MultiEdit": Tool("edit", {"path": ("file_path",), "content": ("new_string",),
                               "edits": ("edits",)}),
    "NotebookEdit": Tool("edit", {"path": ("notebook_path",), "content": ("new_source",)}),
    "Read": Tool("read", {"path": ("file_path",)}),
    "NotebookRead": Tool("read", {"path": ("notebook_path",)}),
    "LS": Tool("list", {"path": ("path",)}),
    "Glob": Tool("list", {"path": ("path",)}),
    "Grep": Tool("search", {"path": ("path",), "pattern": ("pattern",)}),
    "WebFetch": Tool("fetch", {"url": ("url",)}),
    # No effect outside the conversation. Task starts a subagent whose own tool calls come
    # through this hook; WebSearch sends a query to Anthropic's search, not to a target.
    "Task": Tool("inert"), "TodoWrite": Tool("inert"), "WebSearch": Tool("inert"),
    "ExitPlanMode": Tool("inert"), "AskUserQuestion": Tool("inert"), "BashOutput": Tool("inert"),
    "KillShell": Tool("inert"), "KillBash": Tool("inert"),
}


def mcp_name(name: str) -> tuple[str, str] | None:
    return split_prefixed(name, "mcp__", "__")
