"""docker / podman / nerdctl and compose: subcommand table; exec runs a nested command."""

from __future__ import annotations

import posixpath
import re

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from ...paths import _system_data, path_effect, read_effect
from .. import fx
from ..argv import Opts, parse
from ..model import DYN, Cmd, Stream, Word
from . import Handler
from .network import url_host

DOCKER_VERBS: dict[str, Verb] = {
    **{v: Verb.READ for v in ("ps", "images", "logs", "inspect", "version", "info", "stats",
                              "top", "history", "events", "port", "diff", "search", "ls",
                              "config", "help", "wait", "export", "save")},
    **{v: Verb.CREATE for v in ("run", "create", "build", "pull", "commit", "tag", "import",
                                "load", "up", "buildx")},
    **{v: Verb.UPDATE for v in ("start", "restart", "stop", "kill", "pause", "unpause", "push",
                                "login", "logout", "cp", "rename", "update", "attach",
                                "context", "scale")},
    **{v: Verb.DELETE for v in ("rm", "rmi", "prune", "down")},
}
_GROUPS = {"container", "image", "volume", "network", "system", "builder", "buildx", "context",
           "plugin", "secret", "service", "stack", "node", "swarm", "manifest", "trust"}
# `inspect` of these objects prints their environment, command line or stored data, where
# credentials live (`-e DB_PASSWORD=…`, a config's Spec.Data); "" is plain `docker inspect`.
INSPECT_SECRET_GROUPS = frozenset({"", "container", "image", "service", "config", "plugin"})
# Subcommands whose output is the resolved configuration, secrets included (`compose config`
# interpolates `.env`; `podman secret inspect --showsecret` prints the secret).
SECRET_OUTPUT: dict[tuple[str, str], str] = {
    ("compose", "config"): "", ("compose", "convert"): "", ("secret", "inspect"): "--showsecret",
}
# `compose config --services` and the like print names only.
_NAMES_ONLY = frozenset({"--services", "--volumes", "--images", "--profiles", "--networks",
                         "--hash", "-q", "--quiet"})
# Reads that write what they read to a file an option names (`docker save -o img.tar`).
OUTPUT_FILE = {"save": ("-o", "--output"), "export": ("-o", "--output")}
# Valued options of reads, so the object is told from an option's value.
_OBJ_AFTER: dict[str, tuple[str, frozenset[str]]] = {
    "inspect": ("f", frozenset({"--format", "--type"})),
    "save": ("o", frozenset({"--output", "--platform"})), "export": ("o", frozenset({"--output"})),
    "logs": ("n", frozenset({"--tail", "--since", "--until"})),
}
# A `--format` template that names one of these (or the whole object, `.`) prints them.
_SECRET_FIELDS = re.compile(r"""[."'](env|config|containerconfig|args|cmd|entrypoint|spec|"""
                            r"settings|data|labels|healthcheck|onbuild|secretbytes)\b|\$|"
                            r"(?:^|[\s({|])\.(?:$|[\s)}|])", re.IGNORECASE)


def _inspect_is_secret(args: list[Word]) -> bool:
    """`docker inspect X` prints X's Env; a literal `-f '{{.State.Status}}'` naming no such
    field prints only what it names."""
    o = parse(args, "f", frozenset({"--format", "--type"}))
    fmt = o.get("-f", "--format")
    return fmt is None or DYN in fmt or fmt in ("json", "table") or bool(_SECRET_FIELDS.search(fmt))


# `docker run` / `create` options that take a value (the image is the first operand after them).
RUN_SHORT = "aceHhlmpuvw"
RUN_LONG = frozenset({
    "--add-host", "--annotation", "--attach", "--blkio-weight", "--blkio-weight-device",
    "--cap-add", "--cap-drop", "--cgroup-parent", "--cgroupns", "--cidfile", "--cpu-period",
    "--cpu-quota", "--cpu-rt-period", "--cpu-rt-runtime", "--cpu-shares", "--cpus",
    "--cpuset-cpus", "--cpuset-mems", "--detach-keys", "--device", "--device-cgroup-rule",
    "--device-read-bps", "--device-read-iops", "--device-write-bps", "--device-write-iops",
    "--dns", "--dns-option", "--dns-search", "--domainname", "--entrypoint", "--env",
    "--env-file", "--expose", "--gpus", "--group-add", "--health-cmd", "--health-interval",
    "--health-retries", "--health-start-period", "--health-timeout", "--hostname", "--ip",
    "--ip6", "--ipc", "--isolation", "--kernel-memory", "--label", "--label-file", "--link",
    "--link-local-ip", "--log-driver", "--log-opt", "--mac-address", "--memory",
    "--memory-reservation", "--memory-swap", "--memory-swappiness", "--mount", "--name",
    "--network", "--net", "--network-alias", "--oom-score-adj", "--pid", "--pids-limit",
    "--platform", "--publish", "--pull", "--restart", "--runtime", "--security-opt",
    "--shm-size", "--stop-signal", "--stop-timeout", "--storage-opt", "--sysctl", "--tmpfs",
    "--ulimit", "--user", "--userns", "--uts", "--volume", "--volume-driver",
    "--volumes-from", "--workdir", "--gidmap", "--uidmap", "--arch", "--os", "--pod",
    "--requires", "--secret", "--timeout", "--hooks-dir", "--chrootdirs", "--umask"})
# Options that hand the container the host itself.
HOST_NAMESPACES = ("--pid", "--ipc", "--uts", "--userns", "--cgroupns", "--network", "--net")
HOST_CAPS = frozenset({"ALL", "SYS_ADMIN", "CAP_SYS_ADMIN", "SYS_MODULE", "CAP_SYS_MODULE",
                       "SYS_PTRACE", "CAP_SYS_PTRACE", "SYS_RAWIO", "CAP_SYS_RAWIO",
                       "DAC_READ_SEARCH", "CAP_DAC_READ_SEARCH"})
# Sockets that control the host's container runtime (a container holding one is root on the host).
RUNTIME_SOCKETS = ("docker.sock", "containerd.sock", "podman.sock", "crio.sock", "dockershim.sock")


def _mounts(o: Opts) -> list[tuple[str, str]]:
    """(host source, container destination) of every bind mount; named volumes are skipped."""
    out: list[tuple[str, str]] = []
    for v in o.all("-v", "--volume"):
        parts = v.split(":")
        if len(parts) >= 2:
            out.append((parts[0], parts[1]))
    for m in o.all("--mount"):
        kv = {k: v for k, _, v in (p.partition("=") for p in m.split(","))}
        src = kv.get("source", kv.get("src", ""))
        dst = kv.get("target", kv.get("destination", kv.get("dst", "")))
        if kv.get("type", "volume") == "bind" or src.startswith("/"):
            out.append((src, dst))
    return [(src, dst) for src, dst in out if src.startswith(("/", ".", "~")) and dst]


def _host_source(cmd: Cmd, src: str) -> str | None:
    if src.startswith("~"):
        src = cmd.ctx.line.home + src[1:]
    return cmd.ctx.abspath(src) if DYN not in src else None


def _mount_exposes_host(cmd: Cmd, src: str | None) -> bool:
    """A bind mount of `/`, a home, a system or kernel directory, a credential directory,
    the host's data stores or the container runtime's socket gives the container the host."""
    if src is None:
        return True
    if src.endswith(RUNTIME_SOCKETS) or _system_data(src):
        return True
    env = cmd.ctx.line.env
    e = path_effect(src, Verb.UPDATE, recursive=True, env=env)
    if e.risks & {Risk.CATASTROPHIC, Risk.HOST_SECURITY, Risk.TAMPER}:
        return True
    return read_effect(src, env=env, recursive=True).verb is Verb.READ_SECRET


def _host_options(o: Opts) -> list[str]:
    why = []
    if o.has("--privileged"):
        why.append("--privileged")
    why += [f"{n}=host" for n in HOST_NAMESPACES if "host" in o.all(n)]
    caps = {c.upper() for v in o.all("--cap-add") for c in v.split(",")}
    if caps & HOST_CAPS:
        why.append("--cap-add " + ",".join(sorted(caps & HOST_CAPS)))
    if any("unconfined" in v or "label=disable" in v or "label:disable" in v
           for v in o.all("--security-opt")):
        why.append("--security-opt unconfined")
    if o.has("--device"):
        why.append("--device")
    return why


def _container_run(cmd: Cmd, args: list[Word], detail: str) -> tuple[list[Risk], str, list[Effect]]:
    """`docker run`: host-exposing options, and what the visible command does to host paths
    it reaches through bind mounts (`-v /:/host alpine rm -rf /host` deletes the host's `/`)."""
    o = parse(args, RUN_SHORT, RUN_LONG, stop_at_operand=True)
    mounts = [(_host_source(cmd, s), d) for s, d in _mounts(o)]
    why = _host_options(o) + [f"-v {s or '(unknown)'}:{d}" for s, d in mounts
                              if _mount_exposes_host(cmd, s)]
    risks = [Risk.HOST_SECURITY] if why else []
    if why:
        detail += f" (gives the container the host: {', '.join(why)[:100]})"
    inner = o.rest[1:]
    entry = o.get("--entrypoint")
    if entry:
        inner = [Word(entry), *inner]
    mapped: list[tuple[str, str]] = [(s, posixpath.normpath(d)) for s, d in mounts if s]
    if inner and not inner[0].dynamic and inner[0].text == "chroot" and len(inner) > 2:
        root = posixpath.normpath(inner[1].text)
        mapped = [(s + posixpath.relpath(root, d).removeprefix("."), "/")
                  for s, d in mapped if root == d or root.startswith(d.rstrip("/") + "/")]
        inner = inner[2:]
    return risks, detail, (_through_mounts(cmd, inner, mapped, o.get("-w", "--workdir") or "/")
                           if inner and mapped else [])


def _through_mounts(cmd: Cmd, words: list[Word], mounts: list[tuple[str, str]],
                    workdir: str) -> list[Effect]:
    """Analyse the container's command and keep what it does to mounted host paths, as
    effects on those host paths (the container's own files are its business)."""
    assert cmd.run_words is not None
    line = cmd.ctx.line
    mark = len(line.effects)
    inner = cmd.ctx.child(cwd=workdir, vars={}, exported=set(), functions={}, extra=())
    cmd.run_words(cmd, words, ctx=inner, stdin=cmd.stdin)
    seen = line.effects[mark:]
    del line.effects[mark:]
    out: list[Effect] = []
    for e in seen:
        if not e.resource.startswith("path /"):
            if Risk.CATASTROPHIC in e.risks and e.resource.startswith("network send"):
                out.append(e)  # host credentials read through a mount, sent out
            continue
        cpath = e.resource[len("path "):]
        for src, dst in sorted(mounts, key=lambda m: -len(m[1])):
            if cpath == dst or cpath.startswith(dst.rstrip("/") + "/"):
                hpath = posixpath.normpath(posixpath.join(src, cpath[len(dst):].lstrip("/")))
                hpath = "/" + hpath.lstrip("/")
                break
        else:
            continue
        d = f"in a container, on the host's {hpath}"
        if e.verb in (Verb.READ, Verb.READ_SECRET):
            h = read_effect(hpath, env=line.env, detail=d)
        else:
            h = path_effect(hpath, e.verb, recursive=e.scope is not Scope.ONE, env=line.env,
                            detail=d)
            h.risks = h.risks | (e.risks & {Risk.DYNAMIC})
        h.program = cmd.name
        out.append(h)
    return out


def _engine_targets(host: str | None, context: str | None) -> tuple[Target, ...]:
    """The engine a docker command talks to: `-H ssh://box` / `tcp://10.0.0.5:2376` name a
    host (by its host name, so inventory host globs match); a local socket names none; a
    named context's endpoint lives in the user's docker config, which we do not read."""
    if host:
        if host.startswith(("unix://", "npipe://", "fd://")):
            return ()
        name = url_host(host)
        return (Target("host", name) if name else
                Target.unknown("host", f"docker host {host!r} cannot be read"),)
    if context and context not in ("default", "desktop-linux"):
        return (Target.unknown("host", f"docker context {context!r}: its endpoint is not "
                               "known here"),)
    return ()


def docker(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "Hcf", frozenset({"--host", "--context", "--config", "--log-level",
                                          "--file", "--project-name", "--env-file", "-p"}),
              stop_at_operand=True)
    targets = _engine_targets(o.get("-H", "--host") or cmd.var("DOCKER_HOST"),
                              o.get("-c", "--context") or cmd.var("DOCKER_CONTEXT"))
    rest = o.rest
    names = [w.text for w in rest]
    compose = cmd.name in ("docker-compose", "podman-compose")
    if names[:1] == ["compose"]:
        compose, rest, names = True, rest[1:], names[1:]
        o2 = parse(rest, "fp", frozenset({"--file", "--project-name", "--env-file", "--profile"}),
                   stop_at_operand=True)
        rest, names = o2.rest, [w.text for w in o2.rest]
    if not names:
        return [fx.eff(Verb.READ, f"command {cmd.name}", targets)]
    group = ""
    if names[0] in _GROUPS and len(names) > 1:
        group, rest, names = names[0], rest[1:], names[1:]
    sub = names[0]
    args = rest[1:]
    what = "compose project" if compose else (group or "container")
    if sub == "exec":
        return _exec(cmd, args, targets, compose)
    verb = DOCKER_VERBS.get(sub)
    if group and sub in ("create", "connect", "disconnect"):
        verb = Verb.CREATE if sub == "create" else Verb.UPDATE
    if verb is None:
        return [opaque(f"docker {what}", f"{cmd.name} {group} {sub}: unknown", targets)]
    texts = [w.text for w in args]
    # short flags given together (`prune -af`): look at each letter
    texts += ["-" + ch for t in texts if t.startswith("-") and not t.startswith("--")
              and len(t) > 2 for ch in t[1:]]
    risks: list[Risk] = []
    scope, stateful = Scope.ONE, False
    detail = f"{cmd.name} {'compose ' if compose and cmd.name == 'docker' else ''}{group + ' ' if group else ''}{sub}"
    if sub == "prune" or (compose and sub == "down"):
        scope = Scope.MANY
        if group == "system" and ("-a" in texts or "--all" in texts) and "--volumes" in texts:
            risks.append(Risk.MASS_DESTRUCTION)
            scope, stateful = Scope.ALL, True
        if group == "volume" or (compose and ("-v" in texts or "--volumes" in texts)):
            stateful = True
            if group == "volume" and ("-a" in texts or "--all" in texts):
                risks.append(Risk.MASS_DESTRUCTION)
    if group == "volume" and sub == "rm":
        stateful = True
    inside: list[Effect] = []
    # `show`, not `text`: a `$(docker ps -q)` operand reads as itself, not as a marker byte.
    obj = next((w.show for w in args if not w.text.startswith("-")), "*")
    if sub in ("run", "create") and (not group or group == "container"):
        host_risks, detail, inside = _container_run(cmd, args, detail)
        risks += host_risks
        if sub == "create":
            inside = []  # the command runs later, on `docker start`; the mounts already say it
        o = parse(args, RUN_SHORT, RUN_LONG, stop_at_operand=True)
        obj = o.rest[0].show if o.rest else obj
    if sub in _OBJ_AFTER:
        pos = parse(args, *_OBJ_AFTER[sub]).pos
        obj = pos[0].show if pos else obj
    if verb is Verb.READ and _prints_secrets(cmd, group, sub, args, compose):
        verb, detail = Verb.READ_SECRET, detail + " (prints environment/credentials)"
    if sub in OUTPUT_FILE and not compose:
        from .optvals import option_writes

        inside += option_writes(cmd, OUTPUT_FILE[sub])
    return [fx.eff(verb, f"docker {what} {obj}", targets, detail=detail, risks=tuple(risks),
                   scope=scope, stateful=stateful), *inside]


def _prints_secrets(cmd: Cmd, group: str, sub: str, args: list[Word], compose: bool) -> bool:
    if sub == "inspect" and group in INSPECT_SECRET_GROUPS and not compose:
        if _inspect_is_secret(args):
            cmd.stdout = Stream("secret", f"{cmd.name} inspect")
            return True
        return False
    flag = SECRET_OUTPUT.get(("compose" if compose else group, sub))
    texts = {w.text for w in args}
    if flag is None or (flag and flag not in texts) or (compose and texts & _NAMES_ONLY):
        return False
    cmd.stdout = Stream("secret", f"{cmd.name} {sub}")
    return True


def _exec(cmd: Cmd, args: list, targets: tuple[Target, ...], compose: bool) -> list[Effect]:
    assert cmd.run_words is not None
    o = parse(args, "eluw", frozenset({"--env", "--user", "--workdir", "--env-file",
                                       "--detach-keys", "--index"}), stop_at_operand=True,
              stop_after=0)
    if not o.rest:
        return [opaque("docker container", "docker exec without a container", targets)]
    container = o.rest[0].text
    inner_words = o.rest[1:]
    t = targets + (Target("host", container),)
    if not inner_words:
        return [opaque(f"docker container {container}", "docker exec without a command", t)]
    inner = cmd.ctx.child(extra=cmd.ctx.extra + t, cwd=None, vars={}, exported=set(), functions={})
    cmd.run_words(cmd, inner_words, ctx=inner)
    return [fx.eff(Verb.EXECUTE, f"docker container {container}", t, detail=f"{cmd.name} exec")]


HANDLERS: dict[str, Handler] = {n: docker for n in ("docker", "podman", "nerdctl",
                                                    "docker-compose", "podman-compose")}
