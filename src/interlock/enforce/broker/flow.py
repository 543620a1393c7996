"""One brokered run: decide → (file / wait / redeem) → run exactly that argv → audit.

Shared by `interlock run` (local mode, this process runs the child) and the broker server
(guarded mode, the server runs it for a client). The child never gets a shell: the argv is
exec'd by the absolute path resolved before the decision, and `shlex.join(argv)` — the exact
words that will run — is what the shell analyzer decides on, so `bash -c …`, `env …`,
`sudo …`, `xargs …` and decode-and-run payloads are analysed like any command line.

Exit statuses: the child's own when it ran (124 timeout, 128+N signal, 126/127 cannot run);
2 denied, rejected, expired, cancelled or refused at redeem — nothing ran; 3 approval pending
(the request id is printed); 130 interrupted while waiting (the request stays pending);
1 usage or configuration problem — nothing ran.
"""

from __future__ import annotations

import os
import shlex
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import InterlockError
from .binding import Binding, make_binding
from .child import RunResult
from .credentials import Credentials, decided_targets
from .envvars import stripped

if TYPE_CHECKING:
    from ...decision import Decision
    from ...pipeline import Decider
    from ...principals import Principal
    from ...store.store import Store

EXIT_USAGE = 1
EXIT_DENIED = 2
EXIT_PENDING = 3
EXIT_INTERRUPTED = 130
FINAL_STATES = ("approved", "rejected", "expired", "cancelled", "redeemed")

Runner = Callable[[str, list[str], str, dict[str, str], "float | None"], RunResult]


@dataclass(slots=True)
class RunSpec:
    argv: list[str]
    cwd: str
    agent: str | None = None
    on_behalf_of: str | None = None
    wait: bool = False
    wait_timeout: float | None = None
    timeout: float | None = None
    poll: float = 2.0


@dataclass(frozen=True, slots=True)
class Guard:
    """What the broker adds to the policy because it runs commands with its own privileges.

    private: files and directories (real paths) the broker keeps to itself — the credentials
    file and the files it names, the store and its signing key, its config. Any effect on one
    of them is denied, whatever its verb: the broker never lends its rights to read them.
    unseen_code_needs_approval: in guarded mode children run as the broker user (or `run_as`,
    who must be able to read the credential files), so code whose effects the analyzers cannot
    see (`execute`, `opaque`: `python x.py`, `make`) could read every credential that user
    can; an `allow` for such code becomes a `require_approval` (1).
    """

    private: tuple[str, ...] = ()
    unseen_code_needs_approval: bool = False

    def apply(self, d: Decision, argv: Sequence[str] = (), cwd: str = "/") -> Decision:
        from ...decision import Decision
        from ...effects import Verb

        if d.decision == "deny" or not (self.private or self.unseen_code_needs_approval):
            return d
        hit = self._private_hit(d, argv, cwd)
        if hit is not None:
            return Decision("deny", 0, d.environment, [
                {"policy": "broker.private", "message": f"{hit} belongs to the broker "
                 "(credentials, store, keys, config): never through the broker"},
                *d.reasons], d.effects, d.action_hash, None, d.policy_version)
        holder = next((t.value for e in d.effects for t in e.targets
                       if t.kind == "path" and t.value and self._holds_private(t.value)), None)
        reasons: list[dict[str, str]] = []
        if holder is not None:
            reasons.append({"policy": "broker.private-parent", "message": f"{holder} holds "
                            "files of the broker (credentials, store, keys): one human approves"})
        if self.unseen_code_needs_approval and any(
                e.verb in (Verb.EXECUTE, Verb.OPAQUE) for e in d.effects):
            reasons.append({"policy": "broker.unseen-code", "message": "code the broker cannot "
                            "see through would run with the broker's privileges: one human "
                            "approves"})
        if reasons and d.decision == "allow":
            return Decision("require_approval", 1, d.environment, [*reasons, *d.reasons],
                            d.effects, d.action_hash, None, d.policy_version)
        return d

    def _private_hit(self, d: Decision, argv: Sequence[str], cwd: str) -> str | None:
        """The first private path the action names: the working directory, a path target, a
        word of the command (also through a symlink or a file:// URL), a target value."""
        if self.is_private(cwd):
            return cwd
        for e in d.effects:
            for t in e.targets:
                if t.kind == "path" and t.value and self.is_private(t.value):
                    return t.value
                if t.value and self._mentions(t.value):
                    return t.value
            if self._mentions(e.resource):
                return e.resource
        for word in (*argv, *(w for e in d.effects for w in e.argv)):
            if self._mentions(word):
                return word
            path = word.removeprefix("file://")
            if path and "\x00" not in path and os.path.lexists(os.path.join(cwd, path)) \
                    and self.is_private(os.path.join(cwd, path)):
                return word
        return None

    def _mentions(self, text: str) -> bool:
        return any(p in text for p in self.private)

    def _holds_private(self, path: str) -> bool:
        real = os.path.realpath(path).rstrip("/") + "/"
        return any(p.startswith(real) for p in self.private)

    def is_private(self, path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == p or real.startswith(p.rstrip("/") + "/") for p in self.private)


def private_paths(*paths: str | None) -> tuple[str, ...]:
    return tuple(sorted({os.path.realpath(p) for p in paths if p and os.path.isabs(p)}))


@dataclass(slots=True)
class Prepared:
    """Everything decided about one run, before anything runs."""
    action: dict[str, Any]
    decision: Decision
    program: str
    env: dict[str, str]
    credentials: list[str] = field(default_factory=list)


def resolve_program(name: str, cwd: str, env: Mapping[str, str]) -> str:
    """The absolute path that will be exec'd ('' when there is none)."""
    if "/" in name:
        return os.path.normpath(os.path.join(cwd, name))
    found = shutil.which(name, path=env.get("PATH", os.defpath))
    return os.path.abspath(found) if found else ""


class Broker:
    """Decides and runs; thread-safe (the server shares one across connections)."""

    def __init__(self, decider: Decider, store: Store, credentials: Credentials | None = None,
                 say: Callable[[str], None] | None = None, search_path: str | None = None,
                 guard: Guard | None = None):
        self.guard = guard or Guard()
        self.decider = decider
        self.store = store
        self.credentials = credentials or Credentials()
        self.search_path = search_path
        self.say_default = say or (lambda text: None)
        self._lock = threading.Lock()

    # -- deciding -------------------------------------------------------------------------
    def _decide_in(self, action: dict[str, Any], env: dict[str, str], argv: Sequence[str],
                   cwd: str) -> tuple[Decision, set[tuple[str, str]]]:
        # Implicit targets (kube current-context, AWS_PROFILE, …) are read from the
        # environment the child will get, so the decision and the child see the same ones.
        with self._lock:
            d = self.decider
            d.environ = env
            d.resolver.environ = env
            decision = self.guard.apply(d.decide(action), argv, cwd)
            targets = decided_targets(decision.effects, d.resolver.implicit) \
                if decision.decision != "deny" else set()
            return decision, targets

    def prepare(self, spec: RunSpec, base_env: Mapping[str, str]) -> Prepared:
        action: dict[str, Any] = {"tool": "shell", "input": {"command": shlex.join(spec.argv),
                                                             "cwd": spec.cwd}}
        if spec.agent:
            action["agent"] = spec.agent
        if spec.on_behalf_of:
            action["on_behalf_of"] = spec.on_behalf_of
        env = stripped(base_env)
        if self.search_path is not None:
            env["PATH"] = self.search_path
        program = resolve_program(spec.argv[0], spec.cwd, env)
        decision, targets = self._decide_in(action, env, spec.argv, spec.cwd)
        if decision.decision == "deny":
            return Prepared(action, decision, program, env)
        try:
            inject, names = self.credentials.for_targets(targets)
            if not inject:
                return Prepared(action, decision, program, env)
            child_env = {**env, **inject}
            decision, targets = self._decide_in(action, child_env, spec.argv, spec.cwd)
            again, names = self.credentials.for_targets(targets)
        except InterlockError as e:
            return Prepared(action, self.decider.error(str(e), decision.action_hash), program, env)
        if decision.decision != "deny" and again != inject:
            # The injected credentials change which targets the command resolves to: no
            # stable answer to "what runs where", so nothing runs.
            msg = ("the credentials for this command's targets change the targets it resolves "
                   "to; name them explicitly (--context, --profile, …)")
            return Prepared(action, self.decider.error(msg, decision.action_hash), program, env)
        return Prepared(action, decision, program, child_env, names)

    # -- auditing --------------------------------------------------------------------------
    def _audit(self, say: Callable[[str], None], kind: str, actor: str, subject: str,
               data: dict[str, Any]) -> None:
        try:
            self.store.audit.record(kind, actor, subject, data)
        except Exception as e:  # noqa: BLE001 - the outcome is already decided; say so
            say(f"interlock: warning: could not write the audit entry ({kind}): {e}")

    def _audit_decision(self, say: Callable[[str], None], p: Prepared, actor: str,
                        request_id: str | None = None) -> bool:
        """Record the decision; False (and a message) when the store cannot take it — the
        caller then runs nothing: an unrecorded run is not one this broker makes."""
        from ...actions import parse_action
        from ...audit import record_decision

        try:
            act = parse_action(p.action)
        except InterlockError:
            act = None
        try:
            record_decision(self.store, p.decision, act, actor, request_id)
        except Exception as e:  # noqa: BLE001
            say(f"interlock: cannot write the audit entry for this decision ({e}); "
                "nothing ran.")
            return False
        return True

    # -- the whole run ----------------------------------------------------------------------
    def handle(self, spec: RunSpec, base_env: Mapping[str, str], runner: Runner,
               requester: Principal | None = None, say: Callable[[str], None] | None = None,
               interrupted: Callable[[], bool] = lambda: False,
               sleep: Callable[[float], None] = time.sleep) -> int:
        say = say or self.say_default
        if not spec.argv:
            say("interlock run: no command given (interlock run [options] -- CMD ARGS…)")
            return EXIT_USAGE
        if not os.path.isabs(spec.cwd):
            say(f"interlock run: working directory {spec.cwd!r} is not absolute")
            return EXIT_USAGE
        actor = spec.agent or "broker"
        p = self.prepare(spec, base_env)
        d = p.decision
        if d.decision == "deny":
            self._audit_decision(say, p, actor)
            say(_deny_text(d))
            return EXIT_DENIED
        if d.decision == "allow":
            if not self._audit_decision(say, p, actor):
                return EXIT_DENIED
            try:
                binding = make_binding(d.action_hash, p.program, spec.argv, spec.cwd, d.effects)
            except InterlockError as e:
                say(f"interlock: denied: {e}. Nothing ran.")
                return EXIT_DENIED
            return self._run(spec, p, binding, runner, say, actor, None)
        if d.decision != "require_approval":
            say(f"interlock: unknown decision {d.decision!r}; nothing ran.")
            return EXIT_DENIED
        return self._approval(spec, base_env, p, runner, requester, say, interrupted, sleep)

    def _approval(self, spec: RunSpec, base_env: Mapping[str, str], p: Prepared, runner: Runner,
                  requester: Principal | None, say: Callable[[str], None],
                  interrupted: Callable[[], bool], sleep: Callable[[float], None]) -> int:
        from ... import approvals as A

        d = p.decision
        actor = spec.agent or "broker"
        if requester is None:
            self._audit_decision(say, p, actor)
            say(f"interlock: approval required ({_need(d)}), but this run has no agent "
                "identity to file the request under (the operator sets --as or --token). "
                "Nothing ran.")
            return EXIT_USAGE
        try:
            binding = make_binding(d.action_hash, p.program, spec.argv, spec.cwd, d.effects)
        except InterlockError as e:
            self._audit_decision(say, p, actor)
            say(f"interlock: denied: {e}. Nothing ran.")
            return EXIT_DENIED
        try:
            stale = self._approved_elsewhere(requester, d, binding)
            if stale is not None:
                # Approved for other file contents (or another policy): refuse at redeem,
                # which the store records, then file a request for what is there now.
                self._audit_decision(say, p, actor, stale.id)
                try:
                    A.redeem(self.store, stale.id, p.action, requester,
                             policy_version=d.policy_version, plan_hash=binding.digest)
                except A.ApprovalError:
                    pass
                else:  # cannot happen (the digests differ); never run on a surprise
                    say("interlock: internal error: a stale grant was accepted; nothing ran.")
                    return EXIT_DENIED
                view, _ = A.open_request(self.store, d, p.action, requester,
                                         plan_hash=binding.digest)
                say(f"interlock: refused: request {stale.id} was approved for other contents "
                    "of the files this command runs, or under another policy; that approval "
                    f"does not cover this run. Nothing ran.\n{_bound_text(binding)}\n"
                    f"A new request was filed for the current contents: {view.id} "
                    f"({_need(d)}).\n{_how_to_approve(view.id)}")
                return EXIT_DENIED
            view, created = A.open_request(self.store, d, p.action, requester,
                                           plan_hash=binding.digest)
        except A.ApprovalError as e:
            self._audit_decision(say, p, actor)
            say(f"interlock: approval required ({_need(d)}) but the request could not be "
                f"filed: {e}. Nothing ran.")
            return EXIT_DENIED
        except InterlockError as e:
            say(f"interlock: the store cannot be used ({e}); nothing ran.")
            return EXIT_DENIED
        if not self._audit_decision(say, p, actor, view.id):
            return EXIT_DENIED
        if view.state == "approved":
            return self._redeem_and_run(spec, base_env, view.id, runner, requester, say)
        if created:
            say(f"interlock: approval required ({_need(d)}, environment {d.environment}): "
                f"filed request {view.id}. Nothing has run yet.\n{_reasons(d)}"
                f"{_how_to_approve(view.id)}")
        else:
            say(f"interlock: request {view.id} is still {view.state} "
                f"({len([v for v in view.votes if v.vote == 'approve'])} of "
                f"{view.approvals_required} approvals). Nothing has run yet.\n"
                f"{_how_to_approve(view.id)}")
        if not spec.wait:
            return EXIT_PENDING
        return self._wait(spec, base_env, view.id, runner, requester, say, interrupted, sleep)

    def _approved_elsewhere(self, requester: Principal, d: Decision, binding: Binding):
        from ... import approvals as A

        for r in A.list_requests(self.store, state="approved", requester=requester.name):
            if r.action_hash == d.action_hash and (r.plan_hash != binding.digest
                                                   or r.policy_version != d.policy_version):
                return r
        return None

    def _wait(self, spec: RunSpec, base_env: Mapping[str, str], request_id: str, runner: Runner,
              requester: Principal, say: Callable[[str], None],
              interrupted: Callable[[], bool], sleep: Callable[[float], None]) -> int:
        from ... import approvals as A

        deadline = None if spec.wait_timeout is None else time.monotonic() + spec.wait_timeout
        say(f"interlock: waiting for request {request_id} (Ctrl-C stops waiting; the request "
            "stays pending)…")
        try:
            while True:
                if interrupted():
                    raise KeyboardInterrupt
                view = A.get_request(self.store, request_id)
                if view.state in FINAL_STATES:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    say(f"interlock: still pending after {spec.wait_timeout:g} s: request "
                        f"{request_id}. Nothing ran; run the same command again later.")
                    return EXIT_PENDING
                sleep(spec.poll if deadline is None else
                      max(0.0, min(spec.poll, deadline - time.monotonic())))
        except KeyboardInterrupt:
            say(f"interlock: interrupted while waiting; request {request_id} stays pending. "
                "Nothing ran.")
            return EXIT_INTERRUPTED
        except InterlockError as e:
            say(f"interlock: the store cannot be read ({e}); nothing ran.")
            return EXIT_DENIED
        if view.state != "approved":
            why = f" ({view.state_reason})" if view.state_reason else ""
            say(f"interlock: request {request_id} was {view.state}{why}. Nothing ran.")
            return EXIT_DENIED
        return self._redeem_and_run(spec, base_env, request_id, runner, requester, say)

    def _redeem_and_run(self, spec: RunSpec, base_env: Mapping[str, str], request_id: str,
                        runner: Runner, requester: Principal, say: Callable[[str], None]) -> int:
        """Decide again (controls and policy may have moved), re-hash the files, redeem the
        grant with exactly that, and run. Any difference: refused, nothing runs."""
        from ... import approvals as A

        actor = spec.agent or "broker"
        p = self.prepare(spec, base_env)
        d = p.decision
        if d.decision == "deny":
            self._audit_decision(say, p, actor, request_id)
            say(_deny_text(d, f"request {request_id} was approved, but the action is now "
                               "denied"))
            return EXIT_DENIED
        view = None
        try:
            binding = make_binding(d.action_hash, p.program, spec.argv, spec.cwd, d.effects)
            view = A.get_request(self.store, request_id)
            A.redeem(self.store, request_id, p.action, requester,
                     policy_version=d.policy_version, plan_hash=binding.digest)
        except A.ApprovalError as e:
            hint = ""
            if view is not None and view.plan_hash not in (None, binding.digest):
                hint = ("the files this command runs changed since the approval (or the "
                        f"program moved):\n{_bound_text(binding)}\n")
            say(f"interlock: refused at redeem: {e}. {hint}Nothing ran.")
            return EXIT_DENIED
        except InterlockError as e:
            say(f"interlock: refused: {e}. Nothing ran.")
            return EXIT_DENIED
        say(f"interlock: request {request_id} approved; running it once.")
        return self._run(spec, p, binding, runner, say, actor, request_id)

    def _run(self, spec: RunSpec, p: Prepared, binding: Binding, runner: Runner,
             say: Callable[[str], None], actor: str, request_id: str | None) -> int:
        if not p.program:
            say(f"interlock: {spec.argv[0]}: command not found. Nothing ran.")
            result = RunResult(127, 0.0, started=False, error="command not found")
        else:
            result = runner(p.program, list(spec.argv), spec.cwd, p.env, spec.timeout)
            if result.error:
                say(f"interlock: {result.error}")
            elif result.timed_out:
                say(f"interlock: timed out after {spec.timeout:g} s; the command was stopped "
                    "(SIGTERM, then SIGKILL).")
        self._audit(say, "broker.run", actor, p.decision.action_hash, {
            "action_hash": p.decision.action_hash, "request_id": request_id,
            "agent": spec.agent, "on_behalf_of": spec.on_behalf_of,
            "command": p.action["input"]["command"], "cwd": spec.cwd,
            "binding": binding.to_json(), "credentials": p.credentials, **result.to_json()})
        return result.status


# -- messages -------------------------------------------------------------------------------
def _need(d: Decision) -> str:
    n = d.approvals_required
    return f"{n} approval{'s' if n != 1 else ''}"


def _reasons(d: Decision) -> str:
    lines = [f"  - {r.get('message') or r.get('policy')}" for r in d.reasons[:6]]
    return ("why:\n" + "\n".join(lines) + "\n") if lines else ""


def _deny_text(d: Decision, lead: str = "denied") -> str:
    text = f"interlock: {lead}"
    if d.error:
        text += f" ({d.error})"
    return f"{text}. Nothing ran.\n{_reasons(d)}".rstrip("\n")


def _how_to_approve(request_id: str) -> str:
    return (f"Humans approve with `interlock requests approve {request_id}` (or in the web "
            "inbox); then run the same command again, or pass --wait.")


def _bound_text(binding: Binding) -> str:
    return "\n".join(f"  {h[:12] + '…' if h else '(absent)'}  {p}" for p, h in binding.files) \
        or "  (no files bound)"
