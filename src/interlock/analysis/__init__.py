"""Analyzers: one per tool, each turning a normalised Action input into Effects.

Imports are lazy so a shell decision does not pay for the SQL or Terraform parsers. An analyzer
never reads policy or inventory; it only says what the action would do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..actions import Action
from ..effects import Effect


def analyze(action: Action, environ: Mapping[str, str] | None = None) -> list[Effect]:
    inp = action.input
    tool = action.tool
    # The agent's environment (HOME decides what `~` and the dotfiles are).
    env = os.environ if environ is None else environ
    if tool == "shell":
        from .shell import analyze_shell

        return analyze_shell(inp["command"], inp["cwd"], env)
    if tool == "sql":
        from .sql import analyze_sql

        return analyze_sql(inp["statement"], inp["dialect"], inp.get("database"))
    if tool == "http":
        from .http import analyze_http

        return analyze_http(inp["method"], inp["url"], inp.get("body"))
    if tool == "mcp":
        from .mcp import analyze_mcp

        return analyze_mcp(inp["server"], inp["tool"], inp["arguments"], inp.get("annotations"),
                           env)
    if tool == "file_write":
        from .files import analyze_file_write

        return analyze_file_write(inp["path"], inp["content"], env)
    if tool == "file_delete":
        from .files import analyze_file_delete

        return analyze_file_delete(inp["path"], env)
    if tool == "terraform":
        from .terraform import analyze_terraform

        return analyze_terraform(inp["plan"], inp.get("workspace"), inp.get("working_dir"))
    raise AssertionError(f"tool {tool!r} passed validation but has no analyzer")
