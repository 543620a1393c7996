"""Infrastructure as code CLIs: terraform/tofu/terragrunt, pulumi, cdk."""

from __future__ import annotations

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import Cmd
from . import Handler

TF_READ = {"plan", "show", "validate", "fmt", "output", "providers", "version", "graph",
           "console", "login", "logout", "metadata", "test", "get", "modules", "help",
           "render-json", "hclfmt", "graph-dependencies", "output-module-groups", "info"}
TF_STATE = {"rm": (Verb.FORGET, "terraform state rm (forgets resources)"),
            "mv": (Verb.UPDATE, "terraform state mv"),
            "push": (Verb.REPLACE, "terraform state push (overwrites state)"),
            "replace-provider": (Verb.UPDATE, "terraform state replace-provider"),
            "list": (Verb.READ, "terraform state list"), "show": (Verb.READ, "terraform state show"),
            "pull": (Verb.READ_SECRET, "terraform state pull (state holds secrets)")}

# `terraform output -json` / `-raw NAME` print outputs marked sensitive in plain text.
TF_OUTPUT_PLAIN = frozenset({"-json", "-raw", "--json", "--raw"})


def terraform(cmd: Cmd) -> list[Effect]:
    args = list(cmd.args)
    chdir = None
    while args and args[0].text.startswith("-"):
        t = args.pop(0).text
        if t.startswith("-chdir="):
            chdir = t.split("=", 1)[1]
    d = cmd.ctx.abspath(chdir) if chdir else cmd.ctx.cwd
    ws = cmd.var("TF_WORKSPACE") or cmd.ctx.tf_workspace
    tg = (Target("tf_workspace", ws, source=d),)
    if not args:
        return [fx.eff(Verb.READ, f"command {cmd.name}", tg)]
    tool = cmd.name
    sub, rest = args[0].text, args[1:]
    if tool == "terragrunt" and sub in ("run-all", "run") and rest:
        sub, rest = rest[0].text, rest[1:]
        if sub == "--" and rest:
            sub, rest = rest[0].text, rest[1:]
    flags = {w.text.split("=", 1)[0] for w in rest if w.text.startswith("-")}
    ops = [w.text for w in rest if not w.text.startswith("-")]
    res = f"{tool} {d or '(unknown dir)'}"
    if sub == "workspace":
        op = ops[0] if ops else ""
        if op in ("select", "new") and len(ops) > 1:
            cmd.ctx.tf_workspace = ops[1]
            return [fx.eff(Verb.UPDATE if op == "select" else Verb.CREATE,
                           f"{tool} workspace {ops[1]}", (Target("tf_workspace", ops[1], source=d),),
                           detail=f"{tool} workspace {op}")]
        if op == "delete" and len(ops) > 1:
            return [fx.eff(Verb.DELETE, f"{tool} workspace {ops[1]}",
                           (Target("tf_workspace", ops[1], source=d),), stateful=True,
                           scope=Scope.ALL, detail=f"{tool} workspace delete")]
        return [fx.eff(Verb.READ, f"{tool} workspaces", tg, detail=f"{tool} workspace {op}")]
    if sub == "state":
        op = ops[0] if ops else "list"
        verb, detail = TF_STATE.get(op, (None, ""))
        if verb is None:
            return [opaque(res, f"{tool} state {op}", tg)]
        return [fx.eff(verb, f"{res} state", tg, detail=detail.replace("terraform", tool))]
    destroy = sub == "destroy" or "-destroy" in flags
    if sub == "output" and flags & TF_OUTPUT_PLAIN:
        return [fx.eff(Verb.READ_SECRET, res, tg, detail=f"{tool} output {' '.join(sorted(flags))}"
                       " (prints sensitive outputs in plain text)")]
    if sub in TF_READ:  # fmt rewrites only formatting: a read for the policy
        return [fx.eff(Verb.READ, res, tg, detail=f"{tool} {sub}"
                       + (" -destroy" if destroy else ""))]
    auto = " -auto-approve" if "-auto-approve" in flags or "--auto-approve" in flags else ""
    if destroy and sub in ("apply", "destroy"):
        return [fx.eff(Verb.DELETE, res, tg, scope=Scope.ALL, stateful=True,
                       risks=(Risk.MASS_DESTRUCTION,), detail=f"{tool} {sub} -destroy{auto}")]
    if sub == "apply":
        plan = f" saved plan {ops[0]}" if ops else ""
        return [fx.eff(Verb.UPDATE, res, tg, reversible=False,
                       detail=f"{tool} apply{plan}{auto}")]
    if sub in ("import", "taint", "untaint", "refresh", "force-unlock"):
        return [fx.eff(Verb.UPDATE, res, tg, detail=f"{tool} {sub}")]
    if sub in ("init", "get"):
        return [fx.eff(Verb.EXECUTE, res, tg, detail=f"{tool} {sub} (downloads providers/modules)")]
    return [opaque(res, f"{tool} {sub}: unknown subcommand", tg)]


PULUMI: dict[str, tuple[Verb, bool]] = {
    "up": (Verb.UPDATE, False), "update": (Verb.UPDATE, False), "destroy": (Verb.DELETE, True),
    "preview": (Verb.READ, False), "refresh": (Verb.UPDATE, False), "import": (Verb.UPDATE, False),
    "cancel": (Verb.UPDATE, False), "whoami": (Verb.READ, False), "version": (Verb.READ, False),
    "about": (Verb.READ, False), "logs": (Verb.READ, False), "watch": (Verb.UPDATE, False),
}


def pulumi(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "scC", frozenset({"--stack", "--cwd", "--config", "--target",
                                          "--message", "--parallel"}))
    stack = o.get("-s", "--stack") or cmd.var("PULUMI_STACK")
    tg = (Target("stack", stack, source=cmd.ctx.cwd),)
    pos = [w.text for w in o.pos]
    sub = pos[0] if pos else ""
    res = f"pulumi stack {stack or '(current)'}"
    if sub == "stack":
        op = pos[1] if len(pos) > 1 else "ls"
        if op == "rm":
            return [fx.eff(Verb.DELETE, res, tg, scope=Scope.ALL, stateful=True,
                           risks=(Risk.MASS_DESTRUCTION,) if o.has("--force", "-f") else (),
                           detail="pulumi stack rm")]
        if op in ("output", "export") and o.has("--show-secrets"):
            return [fx.eff(Verb.READ_SECRET, res, tg, detail=f"pulumi stack {op} --show-secrets")]
        if op in ("select", "init", "rename", "tag", "change-secrets-provider", "import"):
            return [fx.eff(Verb.UPDATE, res, tg, detail=f"pulumi stack {op}")]
        return [fx.eff(Verb.READ, res, tg, detail=f"pulumi stack {op}")]
    if sub == "config":
        op = pos[1] if len(pos) > 1 else "get"
        if o.has("--show-secrets"):
            return [fx.eff(Verb.READ_SECRET, res, tg, detail="pulumi config --show-secrets")]
        return [fx.eff(Verb.UPDATE if op in ("set", "rm", "set-all", "rm-all", "cp") else Verb.READ,
                       res, tg, detail=f"pulumi config {op}")]
    spec = PULUMI.get(sub)
    if spec is None:
        return [opaque(res, f"pulumi {sub}: unknown subcommand", tg)]
    verb, mass = spec
    return [fx.eff(verb, res, tg, detail=f"pulumi {sub}" + (" --yes" if o.has("--yes", "-y") else ""),
                   scope=Scope.ALL if mass else Scope.ONE, stateful=mass,
                   risks=(Risk.MASS_DESTRUCTION,) if mass else ())]


def cdk(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "acp", frozenset({"--app", "--context", "--profile", "--parameters",
                                          "--require-approval", "--output"}))
    pos = [w.text for w in o.pos]
    sub = pos[0] if pos else ""
    stacks = pos[1:] or [None]
    profile = o.get("--profile") or cmd.var("AWS_PROFILE")
    out: list[Effect] = []
    for s in stacks:
        tg = (Target("stack", s), Target("aws_profile", profile))
        res = f"cdk stack {s or '(all in app)'}"
        if sub in ("deploy",):
            out.append(fx.eff(Verb.UPDATE, res, tg, detail="cdk deploy", reversible=False))
        elif sub == "destroy":
            out.append(fx.eff(Verb.DELETE, res, tg, scope=Scope.ALL, stateful=True,
                              risks=(Risk.MASS_DESTRUCTION,), detail="cdk destroy"))
        elif sub in ("diff", "synth", "synthesize", "ls", "list", "doctor", "version", "docs",
                     "metadata", "notices", "context", "acknowledge"):
            out.append(fx.eff(Verb.READ, res, tg, detail=f"cdk {sub}"))
        elif sub in ("bootstrap", "import", "watch", "init", "migrate", "gc"):
            out.append(fx.eff(Verb.UPDATE, res, tg, detail=f"cdk {sub}"))
        else:
            out.append(opaque(res, f"cdk {sub}: unknown subcommand", tg))
    return out


HANDLERS: dict[str, Handler] = {"terraform": terraform, "tofu": terraform,
                                "terragrunt": terraform, "pulumi": pulumi, "cdk": cdk,
                                "cdktf": cdk}
