"""One decision, end to end: envelope → effects → environments → Cedar → Decision.

`Decider` loads policy and inventory once and then decides many actions. Every failure on the
way — malformed input, an analyzer error, an unusable policy or inventory — is a `deny` with an
`error`, never an exception and never an allow.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .actions import Action, action_hash, parse_action
from .decision import Decision
from .effects import Effect
from .errors import InputError, InterlockError
from .inventory import DEFAULT_TIER, Inventory, Resolver, load_inventory, stricter
from .policy import ALLOW, DENY, PolicyEngine, Verdict

TF_FACTS = ("tf_prior", "tf_total", "tf_creates", "tf_updates", "tf_deletes", "tf_replaces", "tf_forgets",
            "tf_stateful_deletes", "tf_destroy_share_pct")
# Tools where "no effects" is a real answer: transaction control only (`BEGIN; COMMIT`), a
# Terraform plan that changes nothing.
SEEN_THROUGH_EMPTY = frozenset({"sql", "terraform"})
# Cedar Longs are signed 64-bit; clamp so a hostile count cannot make the request invalid.
_LONG_MAX = 2**63 - 1
_NO_FACTS = dict.fromkeys(TF_FACTS, 0)


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    # Two parsers may keep different duplicates; the guard and the executor must see one value.
    obj: dict[str, Any] = {}
    for k, v in pairs:
        if k in obj:
            raise InputError(f"duplicate JSON key {k!r}")
        obj[k] = v
    return obj


def _reject_constant(name: str) -> Any:
    raise InputError(f"{name} is not valid JSON")


def load_json(raw: bytes | str) -> Any:
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(f"input is not UTF-8: {e}") from None
    if not raw.strip():
        raise InputError("no input: expected an action as a JSON object")
    try:
        return json.loads(raw, object_pairs_hook=_reject_duplicate_keys,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise InputError(f"input is not valid JSON: {e}") from None
    except ValueError as e:  # e.g. an integer beyond Python's int-string digit limit
        raise InputError(f"input is not usable JSON: {e}") from None
    except RecursionError:
        raise InputError("input JSON is nested too deeply") from None


def _raw_hash(raw: bytes | str | Any) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    elif not isinstance(raw, bytes):
        try:
            raw = repr(raw).encode("utf-8", "backslashreplace")
        except RecursionError:  # too deep to print: the error is the same for all of them
            raw = b"<nested too deeply>"
    return hashlib.sha256(raw).hexdigest()


_analysis_mod: Any = None


def _analysis() -> Any:
    """The analysis package, imported on first use (a cold start that never analyses stays
    light) and then kept: an import statement per decision costs more than the call. Its
    `analyze` is looked up at each call (tests replace it)."""
    global _analysis_mod
    if _analysis_mod is None:
        from . import analysis

        _analysis_mod = analysis
    return _analysis_mod


class Decider:
    def __init__(self, policy_dir: str | Path | None = None,
                 inventory: str | Path | Inventory | None = None,
                 default_tier: str | None = None,
                 environ: Mapping[str, str] | None = None,
                 terraform_plans: bool = False,
                 controls: Callable[[], Any] | None = None):
        self.config_error: str | None = None
        # The store's emergency controls (freeze per tier, kill switch per agent, break-glass),
        # read afresh for every decision; a store that cannot be read denies.
        self.controls = controls
        # Guarded deployments only: run `terraform plan` for a shell `terraform apply` and decide
        # on the real changes. It executes terraform (and its providers) in the action's working
        # directory, so the agent must not be able to write there.
        self.terraform_plans = terraform_plans
        self.default_tier = default_tier or DEFAULT_TIER
        self.engine: PolicyEngine | None = None
        self.environ = environ
        try:
            inv = inventory if isinstance(inventory, Inventory) else load_inventory(inventory)
            inv = inv.with_default(default_tier)
            self.default_tier = inv.default
            self.resolver = Resolver(inv, environ)
            self.engine = PolicyEngine(policy_dir)
            # The default tier (--env) changes decisions as much as the inventory does.
            self.policy_version = hashlib.sha256(
                f"{self.engine.digest}:{inv.digest}:{inv.default}".encode()).hexdigest()
        except InterlockError as e:
            self.config_error = str(e)
            self.policy_version = None

    # -- entry points ---------------------------------------------------------------------
    def decide_raw(self, raw: bytes | str, *, breakglass: bool = False) -> Decision:
        try:
            obj = load_json(raw)
        except InputError as e:
            return self.error(str(e), _raw_hash(raw))
        return self._decide(obj, breakglass, raw)

    def decide(self, obj: Any, *, breakglass: bool = False, raw_hash: str | None = None) -> Decision:
        return self._decide(obj, breakglass, None, raw_hash)

    def _decide(self, obj: Any, breakglass: bool, raw: bytes | str | None,
                raw_hash: str | None = None) -> Decision:
        # The raw text's hash only names an action that failed to parse: computed then.
        try:
            action = parse_action(obj)
            digest = action_hash(action)
        except (InputError, ValueError) as e:
            return self.error(str(e), raw_hash or _raw_hash(obj if raw is None else raw))
        except RecursionError:  # an SDK caller's object nested deeper than JSON text allows
            return self.error("input is nested too deeply",
                              raw_hash or _raw_hash(obj if raw is None else raw))
        return self.decide_action(action, digest, breakglass=breakglass)

    def decide_action(self, action: Action, digest: str | None = None, *,
                      breakglass: bool = False) -> Decision:
        digest = digest or action_hash(action)
        if self.config_error is not None or self.engine is None:
            return self.error(self.config_error or "policy not loaded", digest)
        try:
            effects = _analysis().analyze(action, self.environ)
            if action.tool == "mcp" and self.engine.mcp_overrides:
                self._apply_mcp_override(action, effects)
            if action.tool == "shell" and self.terraform_plans:
                effects = self._with_terraform_plans(effects)
            self.resolver.refresh()
            for effect in effects:
                self.resolver.resolve(effect)
            controls = self.controls() if self.controls is not None else None
            verdict = self._judge(action, effects, breakglass, controls)
            if controls is not None:
                verdict = verdict.stricter(_control_verdict(action, effects, controls))
        except InterlockError as e:
            return self.error(str(e), digest)
        except RecursionError:
            return self.error("input is nested too deeply to analyse", digest)
        except Exception as e:  # noqa: BLE001 - a bug must deny, not crash the hook open
            return self.error(f"internal error while deciding ({type(e).__name__}: {e})", digest)
        environment = self.default_tier
        if effects:
            environment = effects[0].environment or self.default_tier
            for e in effects[1:]:
                environment = stricter(environment, e.environment or self.default_tier)
        return Decision(
            decision=verdict.decision,
            approvals_required=verdict.approvals,
            environment=environment,
            reasons=[{"policy": p, "message": m} for p, m in verdict.reasons],
            effects=effects,
            action_hash=digest,
            error=verdict.error,
            policy_version=self.policy_version,
            approver_group=verdict.approver_group,
        )

    def error(self, message: str, digest: str) -> Decision:
        return Decision(DENY, 0, self.default_tier, [{"policy": "error", "message": message}],
                        [], digest, message, self.policy_version)

    def _with_terraform_plans(self, effects: list[Effect]) -> list[Effect]:
        """Replace each local `terraform|tofu apply|destroy` effect by its real plan's effects.

        When the plan cannot be computed the command-line effect stays: no worse than before.
        """
        from .analysis.terraform import analyze_terraform
        from .effects import Risk, Verb
        from .terraform.shell import plan_for_shell

        out: list[Effect] = []
        for effect in effects:
            plan = None
            if (effect.program in ("terraform", "tofu") and effect.argv and effect.cwd
                    and effect.verb in (Verb.UPDATE, Verb.DELETE, Verb.REPLACE)
                    and not any(t.kind == "host" for t in effect.targets)):
                plan = plan_for_shell(effect.cwd, effect.argv, environ=self.environ)
            if plan is None:
                out.append(effect)
                continue
            workdir = next((t.source for t in effect.targets if t.kind == "tf_workspace"),
                           effect.cwd)
            planned = analyze_terraform(plan, None, workdir)
            for p in planned:
                p.program = effect.program
                p.detail = "; ".join(x for x in (p.detail, "from the plan of "
                                                 + " ".join(effect.argv)[:120]) if x)
            # Risks the command line carries beyond the plan (dynamic parts, tampering) stay.
            if effect.risks - {Risk.MASS_DESTRUCTION}:
                out.append(effect)
            out.extend(planned)
        return out

    def _apply_mcp_override(self, action: Action, effects: list[Effect]) -> None:
        from .policy.overrides import find_override

        assert self.engine is not None
        server, tool = action.input["server"], action.input["tool"]
        override = find_override(self.engine.mcp_overrides, server, tool)
        if override is None:
            return
        for effect in effects:
            # Only the call's own (claimed or guessed) verb; parsed payload effects stand.
            if effect.resource == f"mcp {server}/{tool}":
                effect.verb = override.verb
                effect.detail = "; ".join(x for x in (
                    effect.detail, f"verb {override.verb} set by operator override"
                    + (f" ({override.note})" if override.note else "")) if x)

    # -- policy -----------------------------------------------------------------------------
    def _principals(self, action: Action) -> list[tuple[str, str]]:
        # Delegation is an intersection: decide as the agent and as the human; stricter wins.
        principals = [("Agent", action.agent or "unknown")]
        if action.on_behalf_of:
            principals.append(("Human", action.on_behalf_of))
        return principals

    def context(self, action: Action, effect: Effect, breakglass: bool,
                controls: Any = None) -> dict[str, Any]:
        inp = action.input
        program = effect.program
        if action.tool == "mcp":
            program = f"{inp['server']}/{inp['tool']}"
        ctx: dict[str, Any] = {
            "tool": action.tool,
            "tier": effect.environment or self.default_tier,
            "verb": str(effect.verb),
            "resource": effect.resource,
            "target": effect.resolved_target or "",
            "scope": str(effect.scope),
            "stateful": effect.stateful,
            "reversible": effect.reversible,
            "risks": sorted(str(r) for r in effect.risks) if effect.risks else [],
            "program": program,
            "mcp_server": inp.get("server", "") if action.tool == "mcp" else "",
            "mcp_tool": inp.get("tool", "") if action.tool == "mcp" else "",
            "delegated": action.on_behalf_of is not None,
            "breakglass": breakglass or _breakglass_covers(controls, action, effect),
        }
        facts = effect.facts
        if facts:
            for name in TF_FACTS:
                ctx[name] = max(0, min(int(facts.get(name, 0)), _LONG_MAX))
        else:  # most effects (everything but Terraform plans) carry no counts
            ctx.update(_NO_FACTS)
        return ctx

    def _judge(self, action: Action, effects: list[Effect], breakglass: bool,
               controls: Any = None) -> Verdict:
        assert self.engine is not None
        if not effects:
            if action.tool in SEEN_THROUGH_EMPTY:
                return Verdict(ALLOW, 0, (("no-effects", "the action changes nothing"),))
            # An analyzer that sees nothing in a command or call is a bug, not a read.
            raise InputError(f"{action.tool}: the analyzer found no effects in this action; "
                             "refusing to guess")
        verdict: Verdict | None = None
        principals = self._principals(action)
        for effect in effects:
            ctx = self.context(action, effect, breakglass, controls)
            got: Verdict | None = None
            for principal in principals:
                v = self.engine.decide(principal, ctx["verb"], ctx["target"], ctx)
                got = v if got is None else got.stricter(v)
            assert got is not None
            verdict = got if verdict is None else verdict.stricter(got)
            if verdict.decision == DENY and verdict.error:
                break
        assert verdict is not None
        return verdict


# Verbs a freeze stops: everything that changes something (reads, secret reads included, go on).
_FROZEN_VERBS = frozenset({"create", "update", "delete", "replace", "forget", "privilege",
                           "execute", "opaque"})


def _breakglass_covers(controls: Any, action: Action, effect: Effect) -> bool:
    """A break-glass is a named human's: it covers that human and agents acting for them."""
    if controls is None or not action.on_behalf_of:
        return False
    bg = controls.breakglass.get(effect.environment or "")
    return bg is not None and bg.human == action.on_behalf_of


def _control_verdict(action: Action, effects: list[Effect], controls: Any) -> Verdict:
    reasons: list[tuple[str, str]] = []
    if action.agent and action.agent in controls.killed:
        reasons.append(("control.kill-switch", f"agent {action.agent!r} is stopped by its kill "
                                               "switch"))
    frozen = sorted({e.environment for e in effects
                     if e.environment in controls.frozen and str(e.verb) in _FROZEN_VERBS})
    if frozen:
        reasons.append(("control.freeze", f"{', '.join(frozen)} is frozen: no changes until "
                                          "the freeze is lifted"))
    if reasons:
        return Verdict(DENY, 0, tuple(reasons))
    return Verdict(ALLOW, 0, ())

