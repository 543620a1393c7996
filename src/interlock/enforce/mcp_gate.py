"""The MCP proxy's gate: a `tools/call` → an `mcp` action → a Decision → forward, or a refusal.

Kept free of the MCP SDK (FACTS.md: `mcp` costs ~650 ms to import) so it is cheap to test and
reuse. Fail closed: an unknown tool, a broken decision or a failing approval hook all refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..actions.envelope import MCP_ANNOTATIONS
from ..decision import Decision

# `on_require_approval(decision, envelope) -> text to add (e.g. a request id) or None`.
# The seam for the approvals store: it may file a request and say how to check on it.
ApprovalHook = Callable[[Decision, dict[str, Any]], "str | None"]


class Deciding(Protocol):
    def decide(self, obj: Any) -> Decision: ...


def clean_annotations(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Keep the annotation keys the envelope knows, with the right types.

    Unknown keys would make the envelope invalid (a deny for every call to that tool); a
    mistyped hint is dropped, which only removes a server's claim (the tool name still counts).
    """
    if not raw:
        return None
    out = {k: v for k, v in raw.items()
           if k in MCP_ANNOTATIONS and isinstance(v, MCP_ANNOTATIONS[k])}
    return out or None


class ToolCatalog:
    """Annotations per tool name, as the server's `tools/list` last reported them."""

    def __init__(self) -> None:
        self._tools: dict[str, dict[str, Any] | None] = {}

    def absorb(self, tools: Iterable[tuple[str, Mapping[str, Any] | None]], *,
               reset: bool) -> None:
        """Record one page of a listing; `reset` for a first page (a fresh full listing)."""
        page = {name: clean_annotations(ann) for name, ann in tools}
        if reset:
            self._tools = page
        else:
            self._tools.update(page)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def annotations(self, name: str) -> dict[str, Any] | None:
        return self._tools.get(name)

    def __len__(self) -> int:
        return len(self._tools)


@dataclass(frozen=True, slots=True)
class Outcome:
    forward: bool
    text: str  # why it was refused (empty when forwarded)
    decision: Decision | None = None


def _reasons(decision: Decision) -> str:
    lines = [f"- [{r.get('policy', '?')}] {r.get('message', '')}" for r in decision.reasons]
    return "\n".join(lines) or "- (no reason given)"


def explain(decision: Decision, label: str, extra: str | None = None) -> str:
    """The text an agent (and the human reading its transcript) sees for a blocked call."""
    if decision.decision == "require_approval":
        n = decision.approvals_required
        head = (f"interlock: the call {label} needs {n} approval{'s' if n != 1 else ''} by other "
                f"humans; retry after approval. It was not run (environment "
                f"{decision.environment}).")
    else:
        head = (f"interlock: the call {label} was denied; it was not run (environment "
                f"{decision.environment}).")
    parts = [head, f"decision: {decision.decision}", "reasons:", _reasons(decision)]
    if decision.error:
        parts.append(f"error: {decision.error}")
    if decision.action_hash:
        parts.append(f"action hash: {decision.action_hash}")
    if extra:
        parts.append(extra)
    return "\n".join(parts)


class Gate:
    """Decides tool calls for one server. `server` must be the operator's name for it (the
    proxy's `--name`), never the server's own claim: operator overrides are keyed on it."""

    def __init__(self, decider: Deciding, server: str, *, agent: str | None = None,
                 on_behalf_of: str | None = None,
                 on_require_approval: ApprovalHook | None = None) -> None:
        self.decider = decider
        self.server = server
        self.agent = agent
        self.on_behalf_of = on_behalf_of
        self.on_require_approval = on_require_approval
        self.catalog = ToolCatalog()

    def envelope(self, tool: str, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        inp: dict[str, Any] = {"server": self.server, "tool": tool,
                               "arguments": dict(arguments or {})}
        ann = self.catalog.annotations(tool)
        if ann:
            inp["annotations"] = dict(ann)
        env: dict[str, Any] = {"tool": "mcp", "input": inp}
        if self.agent:
            env["agent"] = self.agent
        if self.on_behalf_of:
            env["on_behalf_of"] = self.on_behalf_of
        return env

    def check(self, tool: str, arguments: Mapping[str, Any] | None) -> Outcome:
        label = f"{self.server}/{tool}"
        try:
            if tool not in self.catalog:
                return Outcome(False, f"interlock: the call {label} was denied: the server did "
                               "not list this tool in tools/list; it was not run.")
            envelope = self.envelope(tool, arguments)
            decision = self.decider.decide(envelope)
            if decision.decision == "allow":
                return Outcome(True, "", decision)
            extra = None
            if decision.decision == "require_approval" and self.on_require_approval is not None:
                try:
                    extra = self.on_require_approval(decision, envelope)
                except Exception as e:  # noqa: BLE001 - the call stays blocked either way
                    extra = f"(could not file the approval request: {type(e).__name__}: {e})"
                # The store's approval step (enforce.approval.settle) answers an outcome: an
                # approved grant for exactly this call was redeemed → it passes, once.
                if getattr(extra, "redeemed", False):
                    return Outcome(True, "", decision)
                extra = getattr(extra, "message", extra)
            return Outcome(False, explain(decision, label, extra), decision)
        except Exception as e:  # noqa: BLE001 - never forward on an error
            return Outcome(False, f"interlock: the call {label} was denied: internal error while "
                           f"deciding ({type(e).__name__}: {e}); it was not run.")
