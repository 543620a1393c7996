"""The Action envelope: validation and normalisation (DESIGN.md "Vocabulary").

Unknown fields anywhere are rejected: an executor might act on a field the guard ignored.
Normalisation fills defaults and resolves paths so that the canonical form (and so the action
hash) names exactly what would run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

ENVELOPE_FIELDS = {"tool", "input", "agent", "on_behalf_of"}
SQL_DIALECTS = ("postgres", "mysql", "sqlite")
HTTP_METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT")
# Any RFC 9110 method token is a well-formed request (WebDAV PROPFIND, cache PURGE, custom
# methods): the analyzer decides what it does (unknown → opaque). Anything else is malformed.
_HTTP_METHOD_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}")

# tool -> {field: (accepted JSON types, required)}
_STR = (str,)
_OBJ = (dict,)
_ANY = (str, int, float, bool, dict, list, type(None))
TOOL_FIELDS: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "shell": {"command": (_STR, True), "cwd": (_STR, False)},
    "terraform": {"plan": (_OBJ, True), "workspace": (_STR, False), "working_dir": (_STR, False)},
    "sql": {"statement": (_STR, True), "dialect": (_STR, False), "database": (_STR, False)},
    "http": {"method": (_STR, True), "url": (_STR, True), "body": (_ANY, False)},
    "mcp": {
        "server": (_STR, True),
        "tool": (_STR, True),
        "arguments": (_OBJ, False),
        "annotations": (_OBJ, False),
    },
    "file_write": {"path": (_STR, True), "content": (_STR, True)},
    "file_delete": {"path": (_STR, True)},
}
TOOLS = tuple(TOOL_FIELDS)
MCP_ANNOTATIONS = {
    "title": (str,),
    "readOnlyHint": (bool,),
    "destructiveHint": (bool,),
    "idempotentHint": (bool,),
    "openWorldHint": (bool,),
}


@dataclass(frozen=True, slots=True)
class Action:
    tool: str
    input: dict[str, Any]
    agent: str | None = None
    on_behalf_of: str | None = None

    def envelope(self) -> dict[str, Any]:
        env: dict[str, Any] = {"tool": self.tool, "input": self.input}
        if self.agent is not None:
            env["agent"] = self.agent
        if self.on_behalf_of is not None:
            env["on_behalf_of"] = self.on_behalf_of
        return env


def _typename(types: tuple[type, ...]) -> str:
    names = {str: "string", dict: "object", list: "array", bool: "boolean", int: "number"}
    return " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in types))


def _check_fields(where: str, obj: dict, spec: dict[str, tuple[tuple[type, ...], bool]]) -> None:
    unknown = sorted(set(obj) - set(spec))
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; "
                         f"allowed: {', '.join(spec)}")
    for name, (types, required) in spec.items():
        if name not in obj:
            if required:
                raise InputError(f"{where}: missing required field {name!r}")
            continue
        value = obj[name]
        # bool is an int subclass; only accept it where booleans are meant.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types
                                            and types is not _ANY):
            raise InputError(f"{where}: field {name!r} must be {_typename(types)}")


def _resolve_path(path: str, cwd: str | None) -> str:
    if "\x00" in path:
        raise InputError("path contains a NUL byte")
    if not path:
        raise InputError("path is empty")
    path = os.path.expanduser(path) if path.startswith("~") else path
    base = cwd or os.getcwd()
    # realpath resolves the symlinks that exist and keeps the rest as written.
    return os.path.realpath(os.path.join(base, path))


def _normalise_input(tool: str, inp: dict[str, Any]) -> dict[str, Any]:
    out = dict(inp)
    if tool == "shell":
        if "\x00" in out["command"]:
            raise InputError("shell: command contains a NUL byte")
        if not out["command"].strip():
            raise InputError("shell: command is empty")
        if "cwd" in out and not out["cwd"].strip():
            raise InputError("shell: cwd is empty (omit it to use the current directory)")
        out["cwd"] = _resolve_path(out.get("cwd") or os.getcwd(), None)
    elif tool == "sql":
        dialect = out.get("dialect", "postgres").lower()
        if dialect in ("postgresql", "pg"):
            dialect = "postgres"
        if dialect not in SQL_DIALECTS:
            raise InputError(f"sql: unknown dialect {out['dialect']!r}; "
                             f"allowed: {', '.join(SQL_DIALECTS)}")
        out["dialect"] = dialect
        if not out["statement"].strip():
            raise InputError("sql: statement is empty")
    elif tool == "http":
        # Checked before upper-casing: `"poſt".upper()` is "POST".
        if not _HTTP_METHOD_TOKEN.fullmatch(out["method"]):
            raise InputError(f"http: unknown method {out['method']!r}: "
                             "not an RFC 9110 method token")
        out["method"] = out["method"].upper()
        if not out["url"].strip():
            raise InputError("http: url is empty")
    elif tool == "mcp":
        out.setdefault("arguments", {})
        ann = out.get("annotations")
        if ann is not None:
            _check_fields("mcp.annotations", ann,
                          {k: (v, False) for k, v in MCP_ANNOTATIONS.items()})
    elif tool in ("file_write", "file_delete"):
        out["path"] = _resolve_path(out["path"], None)
    elif tool == "terraform":
        if "working_dir" in out:
            out["working_dir"] = _resolve_path(out["working_dir"], None)
    return out


def parse_action(obj: Any) -> Action:
    """Validate a decoded JSON value as an Action envelope and normalise it."""
    if not isinstance(obj, dict):
        raise InputError("action must be a JSON object with 'tool' and 'input'")
    _check_fields("action", obj, {"tool": (_STR, True), "input": (_OBJ, True),
                                  "agent": (_STR, False), "on_behalf_of": (_STR, False)})
    tool = obj["tool"]
    if tool not in TOOL_FIELDS:
        raise InputError(f"unknown tool {tool!r}; known tools: {', '.join(TOOLS)}")
    _check_fields(f"{tool}.input", obj["input"], TOOL_FIELDS[tool])
    for who in ("agent", "on_behalf_of"):
        if who in obj and not obj[who].strip():
            raise InputError(f"action: {who!r} is empty")
    return Action(tool=tool, input=_normalise_input(tool, obj["input"]),
                  agent=obj.get("agent"), on_behalf_of=obj.get("on_behalf_of"))
