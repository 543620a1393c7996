"""What audit entries and request listings say about an action: a one-line summary and a
bounded, redacted copy of the envelope (a 50 MB Terraform plan is named by its hash)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from ..actions import Action, canonical_json
from ..effects import Effect
from .redact import redact, redact_text

MAX_INPUT_BYTES = 16_384

# tool → one-line summary of its input
SUMMARY: dict[str, Callable[[dict[str, Any]], str]] = {
    "shell": lambda i: i["command"],
    "sql": lambda i: i["statement"],
    "http": lambda i: f"{i['method']} {i['url']}",
    "mcp": lambda i: f"{i['server']}/{i['tool']}",
    "file_write": lambda i: f"write {i['path']}",
    "file_delete": lambda i: f"delete {i['path']}",
    "terraform": lambda i: f"terraform apply ({i.get('workspace') or 'default'} workspace)",
}


def action_summary(action: Action) -> str:
    fn = SUMMARY.get(action.tool)
    text = fn(action.input) if fn else action.tool
    return redact_text(text if len(text) <= 500 else text[:500] + "…")


def action_record(action: Action) -> dict[str, Any]:
    """The envelope, redacted; inputs over MAX_INPUT_BYTES replaced by their SHA-256."""
    env = action.envelope()
    raw = canonical_json(env["input"])
    if action.tool == "terraform" or len(raw) > MAX_INPUT_BYTES:
        keep = {k: v for k, v in env["input"].items()
                if isinstance(v, str) and len(v) <= 1024}
        env = {**env, "input": {**keep, "omitted_sha256": hashlib.sha256(raw).hexdigest(),
                                "omitted_bytes": len(raw)}}
    return redact(env)


def effect_targets(effects: Iterable[Effect]) -> list[str]:
    out: set[str] = set()
    for e in effects:
        target = e.resolved_target or ", ".join(str(t) for t in e.targets)
        if target:
            out.add(target)
        out.add(e.resource)
    return sorted(out)


def redacted_json(value: Any) -> str:
    return json.dumps(redact(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
