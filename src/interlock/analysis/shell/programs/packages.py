"""Package managers: installs run foreign install scripts (execute), removals delete, queries read.
Installing or removing interlock itself is tampering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ....effects import Effect, Risk, Verb, opaque
from .. import fx
from ..model import Cmd
from . import Handler

# subcommand → verb, per family (shared where the CLIs agree).
_COMMON: dict[str, Verb] = {
    **{v: Verb.EXECUTE for v in ("install", "add", "upgrade", "update", "i", "in", "reinstall",
                                 "ci", "build", "run", "exec", "test", "start", "x", "dlx",
                                 "create", "init", "rebuild", "dist-upgrade", "full-upgrade",
                                 "sync", "get", "localinstall", "groupinstall", "link",
                                 "publish", "pack", "bundle", "tap", "develop", "download")},
    **{v: Verb.DELETE for v in ("remove", "uninstall", "purge", "autoremove", "erase", "rm",
                                "un", "unlink", "r", "prune", "clean", "cleanup", "autoclean",
                                "untap", "dedupe")},
    **{v: Verb.READ for v in ("list", "ls", "show", "search", "info", "freeze", "outdated",
                              "view", "why", "check", "policy", "madison", "depends", "rdepends",
                              "query", "audit", "help", "version", "-v", "--version", "config",
                              "doctor", "env", "inspect", "deps", "fund", "explain", "whoami",
                              "provides", "repolist", "history", "tree", "metadata", "graph",
                              "doc", "fmt", "vet", "mod", "leaves", "home", "cache",
                              "get-selections", "-l", "-L", "-s", "-S", "-q", "status")},
}
PACKAGE_MANAGERS = ("apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "zypper", "pacman",
                    "apk", "pip", "pipx", "uv", "npm", "yarn", "pnpm", "cargo", "go", "gem",
                    "brew", "conda", "mamba", "poetry", "pdm", "bundle", "composer", "snap",
                    "flatpak", "rpm", "port", "nix-env", "npx", "bunx", "pipenv", "hatch")
_FLAG_SUBS = {"-i": Verb.EXECUTE, "-r": Verb.DELETE, "-P": Verb.DELETE, "-e": Verb.DELETE,
              "-U": Verb.EXECUTE, "-S": Verb.EXECUTE, "-R": Verb.DELETE, "-Rns": Verb.DELETE,
              "-Syu": Verb.EXECUTE, "--install": Verb.EXECUTE, "--remove": Verb.DELETE,
              "--purge": Verb.DELETE}
# Subcommands whose meaning depends on the manager (`fmt` rewrites sources in go and cargo);
# for `go mod`, the verb is the next word's.
_MANAGER_SUBS: dict[tuple[str, str], Verb] = {
    ("go", "fmt"): Verb.UPDATE, ("cargo", "fmt"): Verb.UPDATE, ("go", "fix"): Verb.UPDATE,
    ("cargo", "fix"): Verb.UPDATE,
}
_GO_MOD: dict[str, Verb] = {
    "tidy": Verb.UPDATE, "vendor": Verb.UPDATE, "edit": Verb.UPDATE, "init": Verb.CREATE,
    "download": Verb.UPDATE, "graph": Verb.READ, "why": Verb.READ, "verify": Verb.READ,
}
_SELF = {"interlock", "interlock-guard"}
_CREDENTIAL_KEY = re.compile(r"(?i)auth|token|passw|secret|credential|apikey|api-key")
_CONFIG_WRITES = frozenset({"set", "delete", "rm", "unset", "edit", "add", "fix"})


# Runner options that take a value; those that fetch some other package or registry (then
# `npx -p evil prisma …` runs evil's `prisma`, not the framework's).
_RUNNER_VALUE = frozenset({"-p", "--package", "-c", "--call", "--registry", "--userconfig",
                           "--node-options", "--cache", "--prefix"})
_RUNNER_OTHER_SOURCE = frozenset({"-p", "--package", "--registry", "--userconfig"})
# An unscoped registry package name, optionally at a version (`prisma`, `prisma@5.1`).
_REGISTRY_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*(?:@[\w.^~<>=*-]+)?")
_FRAMEWORK_PROGS = ("rails", "rake", "prisma", "sequelize", "sequelize-cli", "knex", "typeorm",
                    "alembic", "flask", "drizzle-kit", "python", "python3")


@dataclass(slots=True)
class Runs:
    """What a package runner runs: `npx prisma …`, `bundle exec rails …`."""

    prog: str
    args: list[str]
    known: bool  # the registry's (or the bundle's) own program: its task table applies
    calls: list[str] = field(default_factory=list)  # `npx -c 'shell text'`


def _exec_target(name: str, texts: list[str]) -> Runs | None:
    if name in ("npx", "bunx"):
        rest = list(texts)
    elif name in ("bundle", "pnpm", "yarn", "poetry", "pipenv", "uv", "pdm", "hatch") and \
            texts[:1] and texts[0] in ("exec", "run", "dlx", "x"):
        rest = texts[1:]
    else:
        return None
    known, calls, i = True, [], 0
    while i < len(rest) and rest[i].startswith("-"):  # npx -y, npx --package=x, npx -c '…'
        opt, eq, val = rest[i].partition("=")
        if opt in _RUNNER_VALUE and not eq and i + 1 < len(rest):
            val, i = rest[i + 1], i + 1
        if opt in _RUNNER_OTHER_SOURCE or (opt.startswith("-p") and not opt.startswith("--")):
            known = False
        if opt in ("-c", "--call"):
            calls.append(val)
        i += 1
    rest = rest[i:]
    if not rest:
        return Runs("", [], False, calls)
    if not _REGISTRY_NAME.fullmatch(rest[0]):  # @scope/x, github:x/y, ./dir, a URL or tarball
        return Runs(rest[0], rest[1:], False, calls)
    prog = rest[0].split("@", 1)[0]
    if name in ("pnpm", "yarn", "uv", "poetry", "pdm", "hatch", "pipenv") and \
            prog not in _FRAMEWORK_PROGS:
        return None  # `yarn run build`, `uv run pytest`: the package's own scripts
    if prog in ("python", "python3") and rest[1:2] and rest[1].endswith("manage.py"):
        return Runs("manage.py", rest[2:], known, calls)
    return Runs(prog, rest[1:], known, calls)


def package(cmd: Cmd) -> list[Effect]:
    texts = [w.text for w in cmd.args]
    name = cmd.name
    tool = _exec_target(name, texts)
    if tool is not None:
        from .platforms import framework_effects, tool_info, with_run

        assert cmd.run_text is not None
        for text in tool.calls:
            cmd.run_text(cmd, text, detail=f"{name} -c")
        if tool.known and tool_info(tool.prog, tool.args):  # `npx prisma --version`
            return [fx.eff(Verb.READ, f"package {tool.prog}", detail=cmd.argv_text[:120])]
        run = fx.eff(Verb.EXECUTE, f"package {tool.prog or '?'}", fx.cwd_target(cmd.ctx),
                     detail=cmd.argv_text[:120])
        if not tool.known:  # someone else's package under a framework's name
            return [run] if tool.prog or not tool.calls else []
        return with_run(framework_effects(tool.prog, tool.args), run)
    pos = [t for t in texts if not t.startswith("-")]
    if name == "uv" and pos[:1] == ["pip"]:
        pos = pos[1:]
    if name in ("dpkg", "rpm", "pacman") and not pos[:1] or (
            name in ("dpkg", "rpm", "pacman") and texts and texts[0].startswith("-")):
        verb = _FLAG_SUBS.get(texts[0] if texts else "", Verb.READ) if texts else Verb.READ
        if name == "pacman" and texts and texts[0].startswith("-S"):
            verb = Verb.READ if any(c in texts[0] for c in "sil") and "y" not in texts[0] else Verb.EXECUTE
        if name == "pacman" and texts and texts[0].startswith("-R"):
            verb = Verb.DELETE
        if name == "pacman" and texts and texts[0].startswith("-Q"):
            verb = Verb.READ
        sub = texts[0] if texts else ""
        pkgs = pos
    else:
        sub = pos[0] if pos else ""
        pkgs = pos[1:]
        verb = _COMMON.get(sub)
    if name == "go" and sub in ("run", "build", "test", "generate", "install", "get"):
        verb = Verb.EXECUTE
    verb = _MANAGER_SUBS.get((name, sub), verb)
    if name == "go" and sub == "mod":  # `go mod tidy` rewrites go.mod/go.sum; unknown → opaque
        verb = _GO_MOD.get(pkgs[0] if pkgs else "")
    if name in ("npm", "yarn", "pnpm", "bun") and sub not in _COMMON and sub:
        verb = Verb.EXECUTE  # `yarn build`, `pnpm dev`: package.json scripts
    if verb is None and not sub and any(t in ("--version", "-V", "--help", "-h") for t in texts):
        verb = Verb.READ  # `cargo --version`
    if verb is None:
        return [opaque(f"{name} {sub}", f"{name} {sub}: unknown subcommand")]
    if sub == "config" and len(pos) > 1 and pos[1] in ("get", "list", "ls") and (
            any(_CREDENTIAL_KEY.search(k) for k in pos[2:]) or pos[1] != "get" and
            any(t in ("--json", "-l", "--long") for t in texts)):
        # `npm config get //registry.npmjs.org/:_authToken`, `pip config get global.password`
        return [fx.eff(Verb.READ_SECRET, f"{name} configuration",
                       detail=f"{name} config {pos[1]} prints credentials")]
    if sub == "config" and len(pos) > 1 and pos[1] in _CONFIG_WRITES:
        # `npm config set registry …`, `pip config set global.index-url …`: every later
        # install trusts that registry or runs that script-shell
        return [fx.eff(Verb.UPDATE, f"{name} configuration", risks=(Risk.HOST_SECURITY,),
                       detail=f"{name} config {pos[1]}: changes where packages come from "
                              "and what runs at install time")]
    touched = {p.split("==")[0].split(">")[0].split("<")[0].split("[")[0].lower() for p in pkgs}
    risks = (Risk.TAMPER,) if touched & _SELF and verb is not Verb.READ else ()
    what = " ".join(pkgs[:4]) or ("project dependencies" if verb is Verb.EXECUTE else "")
    return [fx.eff(verb, f"packages ({name}) {what}".strip(), fx.cwd_target(cmd.ctx),
                   risks=risks, detail=f"{name} {sub}".strip()
                   + (" (runs install scripts)" if verb is Verb.EXECUTE else ""))]


HANDLERS: dict[str, Handler] = {n: package for n in PACKAGE_MANAGERS}


def bun(cmd: Cmd) -> list[Effect]:
    """`bun -e CODE` runs inline JavaScript; the rest is the package manager."""
    if cmd.args and cmd.args[0].text in ("-e", "--eval", "-p", "--print"):
        from .interp import HANDLERS as INTERP

        return INTERP["bun"](cmd)
    return package(cmd)


HANDLERS["bun"] = bun
