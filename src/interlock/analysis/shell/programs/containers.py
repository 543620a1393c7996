"""docker / podman / nerdctl and compose: subcommand table; exec runs a nested command."""

from __future__ import annotations

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import Cmd
from . import Handler

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
_HOST_MOUNTS = ("/:", "/etc", "/var/run/docker.sock", "/root", "/home", "/proc", "/sys", "/dev")


def docker(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "Hcf", frozenset({"--host", "--context", "--config", "--log-level",
                                          "--file", "--project-name", "--env-file", "-p"}),
              stop_at_operand=True)
    host = o.get("-H", "--host")
    targets: tuple[Target, ...] = (Target("host", host),) if host else ()
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
    if sub in ("run", "create") and not group:
        vols = [texts[i + 1] for i, t in enumerate(texts[:-1]) if t in ("-v", "--volume", "--mount")]
        vols += [t.split("=", 1)[1] for t in texts if t.startswith(("--volume=", "-v="))]
        if "--privileged" in texts or "--pid=host" in texts or "--net=host" in texts and False or any(
                v.startswith(_HOST_MOUNTS) or "source=/," in v for v in vols):
            risks.append(Risk.HOST_SECURITY)
            detail += " (privileged or host mounts)"
    obj = next((t for t in texts if not t.startswith("-")), "*")
    return [fx.eff(verb, f"docker {what} {obj}", targets, detail=detail, risks=tuple(risks),
                   scope=scope, stateful=stateful)]


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
