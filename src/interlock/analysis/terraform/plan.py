"""Effects of a Terraform/OpenTofu plan, from the JSON of `terraform show -json PLANFILE`.

One pass over `resource_changes`, constant work per change (dict look-ups, no copies, no
regex), so a 10,000-change plan costs a fraction of its own `json.load`.

Plan-wide facts (identical on every effect; names are the Cedar schema's):
  tf_prior      managed resource instances in the prior state (deposed objects included):
                the larger of the count in `prior_state` and the number of managed
                `resource_changes` that act on an object in state (every action but create,
                imports excluded), each (address, deposed) once: a repeated entry fails.
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
from .address import config_address as _config_address
from .providers import ProviderTargets, aws_account_of
from .resources import (
    ARN_ATTRS,
    CONTAINER_TYPES,
    DESTROY_GUARDS,
    EXECUTE_DATA_SOURCES,
    K8S_NAMESPACE_TYPES,
    K8S_TYPE_PREFIX,
    MANIFEST_TYPES,
    STATEFUL_MANIFEST_KINDS,
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


def _count_prior(plan: dict[str, Any], imported: frozenset[str] = frozenset()) -> int:
    """Managed resource instances in `prior_state` (iterative walk over child modules).

    Counted once per (address, deposed key): a repeated entry must not dilute the share.
    `prior_state` already holds the objects the plan imports (Terraform plans against the
    state with them in it); they were not in the state before, so they do not count."""
    seen: set[Any] = set()
    stack = [_values_root(plan.get("prior_state"))]
    while stack:
        module = stack.pop()
        if not isinstance(module, dict):
            continue
        for r in module.get("resources") or ():
            if isinstance(r, dict) and r.get("mode", "managed") == "managed":
                addr = r.get("address")
                if isinstance(addr, str):
                    if addr not in imported:
                        seen.add((addr, r.get("deposed_key")))
                else:
                    seen.add(id(r))
        children = module.get("child_modules")
        if isinstance(children, list):
            stack.extend(children)
    return len(seen)


def _config_index(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Configuration resources (provider_config_key, provisioners) by key-less address."""
    out: dict[str, dict[str, Any]] = {}
    config = plan.get("configuration")
    stack: list[tuple[str, Any]] = [
        ("", config.get("root_module") if isinstance(config, dict) else None)]
    while stack:
        prefix, module = stack.pop()
        if not isinstance(module, dict):
            continue
        for r in module.get("resources") or ():
            if isinstance(r, dict) and isinstance(r.get("address"), str):
                out[prefix + r["address"]] = r
        calls = module.get("module_calls")
        if isinstance(calls, dict):
            for name, call in calls.items():
                if isinstance(call, dict):
                    stack.append((f"{prefix}module.{name}.", call.get("module")))
    return out


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
    if rtype in MANIFEST_TYPES:
        kind, name, ns = _manifest(obj)
        if kind == "Namespace" and name:
            acc[Target("k8s_namespace", name)] = None
        elif ns:
            acc[Target("k8s_namespace", ns)] = None
    elif rtype.startswith(K8S_TYPE_PREFIX):
        meta = obj.get("metadata")
        if isinstance(meta, list) and meta:
            meta = meta[0]
        if isinstance(meta, dict):
            ns = meta.get("name" if rtype in K8S_NAMESPACE_TYPES else "namespace")
            if isinstance(ns, str) and ns:
                acc[Target("k8s_namespace", ns)] = None


def _manifest(obj: Any) -> tuple[str, str, str]:
    """(kind, name, namespace) of a generic manifest resource: `kubernetes_manifest` keeps the
    object in `manifest`, `kubectl_manifest` exposes `kind`/`name`/`namespace` attributes."""
    if not isinstance(obj, dict):
        return "", "", ""
    m = obj.get("manifest")
    if isinstance(m, dict):
        meta = m.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        kind, name, ns = m.get("kind"), meta.get("name"), meta.get("namespace")
    else:
        kind, name, ns = obj.get("kind"), obj.get("name"), obj.get("namespace")
    return tuple(v if isinstance(v, str) else "" for v in (kind, name, ns))  # type: ignore[return-value]


def _kind_of(rtype: str, change: dict[str, Any]) -> tuple[bool, bool, str]:
    """(stateful, container, shown kind) of a resource type, looking inside generic manifests."""
    if rtype in MANIFEST_TYPES:
        for obj in (change.get("before"), change.get("after")):
            kind = _manifest(obj)[0]
            if kind in STATEFUL_MANIFEST_KINDS:
                return True, STATEFUL_MANIFEST_KINDS[kind], f"{rtype} ({kind})"
        return False, False, rtype
    return rtype in STATEFUL_TYPES, rtype in CONTAINER_TYPES, rtype


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
    elif key == ("read",):
        # Terraform never reads a managed resource in a plan; a "read" here would turn a
        # change into something every tier allows.
        raise _fail(f"{addr}: managed resource with actions {actions!r}")
    return addr, rtype, pname, change, key


def _describe(rc: dict[str, Any], change: dict[str, Any], key: tuple[str, ...], verb: Verb,
              destroys: bool, kind: tuple[bool, bool, str]) -> tuple[list[str], bool]:
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
    stateful, container, shown = kind
    if stateful:
        parts.append(f"stateful type {shown}")
    wipes = False
    if destroys:
        wipes = _guards(change.get("before"), parts) and stateful
        if container:
            wipes = True
            parts.append("destroys everything inside it, managed by Terraform or not")
    return parts, wipes


def analyze_plan(plan: Any, workspace: str | None = None,
                 working_dir: str | None = None) -> PlanAnalysis:
    """Effects and blast radius of a plan. Raises InputError on anything malformed."""
    rcs = _check_plan(plan)
    if rcs is None:
        # No resource_changes: honest only if there is nothing to change — or the plan says
        # nothing can be applied (a -refresh-only plan that found no drift), or it is a
        # -refresh-only plan whose only changes are its resource_drift.
        if ((_module_has_resources(_values_root(plan.get("planned_values")))
                or _count_prior(plan))
                and plan.get("applyable") is not False and not plan.get("resource_drift")):
            raise _fail("'resource_changes' is missing but the plan has resources")
        rcs = []

    ws_target = (Target("tf_workspace", workspace) if workspace is not None
                 else Target("tf_workspace", None, source=working_dir))
    providers = ProviderTargets(plan)
    config = _config_index(plan)
    counts = dict.fromkeys(FACT_NAMES, 0)
    by_type: dict[tuple[str, str], int] = {}
    existing = 0  # managed changes acting on an object already in state
    # (effect, destroys, detail parts) — facts and mass risk are known only after the pass.
    pending: list[tuple[Effect, bool, list[str]]] = []
    seen: set[tuple[str, Any]] = set()
    changed: set[str] = set()
    provisioned: set[int] = set()
    imported: set[str] = set()

    for i, rc in enumerate(rcs):
        addr, rtype, pname, change, key = _parse_change(i, rc)
        # Terraform lists each instance once (plus once per deposed object). A repeat is not
        # a plan it wrote, and repeated no-ops would dilute the destroyed share.
        ident = (addr, rc.get("deposed"))
        if ident in seen:
            raise _fail(f"{addr}: listed twice in resource_changes")
        seen.add(ident)
        verb, counter, destroys = ACTIONS[key]
        managed = rc.get("mode", "managed") == "managed"
        if change.get("importing") is not None:
            # An imported object is not in the prior state yet: counting it would let a plan
            # dilute its deletions with imports.
            imported.add(addr)
        elif key != ("create",) and managed:
            existing += 1
        if verb is None:
            # A no-op that imports or moves still changes the state: surface it.
            if change.get("importing") is not None:
                verb = Verb.CREATE
            elif rc.get("previous_address", addr) != addr:
                verb = Verb.UPDATE
            else:
                continue
        changed.add(addr)
        if counter:
            counts[counter] += 1
        tkey = (" ".join(key), rtype)
        by_type[tkey] = by_type.get(tkey, 0) + 1

        kind = _kind_of(rtype, change)
        stateful = kind[0]
        if destroys and stateful:
            counts["tf_stateful_deletes"] += 1
        parts, wipes = _describe(rc, change, key, verb, destroys, kind)
        cfg = config.get(_config_address(addr) or "")
        cfg_key = cfg.get("provider_config_key") if cfg is not None else None
        ptargets, pdetail = providers.get(pname, cfg_key if isinstance(cfg_key, str) else None)
        if pdetail:
            parts.append(pdetail)
        acc: dict[Target, None] = dict.fromkeys((ws_target, *ptargets))
        _value_targets(rtype, change.get("before"), acc)
        _value_targets(rtype, change.get("after"), acc)
        targets = tuple(acc)
        if not managed and rtype in EXECUTE_DATA_SOURCES:
            # Read during apply: the data source runs its program on the applying host.
            verb = Verb.EXECUTE
            parts.append(f"data source {rtype} runs a program when read")

        # Deletes lose the object; a replace loses it only if it held state; the rest can be
        # undone by another apply (a forgotten object still exists and can be imported).
        reversible = (verb is not Verb.DELETE and verb is not Verb.EXECUTE
                      and not (destroys and stateful))
        effect = Effect(verb, addr, targets, reversible=reversible, stateful=stateful)
        if wipes:
            # All of one stateful thing at once, whatever the plan's share.
            effect.risks = frozenset((Risk.MASS_DESTRUCTION,))
            effect.scope = Scope.ALL
        pending.append((effect, destroys, parts))
        if (cfg is not None and ("create" in key or "delete" in key)
                and id(cfg) not in provisioned):
            provisioned.add(id(cfg))  # once per configuration block, not per instance
            _add_provisioners(_config_address(addr) or addr, cfg, targets, working_dir, pending)

    _add_output_changes(plan, ws_target, pending)
    _add_deferred_changes(plan, ws_target, providers, pending)
    _add_action_invocations(plan, ws_target, providers, pending)
    _add_drift(plan, ws_target, providers, changed, pending)
    return _finish(plan, counts, existing, pending, by_type, frozenset(imported))


def _add_provisioners(addr: str, cfg: dict[str, Any], targets: tuple[Target, ...],
                      working_dir: str | None,
                      pending: list[tuple[Effect, bool, list[str]]]) -> None:
    """Provisioners run commands when their resource is created or destroyed (the JSON does
    not say which: `when = destroy` is not in it, so both count). A literal `local-exec`
    command is analysed as the shell command it is; anything else is an opaque execute."""
    provs = cfg.get("provisioners")
    if not isinstance(provs, list):
        return
    for prov in provs:
        ptype = prov.get("type") if isinstance(prov, dict) else None
        exprs = prov.get("expressions") if isinstance(prov, dict) else None
        exprs = exprs if isinstance(exprs, dict) else {}
        label = f"{addr} provisioner {ptype}"
        command = exprs.get("command")
        literal = command.get("constant_value") if isinstance(command, dict) else None
        if (ptype == "local-exec" and isinstance(literal, str) and literal.strip()
                and "interpreter" not in exprs and "environment" not in exprs):
            try:
                from ..shell import analyze_shell

                inner = analyze_shell(literal, working_dir or "")
            except InputError:
                inner = None
            if inner is not None:
                for e in inner:
                    e.detail = "; ".join(x for x in (e.detail, f"run by {label}") if x)
                    pending.append((e, False, [e.detail]))
                continue
        shown = f"command: {literal[:200]}" if isinstance(literal, str) else (
            "runs commands on the created machine" if ptype == "remote-exec" else
            "command set by an expression" if ptype == "local-exec" else "copies files")
        # A local command we cannot see through is opaque; the others run remotely.
        verb = Verb.OPAQUE if ptype == "local-exec" else Verb.EXECUTE
        pending.append((Effect(verb, label, targets, reversible=False), False,
                        [f"{ptype} provisioner, runs when an instance of {addr} is created or "
                         "destroyed; " + shown]))


def _add_action_invocations(plan: dict[str, Any], ws_target: Target,
                            providers: ProviderTargets,
                            pending: list[tuple[Effect, bool, list[str]]]) -> None:
    """Terraform 1.14 actions (`action_invocations`): provider operations run during apply
    (invoke a function, stop an instance, invalidate a cache), beyond any resource change."""
    for section, deferred in (("action_invocations", False),
                              ("deferred_action_invocations", True)):
        items = plan.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise _fail(f"'{section}' must be a list")
        for i, item in enumerate(items):
            inv = item.get("action_invocation") if deferred and isinstance(item, dict) else item
            addr = inv.get("address") if isinstance(inv, dict) else None
            if not isinstance(addr, str) or not addr:
                raise _fail(f"{section}[{i}] lacks an address")
            assert isinstance(inv, dict)
            pname = inv.get("provider_name")
            ptargets, pdetail = providers.get(pname) if isinstance(pname, str) else ((), "")
            trigger = inv.get("lifecycle_action_trigger")
            parts = [f"action {inv.get('type')}"]
            if isinstance(trigger, dict):
                parts.append(f"on {trigger.get('action_trigger_event')} of "
                             f"{trigger.get('triggering_resource_address')}")
            else:
                parts.append("invoked directly")
            if deferred:
                parts.insert(0, f"deferred ({item.get('reason')}): not run by this plan")
            if pdetail:
                parts.append(pdetail)
            pending.append((Effect(Verb.EXECUTE, addr, (ws_target, *ptargets), reversible=False),
                            False, parts))


def _add_drift(plan: dict[str, Any], ws_target: Target, providers: ProviderTargets,
               changed: set[str], pending: list[tuple[Effect, bool, list[str]]]) -> None:
    """`resource_drift`: objects changed outside Terraform. Applying the plan writes what was
    found into the state (a -refresh-only plan does nothing else): a state change, shown as an
    update, or a forget where the object is gone. Addresses with their own change are skipped."""
    drift = plan.get("resource_drift")
    if drift is None:
        return
    if not isinstance(drift, list):
        raise _fail("'resource_drift' must be a list")
    for i, rc in enumerate(drift):
        addr, rtype, pname, change, key = _parse_change(i, rc)
        moved = rc.get("previous_address", addr) != addr
        if ((ACTIONS[key][0] is None and not moved) or addr in changed
                or rc.get("mode", "managed") != "managed"):
            continue
        changed.add(addr)
        gone = key == ("delete",)
        verb = Verb.FORGET if gone else Verb.UPDATE
        acc: dict[Target, None] = dict.fromkeys((ws_target, *providers.get(pname)[0]))
        _value_targets(rtype, change.get("before"), acc)
        note = ("deleted outside Terraform: applying removes it from the state" if gone else
                f"moved from {rc.get('previous_address')}" if key == ("no-op",) else
                f"changed outside Terraform ({' '.join(key)}): applying records it in the state")
        pending.append((Effect(verb, addr, tuple(acc)), False, [note]))


def _finish(plan: dict[str, Any], counts: dict[str, int], existing: int,
            pending: list[tuple[Effect, bool, list[str]]],
            by_type: dict[tuple[str, str], int],
            imported: frozenset[str] = frozenset()) -> PlanAnalysis:
    """Plan-wide facts, then mass-destruction risk and detail on every effect."""
    prior = max(_count_prior(plan, imported), existing)
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
