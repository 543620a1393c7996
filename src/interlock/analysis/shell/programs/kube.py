"""kubectl (and oc) and helm: verb tables, explicit or implicit context and namespace."""

from __future__ import annotations

import json

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import Opts, parse
from ..model import DYN, Cmd, Word
from . import Handler
from .network import url_host

KUBECTL_VERBS: dict[str, Verb] = {
    **{v: Verb.READ for v in ("get", "describe", "logs", "top", "explain", "api-resources",
                              "api-versions", "version", "cluster-info", "diff", "events",
                              "wait", "auth", "completion", "plugin", "kustomize", "config")},
    **{v: Verb.CREATE for v in ("create", "run", "expose", "autoscale")},
    **{v: Verb.UPDATE for v in ("apply", "patch", "scale", "edit", "rollout", "label", "annotate",
                                "set", "cordon", "uncordon", "drain", "taint", "cp",
                                "port-forward", "proxy", "attach", "certificate", "debug")},
    "delete": Verb.DELETE, "replace": Verb.UPDATE,
}
_ARGS = ("nlocfpLs", frozenset({"--context", "--namespace", "--kubeconfig", "--server", "--raw",
                               "--cluster", "--user", "--selector", "--output", "--filename",
                               "--container", "--field-selector", "--token", "--as",
                               "--grace-period", "--timeout", "--type", "--from-literal",
                               "--image", "--replicas", "--patch", "--for", "--sort-by",
                               "--template", "--cascade", "--kustomize", "-k", "--tail",
                               "--since", "--pod-running-timeout", "--request-timeout",
                               "--profile", "--overrides", "--target", "--copy-to", "--env"}))
SECRET_KINDS = {"secret", "secrets", "secret/"}
STATEFUL_KINDS = {"namespace", "namespaces", "ns", "pv", "pvc", "persistentvolume",
                  "persistentvolumeclaim", "persistentvolumes", "persistentvolumeclaims",
                  "statefulset", "statefulsets", "sts", "crd", "customresourcedefinition",
                  "customresourcedefinitions", "node", "nodes"}


# Options that point the client at another API server or cluster than its context's: the
# context's name then no longer says where the change lands.
_SERVER_OPTS = ("-s", "--server", "--kube-apiserver")
_CLUSTER_OPTS = ("--cluster",)


def kube_targets(cmd: Cmd, o: Opts, ctx_opt: str = "--context") -> tuple[Target, ...]:
    kc = o.get("--kubeconfig") or cmd.var("KUBECONFIG")
    context = o.get(ctx_opt)
    t = [Target("kube_context", context, source=kc)]
    server = o.get(*_SERVER_OPTS) or cmd.var("HELM_KUBEAPISERVER")
    if server:
        host = url_host(server)
        t.append(Target("host", host) if host else
                 Target.unknown("host", f"API server {server!r} cannot be read"))
    cluster = o.get(*_CLUSTER_OPTS)
    if cluster:
        t.append(Target.unknown("kube_context", f"--cluster {cluster} overrides the context's "
                                "cluster"))
    ns = o.get("-n", "--namespace")
    if ns:
        t.append(Target("k8s_namespace", ns))
    return tuple(t)


def kubectl(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, *_ARGS)
    targets = kube_targets(cmd, o)
    pos = [w.text for w in o.pos]
    if not pos:
        return [fx.eff(Verb.READ, "command kubectl", targets)]
    sub, rest = pos[0], pos[1:]
    if sub == "exec":
        return _exec(cmd, targets)
    if sub in ("run", "debug"):
        return _run_or_debug(cmd, o, sub, targets)
    verb = KUBECTL_VERBS.get(sub)
    kind = rest[0].lower() if rest else ""
    names = rest[1:]
    if "/" in kind:
        kind, _, n = kind.partition("/")
        names = [n, *names]
    ns = o.get("-n", "--namespace")
    resource = f"k8s/{kind or 'resources'}/{names[0] if names else '*'}"
    if ns and kind not in ("namespace", "namespaces", "ns"):
        resource = f"k8s/{ns}/{kind}/{names[0] if names else '*'}"
    fname = o.get("-f", "--filename", "-k", "--kustomize")
    if fname and not kind:
        resource = f"k8s manifests {fname}"
    if verb is None:
        return [opaque(f"kubectl {sub}", f"kubectl {sub}: unknown subcommand", targets)]
    if sub == "config":
        if kind in ("view",) and o.has("--raw", "--flatten"):
            return [fx.eff(Verb.READ_SECRET, "kubeconfig", targets, detail="kubectl config view --raw")]
        if kind in ("use-context", "set-context", "set-cluster", "set-credentials", "delete-context",
                    "rename-context", "set", "unset", "use"):
            return [fx.eff(Verb.UPDATE, "kubeconfig", targets, detail=f"kubectl config {kind}")]
        return [fx.eff(Verb.READ, "kubeconfig", targets, detail=f"kubectl config {kind}")]
    if sub == "auth" and kind not in ("can-i", "whoami"):
        verb = Verb.UPDATE
    if sub == "rollout" and kind in ("status", "history"):  # watching a rollout changes nothing
        return [fx.eff(Verb.READ, f"k8s/{'/'.join(rest[1:2]) or '*'}", targets,
                       detail=f"kubectl rollout {kind}")]
    if verb is Verb.READ:
        out_fmt = (o.get("-o", "--output") or "")
        raw = o.get("--raw") or ""
        if sub == "get" and raw and "/secrets" in raw.lower():
            return [fx.eff(Verb.READ_SECRET, f"k8s api {raw}", targets, detail="kubectl get --raw")]
        kinds = {k.split(".", 1)[0].rstrip("s") for k in kind.split(",")}  # `get cm,secrets`
        if "secret" in kinds and (sub == "describe" or out_fmt.split("=")[0] in (
                "yaml", "json", "jsonpath", "go-template", "template", "go-template-file",
                "jsonpath-file", "custom-columns")):
            return [fx.eff(Verb.READ_SECRET, resource, targets, detail=f"kubectl {sub} secret")]
        return [fx.eff(Verb.READ, resource, targets, detail=f"kubectl {sub}")]
    detail = f"kubectl {sub}"
    risks: list[Risk] = []
    scope = Scope.ONE if names else Scope.MANY
    stateful = kind in STATEFUL_KINDS
    if sub == "delete":
        everything = o.has("--all", "-A", "--all-namespaces") or (
            not names and not fname and o.has("-l", "--selector", "--field-selector"))
        if everything:
            scope = Scope.ALL
            risks.append(Risk.MASS_DESTRUCTION)
            detail += " --all"
        if kind in ("namespace", "namespaces", "ns"):
            scope, stateful = Scope.ALL, True
            risks.append(Risk.MASS_DESTRUCTION)
            detail += " (deletes everything in the namespace)"
            targets = targets + tuple(Target("k8s_namespace", n) for n in names)
        if o.has("--force") or o.get("--grace-period") == "0":
            detail += " --force"
    if sub == "replace" and o.has("--force"):
        verb, detail = Verb.REPLACE, "kubectl replace --force (delete and recreate)"
    if sub == "drain":
        scope = Scope.MANY
    return [fx.eff(verb, resource, targets, detail=detail, risks=tuple(dict.fromkeys(risks)),
                   scope=scope, stateful=stateful)]


def run_remote(cmd: Cmd, where: str, targets: tuple[Target, ...], detail: str, *,
               text: str | None = None, words: list[Word] | None = None) -> list[Effect]:
    """A literal script another machine runs (ssh-like: kubectl exec, SSM, az run-command):
    its effects are analysed as shell and land on `targets`, plus one execute of `where`.
    Neither text nor words: the script cannot be read here (a file, a URL) → opaque."""
    if text is None and words is None:
        return [opaque(where, f"{detail}: the script is not visible here", targets)]
    inner = cmd.ctx.child(extra=cmd.ctx.extra + targets, cwd=None, vars={}, exported=set(),
                          functions={})
    if words is not None:
        assert cmd.run_words is not None
        cmd.run_words(cmd, words, ctx=inner)
    else:
        assert cmd.run_text is not None and text is not None
        cmd.run_text(cmd, text, ctx=inner, detail=detail)
    return [fx.eff(Verb.EXECUTE, where, targets, detail=detail)]


def _after_dashdash(cmd: Cmd) -> list[Word] | None:
    texts = [w.text for w in cmd.args]
    return cmd.args[texts.index("--") + 1 :] if "--" in texts else None


def _exec(cmd: Cmd, targets: tuple[Target, ...]) -> list[Effect]:
    words = _after_dashdash(cmd)
    if words is None:
        return [opaque("k8s exec", "kubectl exec without `--` command", targets)]
    i = len(cmd.args) - len(words) - 1
    pod = next((w.text for w in cmd.args[:i] if not w.text.startswith("-") and w.text != "exec"), "pod")
    if not words:
        return [opaque(f"k8s pod {pod}", "kubectl exec without a command", targets)]
    return run_remote(cmd, f"k8s pod {pod}", targets, "kubectl exec", words=words)


# Pod spec fields that hand the pod the node: its processes, network, IPC or filesystem.
_HOST_SPEC = ("hostPID", "hostNetwork", "hostIPC")
_HOST_CAPS = {"SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "NET_ADMIN", "ALL", "DAC_READ_SEARCH"}


def _host_exposure(spec: object) -> list[str]:
    """What in an --overrides pod spec gives the container the node (walks the whole JSON)."""
    why: list[str] = []
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k in _HOST_SPEC and v is True or k == "privileged" and v is True or (
                    k == "allowPrivilegeEscalation" and v is True):
                why.append(f"{k}: true")
            elif k == "hostPath":
                why.append("hostPath volume")
            elif k == "add" and isinstance(v, list) and _HOST_CAPS & {str(c).upper() for c in v}:
                why.append("capabilities " + ",".join(map(str, v)))
            else:
                why.extend(_host_exposure(v))
    elif isinstance(spec, list):
        for v in spec:
            why.extend(_host_exposure(v))
    return why


def _run_or_debug(cmd: Cmd, o: Opts, sub: str, targets: tuple[Target, ...]) -> list[Effect]:
    """`kubectl run` / `kubectl debug`: a new pod (or a node's root) runs the command after `--`.
    Node debug pods and privileged/host* overrides own the node: host security everywhere."""
    words = _after_dashdash(cmd)
    pos = [w.text for w in o.pos][1:]
    if words is not None:
        pos = pos[: max(len(pos) - len(words), 0)]
    name = pos[0] if pos else "*"
    ns = o.get("-n", "--namespace")
    risks: list[Risk] = []
    why: list[str] = []
    where_t = targets
    if sub == "debug" and name.startswith(("node/", "nodes/")):
        node = name.partition("/")[2]
        why.append("node debug pod: the node's root filesystem at /host, host namespaces")
        where_t = targets + (Target("host", node) if node and DYN not in node
                             else Target.unknown("host", "node name not known"),)
        if words and len(words) > 2 and words[0].text == "chroot" and words[1].text in (
                "/host", "/host/"):
            words = words[2:]  # chroot /host: the rest runs against the node's own `/`
        resource = f"k8s/node/{node}"
    else:
        resource = f"k8s/{ns + '/' if ns else ''}pod/{name}"
    if (o.get("--profile") or "") in ("sysadmin", "netadmin") or o.has("--privileged"):
        why.append(f"--profile {o.get('--profile')}" if o.get("--profile") else "--privileged")
    overrides = o.get("--overrides")
    if overrides is not None:
        try:
            why.extend(_host_exposure(json.loads(overrides)))
        except ValueError:
            why.append("--overrides not readable")
    if why:
        risks.append(Risk.HOST_SECURITY)
    detail = f"kubectl {sub}" + (f" (gives the pod the node: {', '.join(why)[:120]})" if why else "")
    out = [fx.eff(Verb.CREATE if sub == "run" else Verb.UPDATE, resource, where_t,
                  detail=detail, risks=tuple(risks))]
    if words:
        out += run_remote(cmd, resource, where_t, f"kubectl {sub}", words=words)
    return out


HELM_VERBS: dict[str, Verb] = {
    **{v: Verb.READ for v in ("list", "ls", "status", "get", "show", "template", "search",
                              "history", "lint", "version", "env", "verify", "diff", "inspect")},
    "install": Verb.CREATE, "upgrade": Verb.UPDATE, "rollback": Verb.UPDATE,
    "uninstall": Verb.DELETE, "delete": Verb.DELETE, "del": Verb.DELETE, "un": Verb.DELETE,
    "repo": Verb.UPDATE, "dependency": Verb.UPDATE, "plugin": Verb.EXECUTE, "test": Verb.EXECUTE,
    "package": Verb.CREATE, "push": Verb.UPDATE, "pull": Verb.READ, "registry": Verb.UPDATE,
}


HELM_SECRET_GETS = {"values", "all", "manifest"}


def helm(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "nfo", frozenset({"--kube-context", "--namespace", "--values", "--set",
                                          "--set-string", "--version", "--kubeconfig",
                                          "--kube-apiserver",
                                          "--output", "--repo", "--timeout", "--set-file",
                                          "--post-renderer", "--post-renderer-args"}))
    targets = kube_targets(cmd, o, "--kube-context")
    pos = [w.text for w in o.pos]
    sub = pos[0] if pos else ""
    verb = HELM_VERBS.get(sub)
    release = pos[1] if len(pos) > 1 else "*"
    if verb is None:
        return [opaque(f"helm {sub}", f"helm {sub}: unknown subcommand", targets)]
    if sub == "repo" and pos[1:2] == ["list"]:
        verb = Verb.READ
    renderer = o.get("--post-renderer")
    if renderer:  # a local program every rendered manifest goes through
        assert cmd.run_words is not None
        cmd.run_words(cmd, [Word(renderer), *(Word(a) for a in o.all("--post-renderer-args"))])
    ns = o.get("-n", "--namespace")
    res = f"helm release {ns + '/' if ns else ''}{release}"
    if sub == "get" and pos[1:2] and pos[1] in HELM_SECRET_GETS:
        # release values (and manifests with their Secret objects) often hold credentials
        name = pos[2] if len(pos) > 2 else "*"
        return [fx.eff(Verb.READ_SECRET, f"helm release {ns + '/' if ns else ''}{name}", targets,
                       detail=f"helm get {pos[1]}")]
    return [fx.eff(verb, res, targets, detail=f"helm {sub}",
                   stateful=verb is Verb.DELETE, scope=Scope.MANY if verb is Verb.DELETE else Scope.ONE)]


HANDLERS: dict[str, Handler] = {"kubectl": kubectl, "oc": kubectl, "k": kubectl, "helm": helm,
                                "microk8s.kubectl": kubectl}
