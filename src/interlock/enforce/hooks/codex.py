"""OpenAI Codex PreToolUse hooks (`~/.codex/hooks.json` or `[[hooks.PreToolUse]]` in
config.toml; Claude-compatible payload and output).

stdin: {"session_id", "turn_id", "cwd", "hook_event_name": "PreToolUse", "tool_name",
"tool_input", "tool_use_id"}. Shell calls arrive as tool_name "Bash" with tool_input.command;
apply_patch edits as "apply_patch" with the patch text in tool_input.command; MCP tools as
mcp__SERVER__TOOL (openai/codex PRs #15211 (Bash-only PreToolUse, deny only), #18391
(apply_patch), #20527 (updatedInput); codex-rs/hooks/schema/generated/
pre-tool-use.command.output.schema.json: additionalProperties false, so the deny JSON carries
only hookSpecificOutput{hookEventName, permissionDecision, permissionDecisionReason}).
Releases before #18391 fire PreToolUse for shell calls only: their file edits are not gated.
"""

from __future__ import annotations

from .common import Tool, split_prefixed

NAME = "codex"
EVENTS = ("PreToolUse",)
CWD_FIELDS = ("cwd",)

TOOLS: dict[str, Tool] = {
    "Bash": Tool("shell", {"command": ("command", "cmd"), "cwd": ("workdir",)}),
    "shell": Tool("shell", {"command": ("command", "cmd"), "cwd": ("workdir",)}),
    "shell_command": Tool("shell", {"command": ("command", "cmd"), "cwd": ("workdir",)}),
    "local_shell": Tool("shell", {"command": ("command", "cmd"), "cwd": ("workdir",)}),
    "exec_command": Tool("shell", {"command": ("cmd", "command"), "cwd": ("workdir",)}),
    "apply_patch": Tool("patch", {"patch": ("command", "input", "patch")}),
    "update_plan": Tool("inert"),
}


def mcp_name(name: str) -> tuple[str, str] | None:
    return split_prefixed(name, "mcp__", "__")
