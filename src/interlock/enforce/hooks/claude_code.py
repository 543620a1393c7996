"""Claude Code PreToolUse hooks (https://code.claude.com/docs/en/hooks, tools-reference).

stdin: {"session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name":
"PreToolUse", "tool_name", "tool_input", "tool_use_id", "mcp_server"?: {"name", "source"}};
file paths in tool_input are absolute. Output forms: interlock.hookclient.FORMS["claude-code"]
(deny = exit 2 + reason on stderr; the JSON deny on stdout is read too and carries the same text).
"""

from __future__ import annotations

from typing import Any

from .common import Tool, split_prefixed

NAME = "claude-code"
EVENTS = ("PreToolUse",)
CWD_FIELDS = ("cwd",)

_INERT = Tool("inert")
TOOLS: dict[str, Tool] = {
    "Bash": Tool("shell", {"command": ("command",)}),
    # Windows: the primary shell where enabled; same fields as Bash (hooks reference "PowerShell").
    "PowerShell": Tool("powershell", {"command": ("command",)}),
    # Monitor runs a command in the background with Bash's permission rules; its WebSocket
    # source has no command and is denied (missing command).
    "Monitor": Tool("shell", {"command": ("command",)}),
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
    # No effect outside the conversation. Agent/Task start a subagent and Skill/Cron* queue
    # prompts whose own tool calls come through this hook; WebSearch sends a query to the
    # search backend, not to a target; the rest manage the session's own state.
    **{name: _INERT for name in (
        "Agent", "Task", "Skill", "TodoWrite", "TaskCreate", "TaskGet", "TaskList", "TaskUpdate",
        "TaskOutput", "TaskStop", "WebSearch", "EnterPlanMode", "ExitPlanMode", "AskUserQuestion",
        "BashOutput", "KillShell", "KillBash", "ToolSearch", "WaitForMcpServers", "LSP",
        "ListMcpResourcesTool", "ReadMcpResourceTool", "SendMessage", "SubagentHandback",
        "CronCreate", "CronDelete", "CronList", "ScheduleWakeup", "ReportFindings",
        "ExitWorktree", "EndConversation")},
    # Deliberately absent (denied unless --allow-tool): Workflow (runs a script), EnterWorktree
    # (creates a worktree), Artifact / SendUserFile / ShareOnboardingGuide / PushNotification /
    # RemoteTrigger (send data or start work outside this machine).
}


def mcp_name(name: str) -> tuple[str, str] | None:
    return split_prefixed(name, "mcp__", "__")


def mcp_target(payload: dict[str, Any], name: str) -> tuple[str, str] | None:
    """(server, tool). `mcp_server.name` (v2.1.274+) names the server even when it contains
    `__`; the tool is then what follows `mcp__<server>__`."""
    info = payload.get("mcp_server")
    server = info.get("name") if isinstance(info, dict) else None
    if isinstance(server, str) and server and name.startswith(f"mcp__{server}__"):
        return server, name[len(f"mcp__{server}__"):]
    return mcp_name(name)
