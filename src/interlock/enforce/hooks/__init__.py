"""Agent hooks: one module per agent with its tool table; `handle` turns a payload into a reply.

Kept import-free (the CLI registers commands on every start); modules load on demand.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# agent name (as on the command line) -> module holding its tables
MODULES = {"claude-code": "claude_code", "gemini": "gemini", "cursor": "cursor", "kiro": "kiro",
           "codex": "codex"}


def agent_module(agent: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{MODULES[agent]}")
