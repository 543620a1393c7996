"""One hook request → one reply in the agent's format. Used by the daemon and the in-process
fallback alike, so both answer exactly the same way.

request (from interlock.hookclient): {"v": 1, "agent", "payload": raw stdin text, "cwd", "env":
{name: value}, "config": {"policy", "inventory", "env"}, "server"?, "allow_tools"?: [name]}
reply: {"exit": int, "stdout": str, "stderr": str}
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ...errors import InputError, InterlockError
from ...hookclient import AGENTS, PROTOCOL, allow_reply, deny_reply
from . import agent_module
from .common import BUILDERS, Call, Tool, mcp_envelope

RANK = {"allow": 0, "require_approval": 1, "deny": 2}
MAX_ENVELOPES = 64  # a patch touching more files than this is decided as one refusal
MAX_REASON = 4000   # keep the agent's context readable

# -- the seam for approvals -----------------------------------------------------------------------
# on_require_approval(decision, envelope) -> a request id or a sentence telling how to follow the
# request, or None when nothing was filed. The approvals store plugs in here (set_approval_handler);
# with --server, the API has already filed the request and its id is in decision["request_id"].
ApprovalHandler = Callable[[dict[str, Any], dict[str, Any]], "str | None"]


class Redeemed(str):
    """Returned by an approval handler when an approved grant for exactly this action was
    redeemed: the action passes, once."""


def _default_approval(decision: dict[str, Any], envelope: dict[str, Any]) -> str | None:
    rid = decision.get("request_id")
    if rid:  # --server: the API filed it
        return f"approval request {rid}"
    obj = decision.get("_decision")
    if obj is None:
        return None
    from ..approval import settle

    outcome = settle(obj, envelope)
    return Redeemed(outcome.message) if outcome.redeemed else outcome.message


_approval_handler: ApprovalHandler = _default_approval


def set_approval_handler(handler: ApprovalHandler) -> None:
    global _approval_handler
    _approval_handler = handler


def on_require_approval(decision: dict[str, Any], envelope: dict[str, Any]) -> str | None:
    return _approval_handler(decision, envelope)


# -- deciders, cached per configuration and reloaded when its files change ------------------------
def _stat(path: str | None) -> tuple:
    if not path:
        return ()
    try:
        st = os.stat(path)
    except OSError:
        return ("missing",)
    if os.path.isdir(path):
        out: list[tuple] = []
        try:
            names = sorted(os.listdir(path))
        except OSError:
            return ("unreadable",)
        for name in names:
            try:
                s = os.stat(os.path.join(path, name))
            except OSError:
                continue
            out.append((name, s.st_mtime_ns, s.st_size))
        return tuple(out)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Deciders:
    """Decider per (policy, inventory, default tier); a config edit is seen on the next call."""

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[tuple, Any]] = {}
        self.lock = threading.Lock()  # the Decider's environ is set per request

    def get(self, config: Mapping[str, Any]) -> Any:
        from ...pipeline import Decider

        policy, inventory, tier = config.get("policy"), config.get("inventory"), config.get("env")
        key = (policy, inventory, tier)
        stamp = (_stat(policy), _stat(inventory))
        got = self._cache.get(key)
        if got is None or got[0] != stamp:
            from ...controls import controls_source

            # The store's freeze / kill switch / break-glass count here as in `check`.
            got = (stamp, Decider(policy, inventory, tier, environ={},
                                  controls=controls_source(None)))
            self._cache[key] = got
        return got[1]

    def decide(self, config: Mapping[str, Any], envelope: dict[str, Any],
               env: Mapping[str, str]) -> dict[str, Any]:
        with self.lock:
            decider = self.get(config)
            # Implicit targets (kube context, AWS profile, home) as the agent would see them.
            decider.environ = dict(env)
            if getattr(decider, "resolver", None) is not None:
                decider.resolver.environ = decider.environ
            decision = decider.decide(envelope)
        from ..approval import record

        try:
            record(decision, envelope)
        except InterlockError as e:  # a configured store that cannot take the record denies
            return {"decision": "deny", "approvals_required": 0, "reasons": [
                {"policy": "error", "message": f"cannot write the audit log: {e}"}],
                "error": str(e)}
        out = decision.to_json()
        out["_decision"] = decision  # stays in this process: the approval step needs it
        return out


# -- payload → calls → envelopes ------------------------------------------------------------------
def _as_object(value: Any, what: str) -> dict[str, Any]:
    if isinstance(value, str):
        from ...pipeline import load_json

        value = load_json(value)
    if not isinstance(value, dict):
        raise InputError(f"{what} must be a JSON object")
    return value


def _calls(agent: str, payload: dict[str, Any], cwd: str, env: dict[str, str],
           allow_tools: set[str]) -> list[tuple[Call, Tool]]:
    mod = agent_module(agent)
    event = payload.get("hook_event_name")
    if event is not None and event not in mod.EVENTS:
        raise InputError(f"{agent}: unexpected hook event {event!r}; interlock is installed for "
                         f"{', '.join(mod.EVENTS)}")
    where = next((payload[f] for f in mod.CWD_FIELDS
                  if isinstance(payload.get(f), str) and os.path.isabs(payload[f])), cwd)
    if hasattr(mod, "calls"):
        return mod.calls(payload, where, env, allow_tools)
    name = payload.get("tool_name")
    if not isinstance(name, str) or not name:
        raise InputError(f"{agent}: the hook input has no tool_name")
    tool_input = _as_object(payload.get("tool_input", {}), f"{agent} {name}: tool_input")
    call = Call(agent, name, tool_input, where, env)
    # The agent's own word that this is an MCP call (Gemini mcp_context, Claude mcp_server)
    # wins over the tool table: an MCP tool may share a built-in's bare name.
    call.mcp = (mod.mcp_target(payload, name) if hasattr(mod, "mcp_target")
                else mod.mcp_name(name))
    if call.mcp is not None:
        return [(call, Tool("mcp"))]
    if hasattr(mod, "prepare"):
        call.input = mod.prepare(name, tool_input)
    spec = mod.TOOLS.get(name)
    if spec is None:
        if name in allow_tools:
            spec = Tool("inert")
        else:
            raise InputError(f"{agent}: unknown tool {name!r}; interlock denies tools it cannot "
                             "see through (an operator can allow it with --allow-tool)")
    return [(call, spec)]


def envelopes(agent: str, payload: dict[str, Any], cwd: str, env: dict[str, str],
              allow_tools: set[str] = frozenset()) -> list[dict[str, Any]]:
    """The Action envelopes a tool call amounts to ([] = nothing to decide: inert)."""
    out: list[dict[str, Any]] = []
    for call, spec in _calls(agent, payload, cwd, env, allow_tools):
        if spec.kind == "inert":
            continue
        if spec.kind == "mcp":
            server, tool = call.mcp or ("", "")
            call.input = _as_object(call.input, f"{agent} {call.tool}: MCP tool_input")
            out.append(mcp_envelope(call, server, tool))
        else:
            out.extend(BUILDERS[spec.kind](call, spec))
    if len(out) > MAX_ENVELOPES:
        raise InputError(f"{agent}: one tool call touching {len(out)} targets; split it up")
    return out


# -- messages -------------------------------------------------------------------------------------
def _reasons(decision: dict[str, Any]) -> str:
    lines = [f"- [{r.get('policy', '?')}] {r.get('message', '')}"
             for r in decision.get("reasons", []) if isinstance(r, dict)]
    return "\n".join(dict.fromkeys(lines)) or "- (no reason given)"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 20] + "\n… (truncated)"


def deny_message(decision: dict[str, Any], envelope: dict[str, Any] | None) -> str:
    if decision.get("error") and not decision.get("effects"):
        return (f"interlock denied this action: {decision['error']}. Nothing was run.")
    what = _describe(envelope)
    return (f"interlock denied {what} (environment: {decision.get('environment', '?')}):\n"
            f"{_reasons(decision)}\nNothing was run. Do not retry it in another form; tell the "
            "user what you were trying to do.")


def approval_message(decision: dict[str, Any], envelope: dict[str, Any],
                     filed: str | None) -> str:
    n = decision.get("approvals_required", 0)
    who = "another human" if n == 1 else f"{n} other humans"
    # `filed` is the approval step's own sentence: a request id, or why nothing was filed.
    follow = (f"Approval: {filed}. Once it is approved, retry exactly the same action."
              if filed else
              "No approval request was filed by this hook. Ask an approver (not the user you "
              "act for: approvals come from other people) to approve action hash "
              f"{decision.get('action_hash', '')[:16]}…, then retry exactly the same action.")
    return (f"interlock: {_describe(envelope)} needs approval by {who} before it can run "
            f"(environment: {decision.get('environment', '?')}):\n{_reasons(decision)}\n"
            f"{follow} Nothing was run.")


def _describe(envelope: dict[str, Any] | None) -> str:
    if not envelope:
        return "this action"
    inp = envelope.get("input", {})
    subject = {"shell": inp.get("command"), "file_write": inp.get("path"),
               "file_delete": inp.get("path"), "http": inp.get("url"),
               "mcp": f"{inp.get('server')}/{inp.get('tool')}"}.get(envelope.get("tool"))
    subject = str(subject or "")
    if len(subject) > 200:
        subject = subject[:200] + "…"
    return f"{envelope.get('tool')} `{subject}`" if subject else "this action"


# -- entry ----------------------------------------------------------------------------------------
def _check_request(req: Any) -> tuple[str, str, str, dict[str, str], dict[str, Any]]:
    if not isinstance(req, dict) or req.get("v") != PROTOCOL:
        raise InputError("hook request has the wrong shape or protocol version")
    agent, raw, cwd = req.get("agent"), req.get("payload"), req.get("cwd")
    env, config = req.get("env") or {}, req.get("config") or {}
    if agent not in AGENTS or not isinstance(raw, str) or not isinstance(cwd, str):
        raise InputError("hook request lacks agent, payload or cwd")
    if not (isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str)
                                          for k, v in env.items())):
        raise InputError("hook request env must map names to strings")
    if not isinstance(config, dict):
        raise InputError("hook request config must be an object")
    return agent, raw, cwd, env, config


def handle_request(req: Any, deciders: Deciders | None = None) -> dict[str, Any]:
    agent = req.get("agent") if isinstance(req, dict) else None
    agent = agent if agent in AGENTS else None
    try:
        agent, raw, cwd, env, config = _check_request(req)
        allow = {t for t in req.get("allow_tools") or [] if isinstance(t, str)}
        allow |= {t.strip() for t in env.get("INTERLOCK_HOOK_ALLOW_TOOLS", "").split(",")
                  if t.strip()}
        from ...pipeline import load_json

        payload = _as_object(load_json(raw), f"{agent} hook input")
        actions = envelopes(agent, payload, cwd, env, allow)
        return decide_and_render(agent, actions, config, env, req.get("server"), deciders)
    except InputError as e:
        return deny_reply(agent, _clip(f"interlock denied this action: {e}. Nothing was run."))
    except Exception as e:  # noqa: BLE001 - a bug must deny, not crash the hook open
        return deny_reply(agent, f"interlock denied this action: internal error "
                                 f"({type(e).__name__}: {e}). Nothing was run.")


def decide_and_render(agent: str, actions: list[dict[str, Any]], config: Mapping[str, Any],
                      env: Mapping[str, str], server: str | None,
                      deciders: Deciders | None) -> dict[str, Any]:
    if not actions:
        return allow_reply(agent)
    deciders = deciders or Deciders()
    worst: tuple[dict[str, Any], dict[str, Any]] | None = None
    for action in actions:
        if server:
            from .remote import decide_remote

            decision = decide_remote(server, action, env)
        else:
            decision = deciders.decide(config, action, env)
        if decision.get("decision") not in RANK:
            decision = {"decision": "deny", "error": "the decision was not understood"}
        if worst is None or _worse(decision, worst[0]):
            worst = (decision, action)
        if decision["decision"] == "deny":
            break
    assert worst is not None
    decision, action = worst
    if decision["decision"] == "allow":
        return allow_reply(agent)
    if decision["decision"] == "deny":
        return deny_reply(agent, _clip(deny_message(decision, action)))
    filed = on_require_approval(decision, action)
    if isinstance(filed, Redeemed):
        return allow_reply(agent)
    return deny_reply(agent, _clip(approval_message(decision, action, filed)))


def _worse(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ra, rb = RANK[a["decision"]], RANK[b["decision"]]
    if ra != rb:
        return ra > rb
    return a.get("approvals_required", 0) > b.get("approvals_required", 0)
