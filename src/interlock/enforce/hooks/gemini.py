"""Gemini CLI BeforeTool hooks (google-gemini/gemini-cli docs/hooks/reference.md,
docs/tools/*.md).

stdin: {"session_id", "transcript_path", "cwd", "hook_event_name": "BeforeTool", "timestamp",
"tool_name", "tool_input", "mcp_context"?}. Output: FORMS["gemini"] (deny = exit 2 + stderr, and
{"decision": "deny", "reason"} on stdout).
"""

from __future__ import annotations

from .common import Tool, split_prefixed

NAME = "gemini"
EVENTS = ("BeforeTool",)
CWD_FIELDS = ("cwd",)
_PATH = ("file_path", "absolute_path", "path")
_DIR = ("dir_path", "path", "directory")

TOOLS: dict[str, Tool] = {
    "run_shell_command": Tool("shell", {"command": ("command",),
                                        "cwd": ("dir_path", "directory")}),
    "write_file": Tool("write", {"path": _PATH, "content": ("content",)}),
    "replace": Tool("edit", {"path": _PATH, "content": ("new_string",)}),
    "read_file": Tool("read", {"path": _PATH}),
    "read_many_files": Tool("read", {"paths": ("paths", "include")}),
    "list_directory": Tool("list", {"path": _DIR}),
    "glob": Tool("list", {"path": _DIR}),
    "search_file_content": Tool("search", {"path": _DIR, "pattern": ("pattern",)}),
    "grep": Tool("search", {"path": _DIR, "pattern": ("pattern",)}),
    "web_fetch": Tool("fetch", {"url": ("url",), "prompt": ("prompt",)}),
    "google_web_search": Tool("inert"), "write_todos": Tool("inert"),
    # save_memory appends to ~/.gemini/GEMINI.md: a write like any other.
    "save_memory": Tool("write", {"path": ("__gemini_memory__",), "content": ("fact",)}),
}
MEMORY_FILE = "~/.gemini/GEMINI.md"


def prepare(tool: str, tool_input: dict) -> dict:
    if tool == "save_memory":
        return {**tool_input, "__gemini_memory__": MEMORY_FILE}
    return tool_input


def mcp_name(name: str) -> tuple[str, str] | None:
    return split_prefixed(name, "mcp__", "__")
