"""Effects of a Terraform/OpenTofu plan, from the JSON of `terraform show -json PLANFILE`.

One pass over `resource_changes`, constant work per change (dict look-ups, no copies, no
regex), so a 10,000-change plan costs a fraction of its own `json.load`.

Plan-wide facts (identical on every effect; names are the Cedar schema's):
  tf_prior      managed resource instances in the prior state (deposed objects included):
                the larger of the count in `prior_state` and the number of managed
                `resource_changes` that act on an existing object (every action but create).
                `-target` plans list only the targeted changes; `prior_state` still has all.
  tf_creates    managed changes ["create"].
  tf_total      tf_prior + tf_creates: the state size after creates, the blast-radius scale.
  tf_updates    ["update"].
  tf_deletes    ["delete"] (including deposed objects).
  tf_replaces   ["delete","create"] + ["create","delete"].
  tf_forgets    ["forget"] + ["create","forget"] (the old object leaves state, not the cloud).
  tf_stateful_deletes  deletes + replaces of STATEFUL_TYPES.
  tf_destroy_share_pct ceil(100 * (tf_deletes + tf_replaces) / tf_prior), 0 when tf_prior
                is 0. Measured against the PRIOR state, not tf_total: creates must not dilute
                a destruction (create 1,000 null resources, delete 20 % of the real ones).
                Rounded up so that "> 20" is exact for any real share above 20 %.
Mass destruction (Risk.MASS_DESTRUCTION on the deletes and replaces): a full destroy (every
prior instance deleted, scope all) or tf_destroy_share_pct > MASS_SHARE_PCT (scope many).
Per effect, whatever the share (scope all): destroying a container type (namespace, resource
group, project) or a stateful object whose guards say the data goes with it
(skip_final_snapshot = true, force_destroy = true, …).
Besides resource changes: root `output_changes` (update effects on `output.NAME`) and
`deferred_changes` (shown with their verb, not counted, never mass) are effects too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...effects import Effect, Risk, Scope, Target, Verb
from ...errors import InputError
from .providers import ProviderTargets, aws_account_of
from .resources import (
    ARN_ATTRS,
    CONTAINER_TYPES,
    DESTROY_GUARDS,
    K8S_NAMESPACE_TYPES,
    K8S_TYPE_PREFIX,
    STATEFUL_TYPES,
    TYPE_TARGETS,
    VALUE_TARGETS,
)

MASS_SHARE_PCT = 20
SUPPORTED_FORMAT_MAJORS = ("0", "1")
FACT_NAMES = (
    "tf_total", "tf_prior", "tf_creates", "tf_updates", "tf_deletes", "tf_replaces",
    "tf_forgets", "tf_stateful_deletes", "tf_destroy_share_pct",
)

# change.actions (as a tuple) -> (verb, counter key or "", destroys the prior object).
# This is the complete set Terraform's jsonplan emits; anything else fails closed.
ACTIONS: dict[tuple[str, ...], tuple[Verb | None, str, bool]] = {
    ("no-op",): (None, "", False),
    ("create",): (Verb.CREATE, "tf_creates", False),
    ("read",): (Verb.READ, "", False),
    ("update",): (Verb.UPDATE, "tf_updates", False),
    ("delete",): (Verb.DELETE, "tf_deletes", True),
    ("delete", "create"): (Verb.REPLACE, "tf_replaces", True),
    ("create", "delete"): (Verb.REPLACE, "tf_replaces", True),
    ("forget",): (Verb.FORGET, "tf_forgets", False),
    ("create", "forget"): (Verb.REPLACE, "tf_forgets", False),
}
ORDER_NOTE: dict[tuple[str, ...], str] = {
    ("delete", "create"): "destroy then create",
    ("create", "delete"): "create_before_destroy",
    ("create", "forget"): "create then forget: the old object is kept, not destroyed",
}
MAX_UNKNOWN_NAMES = 6


@dataclass(slots=True)
class PlanSummary:
    """Blast radius of a plan: the facts plus counts per (action, type)."""

    facts: dict[str, int]
    full_destroy: bool
    mass_destruction: bool
    by_type: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(slots=True)
class PlanAnalysis:
    effects: list[Effect]
    summary: PlanSummary


def _fail(msg: str) -> InputError:
    return InputError(f"terraform plan: {msg}")


def _check_plan(plan: Any) -> list[Any] | None:
    if not isinstance(plan, dict):
        raise _fail("must be the JSON object of `terraform show -json PLANFILE`")
    fv = plan.get("format_version")
    if not isinstance(fv, str) or not fv:
        raise _fail("missing 'format_version' (not the output of `terraform show -json`?)")
    major, _, minor = fv.partition(".")
    if major not in SUPPORTED_FORMAT_MAJORS or not minor.isdigit():
        raise _fail(f"unsupported format_version {fv!r}")
    if plan.get("errored") is True:
        raise _fail("Terraform reported errors while planning ('errored': true); "
                    "an errored plan is incomplete and cannot be applied")
    if "resource_changes" not in plan and "planned_values" not in plan:
        raise _fail("neither 'resource_changes' nor 'planned_values': not a plan "
                    "(state JSON from `terraform show -json` without a plan file?)")
    rcs = plan.get("resource_changes")
    if rcs is None:
        if "resource_changes" in plan:
            raise _fail("'resource_changes' is null")
        return None
    if not isinstance(rcs, list):
        raise _fail("'resource_changes' must be a list")
    return rcs


def _module_has_resources(module: Any) -> bool:
    if not isinstance(module, dict):
        return False
    if module.get("resources"):
        return True
    return any(_module_has_resources(c) for c in module.get("child_modules") or ())


def _values_root(section: Any) -> Any:
    if not isinstance(section, dict):
        return None
    values = section.get("values")
    return values.get("root_module") if isinstance(values, dict) else section.get("root_module")


def _count_prior(plan: dict[str, Any]) -> int:
    """Managed resource instances in `prior_state` (iterative walk over child modules)."""
    n = 0
    stack = [_values_root(plan.get("prior_state"))]
    while stack:
        module = stack.pop()
        if not isinstance(module, dict):
            continue
        for r in module.get("resources") or ():
            if isinstance(r, dict) and r.get("mode", "managed") == "managed":
                n += 1
        children = module.get("child_modules")
        if isinstance(children, list):
            stack.extend(children)
    return n


def _path_text(path: Any) -> str:
    if not isinstance(path, list):
        return str(path)
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _unknown_names(after_unknown: Any) -> str:
    if after_unknown is True:
        return "all attributes"
    if not isinstance(after_unknown, dict) or not after_unknown:
        return ""
    names = [k for k, v in after_unknown.items() if v]
    if not names:
        return ""
    more = len(names) - MAX_UNKNOWN_NAMES
    text = ", ".join(names[:MAX_UNKNOWN_NAMES])
    return f"{text} (+{more} more)" if more > 0 else text


def _guards(obj: Any, parts: list[str]) -> bool:
    """Add the destroy guards set on the object being destroyed to `parts`; True when one of
    them makes the destroy take all the data at once."""
    if not isinstance(obj, dict):
        return False
    mass = False
    for name, bad, meaning, wipes in DESTROY_GUARDS:
        value = obj.get(name)
        if value is None:
            continue
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        if bad is None or (type(value) is type(bad) and value == bad):
            parts.append(f"{name}={shown} ({meaning})")
            mass = mass or wipes
        else:
            parts.append(f"{name}={shown}")
    return mass


def _value_targets(rtype: str, obj: Any, acc: dict[Target, None]) -> None:
    """Targets named by a resource's attribute values (top level, plus k8s metadata)."""
    if not isinstance(obj, dict):
        return
    for attr, kind in VALUE_TARGETS:
        v = obj.get(attr)
        if isinstance(v, str) and v:
            acc[Target(kind, v)] = None
    for attr in ARN_ATTRS:
        v = obj.get(attr)
        if isinstance(v, str) and (acct := aws_account_of(v)):
            acc[Target("aws_account", acct)] = None
    for attr, kind in TYPE_TARGETS.get(rtype, ()):
        v = obj.get(attr)
        if isinstance(v, str) and v:
            acc[Target(kind, v)] = None
    if rtype.startswith(K8S_TYPE_PREFIX):
        meta = obj.get("metadata")
        if isinstance(meta, list) and meta:
            meta = meta[0]
        if isinstance(meta, dict):
            ns = meta.get("name" if rtype in K8S_NAMESPACE_TYPES else "namespace")
            if isinstance(ns, str) and ns:
                acc[Target("k8s_namespace", ns)] = None


def _parse_change(i: int, rc: Any) -> tuple[str, str, str, dict[str, Any], tuple[str, ...]]:
    """Validate one resource_changes entry: (address, type, provider, change, actions)."""
    if not isinstance(rc, dict):
        raise _fail(f"resource_changes[{i}] is not an object")
    addr = rc.get("address")
    rtype = rc.get("type")
    pname = rc.get("provider_name")
    change = rc.get("change")
    if not (isinstance(addr, str) and addr and isinstance(rtype, str) and rtype
            and isinstance(pname, str) and isinstance(change, dict)):
        raise _fail(f"resource_changes[{i}] lacks address/type/provider_name/change")
    actions = change.get("actions")
    if not isinstance(actions, list) or not actions:
        raise _fail(f"{addr}: change.actions must be a non-empty list")
    try:
        key = tuple(actions)
        if key not in ACTIONS:
            raise KeyError(key)
    except (KeyError, TypeError):
        raise _fail(f"{addr}: unknown change.actions {actions!r}") from None
    mode = rc.get("mode", "managed")
    if mode == "data":
        if ACTIONS[key][0] not in (None, Verb.READ):
            raise _fail(f"{addr}: data source with actions {actions!r}")
    elif mode != "managed":
        raise _fail(f"{addr}: unknown mode {mode!r}")
    return addr, rtype, pname, change, key


def _describe(rc: dict[str, Any], change: dict[str, Any], key: tuple[str, ...], verb: Verb,
              destroys: bool, stateful: bool) -> tuple[list[str], bool]:
    """What the human needs to see about one change, and whether it wipes a stateful thing
    whole (a container type, or a guard such as skip_final_snapshot = true)."""
    parts: list[str] = []
    importing = change.get("importing")
    if verb is Verb.REPLACE:
        parts.append(f"replace ({ORDER_NOTE[key]})")
    elif importing is not None:
        imp_id = importing.get("id") if isinstance(importing, dict) else None
        parts.append(f"import id={imp_id}" if imp_id else "import")
    if destroys and "deposed" in rc:
        parts.append(f"deposed object {rc['deposed']}")
    prev = rc.get("previous_address")
    if isinstance(prev, str) and prev != rc["address"]:
        parts.append(f"moved from {prev}")
    reason = rc.get("action_reason")
    if isinstance(reason, str) and reason:
        parts.append(f"because {reason}")
    rpaths = change.get("replace_paths")
    if isinstance(rpaths, list) and rpaths:
        parts.append("replace paths: " + ", ".join(_path_text(p) for p in rpaths))
    if verb is not Verb.DELETE and verb is not Verb.FORGET:
        unknown = _unknown_names(change.get("after_unknown"))
        if unknown:
            parts.append(f"known after apply: {unknown}")
    rtype = rc["type"]
    if stateful:
        parts.append(f"stateful type {rtype}")
    wipes = False
    if destroys:
        wipes = _guards(change.get("before"), parts) and stateful
        if rtype in CONTAINER_TYPES:
            wipes = True
            parts.append("destroys everything inside it, managed by Terraform or not")
    return parts, wipes


def analyze_plan(plan: Any, workspace: str | None = None,
                 working_dir: str | None = None) -> PlanAnalysis:
    """Effects and blast radius of a plan. Raises InputError on anything malformed."""
    rcs = _check_plan(plan)
    if rcs is None:
        # No resource_changes: honest only if there is nothing to change.
        if (_module_has_resources(_values_root(plan.get("planned_values")))
                or _count_prior(plan)):
            raise _fail("'resource_changes' is missing but the plan has resources")
        rcs = []

    ws_target = (Target("tf_workspace", workspace) if workspace is not None
                 else Target("tf_workspace", None, source=working_dir))
    providers = ProviderTargets(plan)
    counts = dict.fromkeys(FACT_NAMES, 0)
    by_type: dict[tuple[str, str], int] = {}
    existing = 0  # managed changes acting on an object already in state
    # (effect, destroys, detail parts) — facts and mass risk are known only after the pass.
    pending: list[tuple[Effect, bool, list[str]]] = []

    for i, rc in enumerate(rcs):
        addr, rtype, pname, change, key = _parse_change(i, rc)
        verb, counter, destroys = ACTIONS[key]
        if key != ("create",) and rc.get("mode", "managed") == "managed":
            existing += 1
        if verb is None:
            # A no-op that imports or moves still changes the state: surface it.
            if change.get("importing") is not None:
                verb = Verb.CREATE
            elif rc.get("previous_address", addr) != addr:
                verb = Verb.UPDATE
            else:
                continue
        if counter:
            counts[counter] += 1
        tkey = (" ".join(key), rtype)
        by_type[tkey] = by_type.get(tkey, 0) + 1

        stateful = rtype in STATEFUL_TYPES
        if destroys and stateful:
            counts["tf_stateful_deletes"] += 1
        parts, wipes = _describe(rc, change, key, verb, destroys, stateful)
        ptargets, pdetail = providers.get(pname)
        if pdetail:
            parts.append(pdetail)
        acc: dict[Target, None] = dict.fromkeys((ws_target, *ptargets))
        _value_targets(rtype, change.get("before"), acc)
        _value_targets(rtype, change.get("after"), acc)

        # Deletes lose the object; a replace loses it only if it held state; the rest can be
        # undone by another apply (a forgotten object still exists and can be imported).
        reversible = verb is not Verb.DELETE and not (destroys and stateful)
        effect = Effect(verb, addr, tuple(acc), reversible=reversible, stateful=stateful)
        if wipes:
            # All of one stateful thing at once, whatever the plan's share.
            effect.risks = frozenset((Risk.MASS_DESTRUCTION,))
            effect.scope = Scope.ALL
        pending.append((effect, destroys, parts))

    _add_output_changes(plan, ws_target, pending)
    _add_deferred_changes(plan, ws_target, providers, pending)
    return _finish(plan, counts, existing, pending, by_type)


def _finish(plan: dict[str, Any], counts: dict[str, int], existing: int,
            pending: list[tuple[Effect, bool, list[str]]],
            by_type: dict[tuple[str, str], int]) -> PlanAnalysis:
    """Plan-wide facts, then mass-destruction risk and detail on every effect."""
    prior = max(_count_prior(plan), existing)
    destroyed = counts["tf_deletes"] + counts["tf_replaces"]
    counts["tf_prior"] = prior
    counts["tf_total"] = prior + counts["tf_creates"]
    share = min(100, -(-destroyed * 100 // prior)) if prior else 0
    counts["tf_destroy_share_pct"] = share
    full_destroy = prior > 0 and counts["tf_deletes"] >= prior
    mass = full_destroy or share > MASS_SHARE_PCT
    mass_note = (f"full destroy: all {prior} resources in state" if full_destroy else
                 f"mass destruction: {share}% of the {prior} resources in state "
                 f"deleted or replaced")
    headline = (f"plan: {counts['tf_creates']} to create, {counts['tf_updates']} to update, "
                f"{counts['tf_replaces']} to replace, {counts['tf_deletes']} to delete, "
                f"{counts['tf_forgets']} to forget")

    effects: list[Effect] = []
    for effect, destroys, parts in pending:
        if destroys and mass:
            effect.risks = frozenset((Risk.MASS_DESTRUCTION,))
            if full_destroy or effect.scope is Scope.ONE:
                effect.scope = Scope.ALL if full_destroy else Scope.MANY
            parts.append(mass_note)
        if destroys:
            parts.append(headline)
        effect.detail = "; ".join(parts)
        effect.facts = dict(counts)
        effects.append(effect)
    return PlanAnalysis(effects, PlanSummary(counts, full_destroy, mass, by_type))


def _add_output_changes(plan: dict[str, Any], ws_target: Target,
                        pending: list[tuple[Effect, bool, list[str]]]) -> None:
    """Root output changes are state changes too (remote_state readers see them)."""
    ocs = plan.get("output_changes")
    if ocs is None:
        return
    if not isinstance(ocs, dict):
        raise _fail("'output_changes' must be an object")
    for name, oc in ocs.items():
        actions = oc.get("actions") if isinstance(oc, dict) else None
        if not isinstance(actions, list) or not actions:
            raise _fail(f"output {name}: actions must be a non-empty list")
        try:
            verb = ACTIONS[tuple(actions)][0]
        except (KeyError, TypeError):
            raise _fail(f"output {name}: unknown actions {actions!r}") from None
        if verb is None:
            continue
        pending.append((Effect(Verb.UPDATE, f"output.{name}", (ws_target,)), False,
                        [f"output {' '.join(actions)}"]))


def _add_deferred_changes(plan: dict[str, Any], ws_target: Target, providers: ProviderTargets,
                          pending: list[tuple[Effect, bool, list[str]]]) -> None:
    """Changes Terraform could not plan yet (`deferred_changes`, complete = false): this plan
    does not apply them, but the human sees them, and they are decided like any change."""
    deferred = plan.get("deferred_changes")
    if deferred is None:
        return
    if not isinstance(deferred, list):
        raise _fail("'deferred_changes' must be a list")
    for i, item in enumerate(deferred):
        rc = item.get("resource_change") if isinstance(item, dict) else None
        change = rc.get("change") if isinstance(rc, dict) else None
        addr = rc.get("address") if isinstance(rc, dict) else None
        actions = change.get("actions") if isinstance(change, dict) else None
        if not isinstance(addr, str) or not isinstance(actions, list) or not actions:
            raise _fail(f"deferred_changes[{i}] lacks resource_change.address/change.actions")
        try:
            verb = ACTIONS[tuple(actions)][0]
        except (KeyError, TypeError):
            raise _fail(f"{addr}: unknown deferred change.actions {actions!r}") from None
        if verb is None:
            continue
        assert isinstance(rc, dict)
        rtype = rc.get("type")
        pname = rc.get("provider_name")
        ptargets = providers.get(pname)[0] if isinstance(pname, str) else ()
        stateful = rtype in STATEFUL_TYPES
        note = (f"deferred ({item.get('reason')}): {' '.join(actions)} is not applied by this "
                "plan; a later plan will propose it again")
        pending.append((Effect(verb, addr, (ws_target, *ptargets), stateful=stateful,
                               reversible=verb not in (Verb.DELETE, Verb.REPLACE)), False, [note]))


def analyze_terraform(plan: Any, workspace: str | None = None,
                      working_dir: str | None = None) -> list[Effect]:
    """One effect per resource change that is not a no-op (see module doc for the facts)."""
    return analyze_plan(plan, workspace, working_dir).effects
