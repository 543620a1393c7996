"""The Python SDK: guard an agent's tool functions in-process.

    guard = Guard(inventory="inventory.toml", agent="claude", on_behalf_of="alice")
    guard.check({"tool": "shell", "input": {"command": "rm -rf build"}})  # → Decision
    guard.enforce("shell", command="kubectl delete ns payments")  # raises Denied / ApprovalRequired

    @guard.guarded(tool="shell", build=lambda cmd: {"command": cmd})
    def run(cmd: str) -> str: ...

Fail closed: anything that goes wrong while building or deciding an action is a deny
(`check` returns it, `enforce` and the decorators raise `Denied`), never a call that runs.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .decision import Decision

F = TypeVar("F", bound=Callable[..., Any])
# A tool call's arguments → an Action envelope {"tool", "input", ...}.
ActionBuilder = Callable[[dict[str, Any]], Mapping[str, Any]]
# Tools a generic (not otherwise mapped) LangChain tool call is decided as: an MCP-style call,
# so the tool name's words and any command/SQL argument are analysed.
GENERIC_SERVER = "langchain"


class Blocked(PermissionError):
    """The guard did not allow the action; `.decision` says why. Base of Denied/ApprovalRequired."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        reasons = "; ".join(f"[{r.get('policy', '?')}] {r.get('message', '')}"
                            for r in decision.reasons)
        super().__init__(f"interlock: {decision.decision} (environment "
                         f"{decision.environment}): {reasons or decision.error or 'no reason'}")


class Denied(Blocked):
    """The action is denied (or could not be decided)."""


class ApprovalRequired(Blocked):
    """The action needs `approvals_required` approvals by other humans; retry after approval."""

    def __init__(self, decision: Decision, request_id: str | None = None) -> None:
        super().__init__(decision)
        self.approvals_required = decision.approvals_required
        self.request_id = request_id  # set once approvals are filed through the store


def _deny(message: str, tier: str = "production") -> Decision:
    return Decision("deny", 0, tier, [{"policy": "error", "message": message}], [], "", message)


class Guard:
    def __init__(self, policy: str | Path | None = None, inventory: Any = None,
                 env: str | None = None, agent: str | None = None,
                 on_behalf_of: str | None = None, *, db: str | None = None,
                 tools: Mapping[str, ActionBuilder] | None = None,
                 decider: Any = None) -> None:
        """`policy` a pack directory, `inventory` a TOML file (or Inventory), `env` the default
        tier; `agent`/`on_behalf_of` are set on every action (an action naming someone else is
        denied). `db` the store whose freeze / kill switch apply (default: $INTERLOCK_DB, else
        the default store if it exists). `tools` maps tool-call names to action builders for
        `tool_call`."""
        self.policy, self.inventory, self.env, self.db = policy, inventory, env, db
        self.agent, self.on_behalf_of = agent, on_behalf_of
        self.tools: dict[str, ActionBuilder] = dict(tools or {})
        self._decider = decider
        # action hash → the envelope decided, so the approval step can file/redeem exactly it
        self._envelopes: dict[str, dict[str, Any]] = {}

    @property
    def decider(self) -> Any:
        if self._decider is None:  # built on first use: loading policy costs milliseconds
            from .controls import controls_source
            from .pipeline import Decider

            self._decider = Decider(self.policy, self.inventory, self.env,
                                    controls=controls_source(self.db))
        return self._decider

    # -- deciding -----------------------------------------------------------------------------
    def envelope(self, action: Mapping[str, Any] | str, **input: Any) -> dict[str, Any]:
        """`("shell", command=…)` or an envelope mapping → an envelope with our principals."""
        if isinstance(action, str):
            env: dict[str, Any] = {"tool": action, "input": dict(input)}
        elif isinstance(action, Mapping) and not input:
            env = dict(action)
        else:
            raise TypeError("pass an action envelope, or a tool name and its input as keywords")
        for key, mine in (("agent", self.agent), ("on_behalf_of", self.on_behalf_of)):
            if mine is None:
                continue
            if env.setdefault(key, mine) != mine:
                raise ValueError(f"the action names {key} {env[key]!r} but this guard acts as "
                                 f"{mine!r}")
        return env

    def check(self, action: Mapping[str, Any] | str, /, **input: Any) -> Decision:
        """Decide; never raises (a deny says what went wrong)."""
        try:
            envelope = self.envelope(action, **input)
            decision = self.decider.decide(envelope)
            if decision.decision == "require_approval":
                if len(self._envelopes) >= 256:
                    self._envelopes.pop(next(iter(self._envelopes)))
                self._envelopes[decision.action_hash] = envelope
            return decision
        except Exception as e:  # noqa: BLE001 - fail closed
            return _deny(f"could not decide the action ({type(e).__name__}: {e})")

    def enforce(self, action: Mapping[str, Any] | str, /, **input: Any) -> Decision:
        """Decide; return the allow, raise `Denied` or `ApprovalRequired` otherwise."""
        return self._gate(self.check(action, **input))

    # -- decorators -----------------------------------------------------------------------------
    def guarded(self, tool: str | None = None,
                build: Callable[..., Mapping[str, Any]] | None = None) -> Callable[[F], F]:
        """Decorate a sync or async function: each call is decided before it runs.

        `build(*args, **kwargs)` gets the call's arguments and returns the action's `input`
        (with `tool`) or a whole envelope (without). With no `build`, the call's arguments by
        parameter name are the input. A failing `build` raises `Denied`.
        """
        if tool is None and build is None:
            raise TypeError("guarded() needs tool=, build= or both")

        def action_for(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Decision:
            try:
                if build is not None:
                    built = build(*args, **kwargs)
                else:
                    bound = inspect.signature(fn).bind(*args, **kwargs)
                    built = dict(bound.arguments)
                if not isinstance(built, Mapping):
                    raise TypeError(f"build returned {type(built).__name__}, not a mapping")
                action = {"tool": tool, "input": dict(built)} if tool is not None else built
            except Exception as e:  # noqa: BLE001 - no action, no call
                return _deny(f"could not build the action for {fn.__qualname__} "
                             f"({type(e).__name__}: {e})")
            return self.check(action)

        def decorate(fn: F) -> F:
            if inspect.iscoroutinefunction(fn):
                @functools.wraps(fn)
                async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                    self._gate(action_for(fn, args, kwargs))
                    return await fn(*args, **kwargs)
                return async_wrapper  # type: ignore[return-value]

            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                self._gate(action_for(fn, args, kwargs))
                return fn(*args, **kwargs)
            return wrapper  # type: ignore[return-value]
        return decorate

    # -- agent frameworks -------------------------------------------------------------------------
    def tool_call(self, call: Mapping[str, Any] | str, args: Mapping[str, Any] | None = None
                  ) -> Decision:
        """Decide a LangGraph/OpenAI-style tool call: `{"name", "args"}` or `(name, args)`,
        through the `tools` table (name → builder(args) → envelope). A name with no builder is
        denied: the guard does not guess what an unmapped tool does."""
        try:
            if isinstance(call, str):
                name, arguments = call, dict(args or {})
            else:
                name, arguments = call["name"], dict(call.get("args") or {})
            builder = self.tools.get(name)
            if builder is None:
                return _deny(f"no action builder for tool {name!r}; add it to Guard(tools=…)")
            return self.check(builder(arguments))
        except Exception as e:  # noqa: BLE001 - fail closed
            return _deny(f"could not build the action for the tool call ({type(e).__name__}: "
                         f"{e})")

    def enforce_tool_call(self, call: Mapping[str, Any] | str,
                          args: Mapping[str, Any] | None = None) -> Decision:
        return self._gate(self.tool_call(call, args))

    def _gate(self, decision: Decision) -> Decision:
        """Return an allowed decision; redeem an approved grant for exactly this action (it
        then passes, once); otherwise raise ApprovalRequired (with the filed request's id)
        or Denied."""
        if decision.decision == "require_approval":
            envelope = self._envelopes.pop(decision.action_hash, None)
            if envelope is not None:
                from .enforce.approval import settle

                try:
                    outcome = settle(decision, envelope, self.db)
                except Exception as e:
                    raise Denied(_deny(f"approval step failed ({type(e).__name__}: {e})")) from e
                if outcome.redeemed:
                    return decision
                raise ApprovalRequired(decision, outcome.request_id)
        return _raise_unless_allowed(decision)

    def wrap_langchain_tool(self, tool: Any, build: ActionBuilder | None = None) -> GuardedTool:
        """Guard a LangChain-style tool (duck-typed: `.name`, `.invoke`, `.ainvoke`, `._run`).

        `build(args)` maps the tool's arguments to an envelope; without it the call is decided
        like an MCP tool named `tool.name` (name words; a `command`/`sql` argument is analysed).
        """
        return GuardedTool(tool, self, build)


def _raise_unless_allowed(decision: Decision) -> Decision:
    if decision.decision == "allow":
        return decision
    if decision.decision == "require_approval":
        raise ApprovalRequired(decision)
    raise Denied(decision)


def guarded(guard: Guard, tool: str | None = None,
            build: Callable[..., Mapping[str, Any]] | None = None) -> Callable[[F], F]:
    """`@guarded(guard, tool="shell", build=…)`, the same as `@guard.guarded(…)`."""
    return guard.guarded(tool, build)


def _tool_args(tool_input: Any) -> dict[str, Any]:
    """LangChain's tool input (a str, a dict of args, or a ToolCall dict) → the args dict."""
    if isinstance(tool_input, Mapping):
        if tool_input.get("type") == "tool_call" and isinstance(tool_input.get("args"), Mapping):
            return dict(tool_input["args"])
        return dict(tool_input)
    return {"input": tool_input}


class GuardedTool:
    """Every way of running the wrapped tool is decided first; the rest is the tool's own."""

    def __init__(self, tool: Any, guard: Guard, build: ActionBuilder | None) -> None:
        self.__dict__.update(_tool=tool, _guard=guard, _build=build)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tool, name)

    def _decide(self, args: dict[str, Any]) -> Decision:
        guard: Guard = self._guard
        try:
            if self._build is not None:
                action = self._build(args)
            else:
                action = {"tool": "mcp", "input": {"server": GENERIC_SERVER,
                                                   "tool": str(self._tool.name),
                                                   "arguments": args}}
        except Exception as e:  # noqa: BLE001 - fail closed
            decision = _deny(f"could not build the action for tool {self._tool.name!r} "
                             f"({type(e).__name__}: {e})")
        else:
            decision = guard.check(action)
        return guard._gate(decision)

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self._decide(_tool_args(input))
        return self._tool.invoke(input, config, **kwargs)

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self._decide(_tool_args(input))
        return await self._tool.ainvoke(input, config, **kwargs)

    def run(self, tool_input: Any, *args: Any, **kwargs: Any) -> Any:
        self._decide(_tool_args(tool_input))
        return self._tool.run(tool_input, *args, **kwargs)

    async def arun(self, tool_input: Any, *args: Any, **kwargs: Any) -> Any:
        self._decide(_tool_args(tool_input))
        return await self._tool.arun(tool_input, *args, **kwargs)

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        self._decide(_direct_args(args, kwargs))
        return self._tool._run(*args, **kwargs)

    async def _arun(self, *args: Any, **kwargs: Any) -> Any:
        self._decide(_direct_args(args, kwargs))
        return await self._tool._arun(*args, **kwargs)

    def __repr__(self) -> str:
        return f"GuardedTool({self._tool!r})"


# LangChain passes these to `_run`; they are plumbing, not the tool's arguments.
_PLUMBING = frozenset({"run_manager", "callbacks", "config"})


def _direct_args(args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in kwargs.items() if k not in _PLUMBING}
    if len(args) == 1 and not out:
        out["input"] = args[0]
    elif args:
        out["args"] = list(args)
    return out
