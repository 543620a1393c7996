"""Operators' word on MCP tools (`mcp-overrides.toml` in the policy directory).

A server's annotations (`readOnlyHint`, `destructiveHint`) are the server's claims and the name
heuristics are guesses; an operator who knows better sets the verb per server/tool here. Only
the verb of the tool call itself changes: a command or SQL statement the tool carries is still
analysed for what it really does, and risks found there stay.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..effects import Verb
from ..errors import ConfigError
from ..globs import glob_match

FILE = "mcp-overrides.toml"


@dataclass(frozen=True, slots=True)
class McpOverride:
    server: str
    tool: str
    verb: Verb
    note: str

    def matches(self, server: str, tool: str) -> bool:
        return glob_match(self.server, server) and glob_match(self.tool, tool)


def parse_mcp_overrides(text: str, source: str) -> tuple[McpOverride, ...]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from None
    if set(data) - {"tool"}:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(sorted(set(data) - {'tool'}))}; "
                          "expected [[tool]] tables")
    out = []
    for i, entry in enumerate(data.get("tool", [])):
        where = f"{source}: tool[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(entry) - {"server", "tool", "verb", "note"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        for key in ("server", "tool", "verb"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise ConfigError(f"{where}: {key!r} must be a non-empty string")
        try:
            verb = Verb(entry["verb"])
        except ValueError:
            raise ConfigError(f"{where}: verb must be one of "
                              f"{', '.join(v.value for v in Verb)}") from None
        out.append(McpOverride(entry["server"], entry["tool"], verb, str(entry.get("note", ""))))
    return tuple(out)


def load_mcp_overrides(directory: Path) -> tuple[tuple[McpOverride, ...], str]:
    """The overrides and the file's text (for the policy digest); none when there is no file."""
    path = directory / FILE
    if not path.exists():
        return (), ""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    return parse_mcp_overrides(text, str(path)), text


def find_override(overrides: tuple[McpOverride, ...], server: str,
                  tool: str) -> McpOverride | None:
    # The last matching entry wins, so specific entries go below general ones.
    for o in reversed(overrides):
        if o.matches(server, tool):
            return o
    return None
