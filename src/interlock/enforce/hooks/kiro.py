"""Kiro CLI preToolUse hooks (https://kiro.dev/docs/cli/hooks; hooks live in an agent
configuration, `.kiro/agents/NAME.json` or `~/.kiro/agents/NAME.json`).

stdin: {"hook_event_name": "preToolUse", "cwd", "tool_name", "tool_input"}. Exit 2 blocks and
stderr goes to the model; any other non-zero exit only warns. Built-in tools are execute_bash /
fs_write / fs_read / use_aws (shell / write / read / aws in newer releases, plus web_fetch,
web_search, glob, grep: kiro.dev/docs/cli/reference/built-in-tools); MCP tools are matched as
@server/tool. Tools absent here (knowledge, use_subagent, delegate …) are denied. The Kiro IDE's `.kiro/hooks/*.kiro.hook` preToolUse hooks receive no
tool input (kirodotdev/Kiro#7408), so they cannot gate anything: use the CLI hook.
"""

from __future__ import annotations

from .common import Tool, split_prefixed

NAME = "kiro"
EVENTS = ("preToolUse", "PreToolUse")
CWD_FIELDS = ("cwd",)
_SHELL = Tool("shell", {"command": ("command",), "cwd": ("working_dir", "cwd")})
_WRITE = Tool("edit", {"path": ("path",), "content": ("file_text", "new_str", "content")})
_READ = Tool("read", {"path": ("path",), "operations": ("operations",)})
_AWS = Tool("aws", {"service": ("service_name",), "operation": ("operation_name",),
                    "profile": ("profile_name",), "region": ("region",),
                    "parameters": ("parameters",)})

TOOLS: dict[str, Tool] = {
    "execute_bash": _SHELL, "execute_cmd": _SHELL, "shell": _SHELL,
    "fs_write": _WRITE, "write": _WRITE,
    "fs_read": _READ, "read": _READ,
    "use_aws": _AWS, "aws": _AWS,
    "web_fetch": Tool("fetch", {"url": ("url",)}),
    "glob": Tool("list", {"path": ("path",)}),
    "grep": Tool("search", {"path": ("path",), "pattern": ("pattern",)}),
    "web_search": Tool("inert"),
    "report_issue": Tool("inert"), "thinking": Tool("inert"), "todo_list": Tool("inert"),
    "introspect": Tool("inert"),
}


def mcp_name(name: str) -> tuple[str, str] | None:
    # "@server/tool" as the matchers spell it; "server___tool" as some releases name them.
    if name.startswith("@"):
        server, found, tool = name[1:].partition("/")
        return (server, tool) if found else ("", "")
    return split_prefixed(name, "mcp__", "__")
