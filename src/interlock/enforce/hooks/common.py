"""From an agent's tool call to Action envelopes: the shared builders behind the per-agent tables.

Each agent module holds a table `TOOLS = {tool name: Tool(kind, fields)}`; `fields` names, per
role, the payload keys to try in order (agents rename fields between versions, so a format fix is
one edit to a tuple). A tool call may become several envelopes (a patch touching three files,
a read of several files); the hook decides each and the strictest decision wins.

The envelope has no "read a file" tool, so reads become the shell command that does the same
(`cat -- PATH`, `ls -la -- DIR`, `grep -r -e PAT -- DIR`): the shell analyzer already knows which
paths are credential files, and the policy decides on it like on any other read.
"""

from __future__ import annotations

import os
import posixpath
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import InputError


@dataclass(frozen=True, slots=True)
class Tool:
    """kind: shell | powershell | write | edit | delete | read | list | search | fetch | patch |
    aws | mcp | inert (no effect outside the agent: allowed without a decision). A tool name
    in no table is denied (fail closed); `inert` is only for tools known to touch nothing."""
    kind: str
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class Call:
    """One tool call as the agent described it, with where and as whom it would run."""
    agent: str
    tool: str
    input: Mapping[str, Any]
    cwd: str
    env: Mapping[str, str]
    mcp: tuple[str, str] | None = None  # (server, tool) when the agent said it is an MCP call


def pick(obj: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if name in obj and obj[name] is not None:
            return obj[name]
    return None


def text(call: Call, spec: Tool, role: str, *, required: bool = True) -> str | None:
    value = pick(call.input, spec.fields.get(role, ()))
    if value is None:
        if required:
            raise InputError(f"{call.agent} {call.tool}: missing {role} "
                             f"(expected one of {', '.join(spec.fields.get(role, ()))})")
        return None
    if not isinstance(value, str):
        raise InputError(f"{call.agent} {call.tool}: {role} must be a string")
    return value


def abspath(path: str, call: Call) -> str:
    """Resolve against the agent's cwd and home (the daemon's own may differ)."""
    if path == "~" or path.startswith("~/"):
        home = call.env.get("HOME") or os.path.expanduser("~")
        path = home + path[1:]
    return path if posixpath.isabs(path) else posixpath.join(call.cwd, path)


def envelope(call: Call, tool: str, inp: dict[str, Any]) -> dict[str, Any]:
    return {"tool": tool, "input": inp, "agent": call.agent}


def shell(call: Call, command: str, cwd: str | None = None) -> dict[str, Any]:
    return envelope(call, "shell", {"command": command, "cwd": cwd or call.cwd})


# -- one builder per kind -------------------------------------------------------------------------
def _shell(call: Call, spec: Tool) -> list[dict]:
    command = pick(call.input, spec.fields.get("command", ()))
    if isinstance(command, list) and command and all(isinstance(a, str) for a in command):
        command = shlex.join(command)  # an argv (Codex): the shell analyzer sees `bash -lc …`
    if not isinstance(command, str):
        raise InputError(f"{call.agent} {call.tool}: missing command")
    cwd = text(call, spec, "cwd", required=False)
    return [shell(call, command, abspath(cwd, call) if cwd else None)]


def _powershell(call: Call, spec: Tool) -> list[dict]:
    # PowerShell text is not bash: handing it to the bash analyzer would misread it (`rm` is
    # Remove-Item, `$env:X` is no variable). Decide it as the opaque program that runs it, so it
    # is never `allow` where opaque effects need approval.
    command = text(call, spec, "command") or ""
    return [shell(call, shlex.join(["pwsh", "-NoProfile", "-Command", command]),
                  abspath(c, call) if (c := text(call, spec, "cwd", required=False)) else None)]


def _write(call: Call, spec: Tool) -> list[dict]:
    path = abspath(text(call, spec, "path") or "", call)
    content = text(call, spec, "content", required=False)
    return [envelope(call, "file_write", {"path": path, "content": content or ""})]


def _edit(call: Call, spec: Tool) -> list[dict]:
    # The full new content of an edited file is not in the call, only the replacement strings.
    # What decides is the path (protected, host security, production); the new strings stand in
    # for the content so that an analyzer looking at content still sees what gets written.
    path = abspath(text(call, spec, "path") or "", call)
    parts: list[str] = []
    single = pick(call.input, spec.fields.get("content", ()))
    if isinstance(single, str):
        parts.append(single)
    edits = pick(call.input, spec.fields.get("edits", ()))
    if isinstance(edits, list):
        for e in edits:
            if isinstance(e, Mapping):
                value = pick(e, spec.fields.get("content", ()))
                if isinstance(value, str):
                    parts.append(value)
    return [envelope(call, "file_write", {"path": path, "content": "\n".join(parts)})]


def _delete(call: Call, spec: Tool) -> list[dict]:
    return [envelope(call, "file_delete", {"path": abspath(text(call, spec, "path") or "",
                                                              call)})]


def _paths(call: Call, spec: Tool) -> list[str]:
    paths: list[str] = []
    one = pick(call.input, spec.fields.get("path", ()))
    if isinstance(one, str) and one:
        paths.append(one)
    many = pick(call.input, spec.fields.get("paths", ()))
    if isinstance(many, list):
        paths.extend(p for p in many if isinstance(p, str) and p)
    ops = pick(call.input, spec.fields.get("operations", ()))
    if isinstance(ops, list):  # Kiro fs_read: [{"mode": …, "path": …}, …]
        for op in ops:
            if isinstance(op, Mapping):
                p = pick(op, spec.fields.get("path", ()))
                if isinstance(p, str) and p:
                    paths.append(p)
    return [abspath(p, call) for p in paths]


def _read(call: Call, spec: Tool) -> list[dict]:
    paths = _paths(call, spec)
    if not paths:
        raise InputError(f"{call.agent} {call.tool}: no path to read")
    return [shell(call, "cat -- " + " ".join(shlex.quote(p) for p in paths))]


def _list(call: Call, spec: Tool) -> list[dict]:
    paths = _paths(call, spec) or [call.cwd]
    return [shell(call, "ls -la -- " + " ".join(shlex.quote(p) for p in paths))]


def _search(call: Call, spec: Tool) -> list[dict]:
    paths = _paths(call, spec) or [call.cwd]
    pattern = pick(call.input, spec.fields.get("pattern", ()))
    pattern = pattern if isinstance(pattern, str) and pattern else "."
    return [shell(call, f"grep -r -e {shlex.quote(pattern)} -- "
                        + " ".join(shlex.quote(p) for p in paths))]


def _fetch(call: Call, spec: Tool) -> list[dict]:
    urls: list[str] = []
    url = pick(call.input, spec.fields.get("url", ()))
    if isinstance(url, str) and url:
        urls.append(url)
    prose = pick(call.input, spec.fields.get("prompt", ()))
    if isinstance(prose, str):  # Gemini web_fetch: URLs inside a prompt; whitespace tokens
        urls.extend(t.strip("()<>[]\"',.;") for t in prose.split()
                    if t.lstrip("(<[\"'").startswith(("http://", "https://")))
    if not urls:
        raise InputError(f"{call.agent} {call.tool}: no URL to fetch")
    return [envelope(call, "http", {"method": "GET", "url": u}) for u in dict.fromkeys(urls)]


# Codex apply_patch: "*** Add File: P", "*** Update File: P" (+ "*** Move to: Q"),
# "*** Delete File: P"; added/changed lines start with "+".
_PATCH_OPS = {"*** Add File: ": "write", "*** Update File: ": "write", "*** Move to: ": "write",
              "*** Delete File: ": "delete"}


def _patch(call: Call, spec: Tool) -> list[dict]:
    body = pick(call.input, spec.fields.get("patch", ()))
    if not isinstance(body, str):
        raise InputError(f"{call.agent} {call.tool}: missing patch text")
    out: list[dict] = []
    current: dict[str, Any] | None = None
    for line in body.splitlines():
        op = next((p for p in _PATCH_OPS if line.startswith(p)), None)
        if op is not None:
            path = abspath(line[len(op):].strip(), call)
            if _PATCH_OPS[op] == "delete":
                out.append(envelope(call, "file_delete", {"path": path}))
                current = None
            else:
                current = {"path": path, "content": ""}
                out.append(envelope(call, "file_write", current))
        elif current is not None and line.startswith("+"):
            current["content"] += line[1:] + "\n"
    if not out:
        raise InputError(f"{call.agent} {call.tool}: the patch names no file")
    return out


def _aws(call: Call, spec: Tool) -> list[dict]:
    # Kiro use_aws is the AWS CLI by another name: decide it as that command line.
    service = text(call, spec, "service")
    operation = text(call, spec, "operation")
    argv = ["aws", service or "", operation or ""]
    for role, flag in (("profile", "--profile"), ("region", "--region")):
        value = text(call, spec, role, required=False)
        if value:
            argv += [flag, value]
    params = pick(call.input, spec.fields.get("parameters", ()))
    if isinstance(params, Mapping):
        for key, value in params.items():
            argv.append("--" + str(key))
            if value is not True:
                argv.append(value if isinstance(value, str) else _json(value))
    return [shell(call, shlex.join(argv))]


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))


BUILDERS = {"shell": _shell, "powershell": _powershell, "write": _write, "edit": _edit,
            "delete": _delete, "read": _read, "list": _list, "search": _search, "fetch": _fetch,
            "patch": _patch, "aws": _aws}


def mcp_envelope(call: Call, server: str, tool: str) -> dict[str, Any]:
    if not server or not tool:
        raise InputError(f"{call.agent}: MCP tool name {call.tool!r} names no server or tool")
    args = call.input
    if isinstance(args, str):  # some agents pass the arguments as a JSON string
        from ...pipeline import load_json

        args = load_json(args)
    if not isinstance(args, Mapping):
        raise InputError(f"{call.agent} {call.tool}: MCP arguments must be an object")
    return envelope(call, "mcp", {"server": server, "tool": tool, "arguments": dict(args)})


def split_prefixed(name: str, prefix: str, sep: str) -> tuple[str, str] | None:
    """`mcp__server__tool` → (server, tool); None when the name lacks the prefix."""
    if not name.startswith(prefix):
        return None
    server, found, tool = name[len(prefix):].partition(sep)
    return (server, tool) if found else ("", "")
