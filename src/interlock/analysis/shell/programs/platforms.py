"""Platform CLIs (PaaS, code hosting, KV stores, object-storage tools, config management) and the
database tasks of web frameworks, as subcommand tables: a known read flows, a change needs
approval, and wiping a whole app or database is mass destruction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd, Word
from . import Handler
from .cloud import _op_verb

# How a table entry is judged: a verb, and "mass" (the whole store or app goes) or "secret".
R, U, C, D, X, P, S = Verb.READ, Verb.UPDATE, Verb.CREATE, Verb.DELETE, Verb.EXECUTE, \
    Verb.PRIVILEGE, Verb.READ_SECRET
MASS = "mass"
READ_WORDS = frozenset({"ls", "list", "status", "info", "logs", "log", "view", "show", "get",
                        "describe", "whoami", "version", "--version", "-v", "help", "--help",
                        "diff", "checks", "cat", "du", "lsd", "lsl", "lsf", "lsjson", "size",
                        "tree", "members", "health", "stat", "hash", "about", "listremotes",
                        "inspect", "open", "browse", "search", "la", "check", "doctor", "ps",
                        "releases", "domains", "regions", "metrics", "history", "top"})
DELETE_WORDS = frozenset({"rm", "del", "destroy", "delete", "remove", "purge", "rb", "rmdir",
                          "rmdirs", "deletefile", "prune", "wipe", "drop", "uninstall", "down"})


@dataclass(frozen=True, slots=True)
class Cli:
    ops: dict[str, tuple[Verb, str]] = field(default_factory=dict)  # "apps destroy" → (verb, flag)
    short_arg: str = ""
    long_arg: frozenset[str] = frozenset()
    colon: bool = False  # `heroku apps:destroy` is `apps destroy`


_L = frozenset
CLIS: dict[str, Cli] = {
    "heroku": Cli({"apps destroy": (D, MASS), "destroy": (D, MASS), "pg reset": (D, MASS),
                   "addons destroy": (D, MASS), "addons remove": (D, MASS),
                   "pg killall": (U, ""), "run": (X, ""), "ps exec": (X, ""),
                   "config": (S, ""), "config get": (S, ""), "config set": (U, ""),
                   "config unset": (U, ""), "pg credentials": (S, ""),
                   "pg psql": (X, ""), "apps": (R, ""), "apps info": (R, ""),
                   "auth token": (S, "")},
                  "atr", _L({"--app", "--remote", "--team"}), colon=True),
    "fly": Cli({"apps destroy": (D, MASS), "destroy": (D, MASS), "volumes destroy": (D, MASS),
                "volume destroy": (D, MASS), "postgres destroy": (D, MASS),
                "machine destroy": (D, ""), "machines destroy": (D, ""), "ssh console": (X, ""),
                "ssh": (X, ""), "console": (X, ""), "secrets list": (R, ""),
                "secrets set": (U, ""), "secrets unset": (U, ""), "deploy": (U, ""),
                "launch": (C, ""), "scale count": (U, ""), "auth token": (S, ""),
                "proxy": (U, "")},
               "ac", _L({"--app", "--config", "--org", "--region"})),
    "doctl": Cli({"databases delete": (D, MASS), "compute volume delete": (D, MASS),
                  "kubernetes cluster delete": (D, MASS), "registry delete": (D, MASS),
                  "databases db delete": (D, MASS), "compute ssh": (X, ""),
                  "auth init": (U, ""), "databases connection": (S, ""),
                  "kubernetes cluster kubeconfig": (S, "")},
                 "ot", _L({"--output", "--context", "--access-token", "--format"})),
    "vercel": Cli({"remove": (D, ""), "rm": (D, ""), "project rm": (D, MASS),
                   "project remove": (D, MASS), "env pull": (S, ""), "env ls": (R, ""),
                   "env rm": (D, ""), "env add": (U, ""), "deploy": (U, ""), "": (U, ""),
                   "--prod": (U, ""), "promote": (U, ""), "rollback": (U, ""),
                   "dns rm": (D, ""), "domains rm": (D, ""), "pull": (S, "")},
                  "tAS", _L({"--token", "--scope", "--local-config", "--cwd", "--team"})),
    "netlify": Cli({"sites delete": (D, MASS), "env get": (S, ""), "env list": (S, ""),
                    "env set": (U, ""), "env unset": (U, ""), "deploy": (U, ""),
                    "functions invoke": (X, ""), "dev": (X, "")},
                   "sa", _L({"--site", "--auth", "--filter"}), colon=True),
    "supabase": Cli({"db reset": (D, MASS), "projects delete": (D, MASS),
                     "db push": (U, ""), "db dump": (R, ""), "db diff": (R, ""),
                     "db lint": (R, ""), "migration up": (U, ""), "migration repair": (U, ""),
                     "secrets list": (R, ""), "secrets set": (U, ""), "secrets unset": (U, ""),
                     "start": (X, ""), "stop": (U, ""), "link": (U, ""),
                     "functions deploy": (U, ""), "functions delete": (D, "")},
                    "", _L({"--project-ref", "--workdir", "--db-url", "--password"})),
    "railway": Cli({"down": (D, ""), "delete": (D, MASS), "up": (U, ""), "run": (X, ""),
                    "shell": (X, ""), "ssh": (X, ""), "variables": (S, ""),
                    "variables set": (U, ""), "connect": (X, ""), "redeploy": (U, "")},
                   "seu", _L({"--service", "--environment"})),
    "gh": Cli({"repo delete": (D, MASS), "release delete": (D, ""), "issue delete": (D, ""),
               "repo archive": (U, ""), "repo edit": (U, ""), "repo rename": (U, ""),
               "secret list": (R, ""), "secret set": (U, ""), "secret delete": (D, ""),
               "variable list": (R, ""), "variable set": (U, ""), "auth token": (S, ""),
               "auth status": (R, ""), "auth login": (U, ""), "auth refresh": (U, ""),
               "pr merge": (U, ""), "pr close": (U, ""), "pr create": (C, ""),
               "pr comment": (C, ""), "pr review": (C, ""), "pr checkout": (U, ""),
               "pr edit": (U, ""), "pr ready": (U, ""), "pr reopen": (U, ""),
               "pr checks": (R, ""), "pr diff": (R, ""), "pr status": (R, ""),
               "issue create": (C, ""), "issue comment": (C, ""), "issue close": (U, ""),
               "issue edit": (U, ""), "run rerun": (U, ""), "run cancel": (U, ""),
               "run watch": (R, ""), "run download": (R, ""), "run delete": (D, ""),
               "workflow run": (X, ""), "workflow enable": (U, ""),
               "workflow disable": (U, ""), "repo clone": (C, ""), "repo fork": (C, ""),
               "repo create": (C, ""), "repo sync": (U, ""), "cache delete": (D, ""),
               "codespace ssh": (X, ""), "codespace delete": (D, ""), "extension install": (X, ""),
               "gist create": (C, ""), "gist delete": (D, ""), "label delete": (D, ""),
               "ruleset list": (R, ""), "browse": (R, ""), "status": (R, ""),
               "search": (R, ""), "deployment delete": (D, "")},
              "RqtbBHLsalmF", _L({"--repo", "--jq", "--template", "--json", "--limit", "--state",
                                   "--title", "--body", "--base", "--head", "--label",
                                   "--assignee", "--milestone", "--body-file", "--author"})),
    "glab": Cli({"repo delete": (D, MASS), "release delete": (D, ""), "mr merge": (U, ""),
                 "mr close": (U, ""), "mr create": (C, ""), "mr note": (C, ""),
                 "mr approve": (U, ""), "issue create": (C, ""), "issue delete": (D, ""),
                 "ci run": (X, ""), "ci retry": (U, ""), "ci delete": (D, ""),
                 "variable list": (R, ""), "variable set": (U, ""), "variable get": (S, ""),
                 "auth status": (R, ""), "repo clone": (C, ""), "mr diff": (R, ""),
                 "ci status": (R, ""), "ci view": (R, "")},
                "Rq", _L({"--repo"})),
    "etcdctl": Cli({"get": (R, ""), "del": (D, ""), "put": (U, ""), "txn": (U, ""),
                    "member list": (R, ""), "member remove": (D, ""), "member add": (U, ""),
                    "endpoint health": (R, ""), "endpoint status": (R, ""),
                    "snapshot save": (S, ""), "snapshot restore": (Verb.REPLACE, MASS),
                    "compaction": (U, ""), "defrag": (U, ""), "watch": (R, ""),
                    "lease revoke": (D, ""), "auth disable": (P, ""), "auth enable": (P, ""),
                    "user": (P, ""), "role": (P, ""), "alarm disarm": (U, ""),
                    "move-leader": (U, "")},
                   "w", _L({"--endpoints", "--cacert", "--cert", "--key", "--user",
                            "--password", "--write-out", "--dial-timeout", "--command-timeout"})),
    "consul": Cli({"kv get": (R, ""), "kv export": (R, ""), "kv delete": (D, ""),
                   "kv put": (U, ""), "kv import": (U, ""), "members": (R, ""),
                   "catalog": (R, ""), "info": (R, ""), "monitor": (R, ""),
                   "acl": (P, ""), "snapshot save": (S, ""),
                   "snapshot restore": (Verb.REPLACE, MASS), "leave": (U, ""),
                   "force-leave": (U, ""), "services register": (U, ""),
                   "services deregister": (D, ""), "exec": (X, "")},
                  "", _L({"-http-addr", "-token", "-datacenter", "-ca-file"})),
    "vault": Cli({"kv get": (S, ""), "read": (S, ""), "kv list": (R, ""), "list": (R, ""),
                  "kv delete": (D, ""), "kv destroy": (D, ""), "kv metadata delete": (D, MASS),
                  "kv metadata get": (R, ""), "kv put": (U, ""), "kv patch": (U, ""),
                  "kv undelete": (U, ""), "kv rollback": (U, ""), "write": (U, ""),
                  "delete": (D, ""), "secrets disable": (D, MASS), "secrets enable": (U, ""),
                  "secrets list": (R, ""), "secrets move": (U, ""), "auth disable": (P, ""),
                  "auth enable": (P, ""), "auth list": (R, ""), "policy write": (P, ""),
                  "policy delete": (P, ""), "policy read": (R, ""), "policy list": (R, ""),
                  "token create": (P, ""), "token revoke": (P, ""), "token lookup": (R, ""),
                  "status": (R, ""), "login": (S, ""), "print token": (S, ""),
                  "operator seal": (U, ""), "operator unseal": (U, ""),
                  "operator raft": (U, ""), "audit disable": (P, ""), "audit list": (R, ""),
                  "lease revoke": (D, ""), "version": (R, "")},
                  "", _L({"-address", "-namespace", "-format", "-field", "-mount"})),
    "gsutil": Cli({"rm": (D, ""), "rb": (D, MASS), "ls": (R, ""), "du": (R, ""), "cat": (R, ""),
                   "stat": (R, ""), "hash": (R, ""), "iam": (P, ""), "acl": (P, ""),
                   "defacl": (P, ""), "mb": (C, ""), "setmeta": (U, ""),
                   "lifecycle": (U, ""), "retention": (U, ""), "signurl": (S, "")},
                  "hopzDS"),
    "s3cmd": Cli({"del": (D, ""), "rm": (D, ""), "rb": (D, ""), "ls": (R, ""), "la": (R, ""),
                  "du": (R, ""), "info": (R, ""), "get": (R, ""), "mb": (C, ""),
                  "setacl": (P, ""), "setpolicy": (P, ""), "delpolicy": (P, ""),
                  "expire": (U, ""), "signurl": (S, "")},
                 "c", _L({"--config"})),
    "rclone": Cli({"purge": (D, MASS), "delete": (D, ""), "deletefile": (D, ""),
                   "rmdir": (D, ""), "rmdirs": (D, ""), "dedupe": (D, ""), "mount": (U, ""),
                   "serve": (U, ""), "config": (U, ""), "config show": (S, ""),
                   "config dump": (S, ""), "listremotes": (R, ""), "mkdir": (C, "")},
                  "", _L({"--config", "--include", "--exclude", "--filter", "--transfers"})),
    "sam": Cli({"delete": (D, MASS), "deploy": (U, ""), "build": (X, ""), "local": (X, ""),
                "sync": (U, ""), "logs": (R, ""), "validate": (R, "")},
               "", _L({"--stack-name", "--region", "--profile", "--template-file"})),
    "serverless": Cli({"remove": (D, MASS), "deploy": (U, ""), "invoke": (X, ""),
                       "info": (R, ""), "logs": (R, ""), "print": (R, ""),
                       "package": (X, "")}, "sr", _L({"--stage", "--region", "--config"})),
}
# Operations that dump a whole store (every Kubernetes Secret, every ACL token) into a local
# file named by the operand after them: a secret read and a file write.
DUMPS_TO_FILE = {("etcdctl", "snapshot save"), ("consul", "snapshot save")}
CLIS["flyctl"] = CLIS["fly"]
CLIS["sls"] = CLIS["serverless"]


def _words(cmd: Cmd, spec: Cli) -> tuple[list[str], object, int]:
    """Positional words (a `heroku apps:destroy` path split at its colons), the options, and
    the length of that colon path (0: no colon, the path's end is not marked)."""
    o = parse(cmd.args, spec.short_arg, spec.long_arg,
              single_dash_long=cmd.name in ("consul", "vault"))
    pos: list[str] = []
    path_len = 0
    for n, w in enumerate(o.pos):
        if spec.colon and not w.text.startswith(("s3:", "gs:", "http")):
            parts = w.text.split(":")
            path_len = len(parts) if n == 0 and len(parts) > 1 else path_len
            pos.extend(parts)
        else:
            pos.append(w.text)
    return pos, o, path_len


# Read words naming a noun that has its own subcommands (`heroku ps:scale`, `fly releases
# rollback`, `fly regions set`): a read only when no subcommand-like word follows.
READ_NOUNS = frozenset({"apps", "releases", "domains", "regions", "metrics", "history",
                        "members", "logs", "log", "ps", "tree", "health", "top", "checks"})
_SUBWORD = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


def _read_ends_path(pos: list[str], i: int, path_len: int) -> bool:
    """Is the read word pos[i] the last word of the subcommand path? A colon path says where
    it ends; otherwise a read verb takes arguments, and a noun must not be followed by an
    unknown subcommand."""
    if path_len:
        return i == path_len - 1
    if pos[i] not in READ_NOUNS:
        return True
    nxt = pos[i + 1] if i + 1 < len(pos) else ""
    return not _SUBWORD.fullmatch(nxt) or (nxt in READ_WORDS and _read_ends_path(pos, i + 1, 0))


def _resolve(spec: Cli, pos: list[str], path_len: int = 0) -> tuple[Verb | None, str, str]:
    """The verb, flag and operation name of a subcommand path (longest table match first).
    A read counts only at the end of the path: `heroku apps` reads, `apps:transfer` does not."""
    for k in range(min(len(pos), 3), -1, -1):
        key = " ".join(pos[:k])
        if key in spec.ops and (k or not pos):
            v, flag = spec.ops[key]
            if v is R and k and not _read_ends_path(pos, k - 1, path_len):
                continue
            return v, flag, key
    # `noun verb` CLIs (`gh run list`): a delete word anywhere in the path wins, then a read
    # word that ends the path, then the cloud operation prefixes (create-, update-…).
    i = next((i for i, p in enumerate(pos[:3]) if p in DELETE_WORDS), None)
    if i is not None:
        return D, "", " ".join(pos[: i + 1])
    for verb_of in (lambda p: R if p in READ_WORDS else None, _op_verb):
        for i, p in enumerate(pos[:3]):
            v = verb_of(p)
            if v is None or (v is R and not _read_ends_path(pos, i, path_len)):
                continue
            return v, "", " ".join(pos[: i + 1])
    return None, "", " ".join(pos[:2])


def _bucket_targets(name: str, pos: list[str]) -> tuple[Target, ...]:
    out: list[Target] = []
    for p in pos[1:]:
        if DYN in p:
            continue
        if p.startswith(("gs://", "s3://")):
            b = p[5:].split("/", 1)[0]
        elif name == "rclone" and ":" in p:  # remote:bucket/path
            b = p.partition(":")[2].strip("/").split("/", 1)[0]
        else:
            continue
        if b:
            out.append(Target("bucket", b))
    return tuple(out)


def _whole_store(cmd: Cmd, pos: list[str], o: object) -> bool:
    """A recursive delete of a bucket's or keyspace's root: everything in it goes."""
    from ..argv import Opts

    assert isinstance(o, Opts)
    rec = o.has("-r", "-R", "--recursive", "-recurse", "--prefix", "--from-key", "-a")
    roots = [p for p in pos[1:] if p.startswith(("gs://", "s3://")) and
             p[5:].partition("/")[2].strip("/*") == "" or p in ("", "/")]
    if cmd.name == "rclone":  # `rclone delete remote:bucket` empties the bucket
        return any(":" in p and "/" not in p.partition(":")[2].strip("/") for p in pos[1:])
    if cmd.name in ("etcdctl", "consul"):
        keys = pos[1:] if cmd.name == "etcdctl" else pos[2:]
        return rec and (not keys or any(k in ("", "/") for k in keys))
    return rec and bool(roots)


# Flags that make a status command print the credential itself.
SHOW_TOKEN_FLAGS = frozenset({"-t", "--show-token"})


def platform(cmd: Cmd) -> list[Effect]:
    spec = CLIS[cmd.name]
    if cmd.name in ("gsutil", "s3cmd", "rclone"):
        from .network import UPLOADERS, uploader

        texts = [w.text for w in cmd.args if not w.text.startswith("-")]
        if texts[:1] and texts[0] in UPLOADERS[cmd.name][0]:
            out = uploader(cmd)
            if cmd.name == "rclone" and texts[0] == "sync" and len(texts) >= 3:
                # sync makes the destination match the source: what is not in it is deleted
                out.append(fx.eff(D, f"storage {texts[-1]}", (), scope=Scope.MANY, stateful=True,
                                  detail="rclone sync (deletes files missing from the source)"))
            return out
    if cmd.name == "gh" or cmd.name == "glab":
        api = _api(cmd)
        if api is not None:
            return api
    if cmd.name == "ansible":
        return ansible(cmd)
    pos, o, path_len = _words(cmd, spec)
    verb, flag, op = _resolve(spec, pos, path_len)
    targets = _bucket_targets(cmd.name, pos)
    res = f"{cmd.name} {' '.join(pos[len(op.split()):][:1]) or op}".strip()
    detail = f"{cmd.name} {op}".strip()
    if verb is None:
        return [opaque(f"command {cmd.name}", f"{cmd.name} {op}: unknown subcommand", targets)]
    if cmd.name == "etcdctl" and verb is R and any("/secrets" in p for p in pos[1:]):
        verb = S  # Kubernetes keeps its Secrets in etcd
    if verb is R and any(w.text in SHOW_TOKEN_FLAGS for w in cmd.args):
        verb = S  # `gh auth status -t`: prints the token
    if (cmd.name, op) in DUMPS_TO_FILE:
        n = len(op.split())
        files = [fx.path_change(cmd.ctx, Word(p), Verb.UPDATE, detail=detail)
                 for p in pos[n:n + 1]]
        return [fx.eff(S, f"{cmd.name} (every key it holds)", targets, detail=detail), *files]
    mass = flag == MASS or (verb is D and _whole_store(cmd, pos, o))
    if mass:
        return [fx.eff(verb, res, targets, scope=Scope.ALL, stateful=True,
                       risks=(Risk.MASS_DESTRUCTION,), detail=detail + " (everything it holds)")]
    return [fx.eff(verb, res, targets, detail=detail, stateful=verb is D)]


def _api(cmd: Cmd) -> list[Effect] | None:
    """`gh api PATH`: GET is a read; -X/--method or fields make it a change."""
    o = parse(cmd.args, "XfFHpqt", frozenset({"--method", "--field", "--raw-field", "--header",
                                                "--jq", "--template", "--hostname", "--input",
                                                "--preview", "--cache"}))
    pos = [w.text for w in o.pos]
    if pos[:1] != ["api"]:
        return None
    method = (o.get("-X", "--method") or ("POST" if o.has("-f", "-F", "--field", "--raw-field",
                                                          "--input") else "GET")).upper()
    path = pos[1] if len(pos) > 1 else ""
    if path == "graphql":
        q = " ".join(o.all("-f", "-F", "--field", "--raw-field"))
        verb = U if "mutation" in q else R
    else:
        verb = {"GET": R, "HEAD": R, "DELETE": D, "PUT": U, "PATCH": U, "POST": C}.get(method, U)
    return [fx.eff(verb, f"{cmd.name} api {path}", detail=f"{cmd.name} api {method} {path}"[:80])]


# Ansible modules that run their arguments as shell or argv, and those that only look.
ANSIBLE_SHELL = {"shell", "ansible.builtin.shell", "raw", "ansible.builtin.raw"}
ANSIBLE_ARGV = {"command", "ansible.builtin.command"}
ANSIBLE_READ = {"ping", "setup", "ansible.builtin.ping", "ansible.builtin.setup", "gather_facts",
                "debug", "stat", "slurp", "find", "ansible.builtin.stat",
                "ansible.builtin.find", "service_facts", "package_facts"}


def ansible(cmd: Cmd) -> list[Effect]:
    """`ansible HOSTS -m shell -a CMD`: CMD runs on every host the pattern names."""
    assert cmd.run_text is not None
    o = parse(cmd.args, "miaeufcMlBPTtk", frozenset({"--module-name", "--args", "--inventory",
                                                     "--extra-vars", "--user", "--forks",
                                                     "--limit", "--become-user",
                                                     "--private-key", "--connection"}))
    pattern = o.pos[0].text if o.pos else "all"
    target = Target("host", None if DYN in pattern or pattern in ("all", "*") else pattern)
    module = o.get("-m", "--module-name") or "command"
    margs = o.get("-a", "--args") or ""
    inner = cmd.ctx.child(extra=cmd.ctx.extra + (target,), cwd=None, vars={}, exported=set(),
                          functions={})
    if module in ANSIBLE_SHELL or module in ANSIBLE_ARGV:
        if margs:
            cmd.run_text(cmd, margs, ctx=inner, detail=f"ansible {pattern} -m {module}")
        return [fx.eff(X, f"hosts {pattern}", (target,), scope=Scope.MANY,
                       detail=f"ansible -m {module}")]
    if module in ANSIBLE_READ:
        return [fx.eff(R, f"hosts {pattern}", (target,), detail=f"ansible -m {module}")]
    if module.rsplit(".", 1)[-1] == "file" and "state=absent" in margs:
        path = next((p.split("=", 1)[1] for p in margs.split() if p.startswith(("path=", "dest="))),
                    DYN)
        inner_e = fx.path_change(inner, Word(path), D, recursive=True, detail="ansible file absent")
        inner_e.targets = tuple(inner_e.targets) + (target,)
        return [inner_e]
    return [opaque(f"hosts {pattern}", f"ansible -m {module} {margs[:60]}", (target,))]


# Framework database tasks: program → task → (verb, flag). Resetting, dropping or wiping the
# database loses every row; migrating changes the schema.
FRAMEWORK_TASKS: dict[str, dict[str, tuple[Verb, str]]] = {
    "rails": {**{t: (D, MASS) for t in ("db:drop", "db:drop:all", "db:reset", "db:schema:load",
                                        "db:structure:load", "db:purge", "db:purge:all",
                                        "db:truncate_all", "db:migrate:reset", "db:seed:replant",
                                        "db:setup")},
              **{t: (U, "") for t in ("db:migrate", "db:rollback", "db:seed", "db:migrate:down",
                                      "db:migrate:redo", "db:prepare", "db:create")},
              "db:migrate:status": (R, ""), "routes": (R, ""), "db:version": (R, "")},
    "manage.py": {"flush": (D, MASS), "reset_db": (D, MASS), "sqlflush": (R, ""),
                  "migrate": (U, ""), "showmigrations": (R, ""), "check": (R, ""),
                  "sqlmigrate": (R, ""), "makemigrations": (C, ""), "loaddata": (U, ""),
                  "dumpdata": (R, ""), "createsuperuser": (P, ""), "changepassword": (P, ""),
                  "diffsettings": (R, "")},
    "artisan": {**{t: (D, MASS) for t in ("migrate:fresh", "migrate:reset", "db:wipe",
                                          "migrate:refresh")},
                "migrate": (U, ""), "migrate:rollback": (U, ""), "db:seed": (U, ""),
                "migrate:status": (R, ""), "route:list": (R, ""), "about": (R, "")},
    "prisma": {"migrate reset": (D, MASS), "migrate deploy": (U, ""), "migrate dev": (U, ""),
               "migrate status": (R, ""), "migrate diff": (R, ""), "generate": (C, ""),
               "db push": (U, ""), "db pull": (U, ""), "db seed": (U, ""),
               "db execute": (X, ""), "validate": (R, ""), "format": (U, ""),
               "studio": (R, "")},
    "sequelize": {"db:drop": (D, MASS), "db:migrate:undo:all": (D, MASS),
                  "db:seed:undo:all": (D, ""), "db:migrate": (U, ""), "db:migrate:undo": (U, ""),
                  "db:seed:all": (U, ""), "db:create": (C, ""), "db:migrate:status": (R, "")},
    "knex": {"migrate:latest": (U, ""), "migrate:up": (U, ""), "migrate:down": (U, ""),
             "migrate:rollback": (U, ""), "migrate:status": (R, ""), "migrate:list": (R, ""),
             "seed:run": (U, "")},
    "typeorm": {"schema:drop": (D, MASS), "schema:sync": (U, ""), "migration:run": (U, ""),
                "migration:revert": (U, ""), "migration:show": (R, ""), "schema:log": (R, "")},
    "mix": {"ecto.drop": (D, MASS), "ecto.reset": (D, MASS), "ecto.migrate": (U, ""),
            "ecto.rollback": (U, ""), "ecto.create": (C, ""), "ecto.migrations": (R, "")},
    "alembic": {"upgrade": (U, ""), "downgrade": (U, ""), "current": (R, ""), "history": (R, ""),
                "heads": (R, ""), "show": (R, ""), "check": (R, ""), "revision": (C, ""),
                "stamp": (U, "")},
    "flask": {"db upgrade": (U, ""), "db downgrade": (U, ""), "db current": (R, ""),
              "db history": (R, ""), "db migrate": (C, ""), "routes": (R, "")},
    "drizzle-kit": {"drop": (D, ""), "push": (U, ""), "migrate": (U, ""), "generate": (C, ""),
                    "check": (R, ""), "studio": (R, "")},
}
FRAMEWORK_ALIASES = {"rake": "rails", "sequelize-cli": "sequelize", "knex": "knex",
                     "artisan": "artisan", "manage.py": "manage.py", "django-admin": "manage.py"}


# Arguments that only print the tool's version or usage.
TOOL_INFO = frozenset({"--version", "-v", "-V", "--help", "-h", "version", "help"})


def tool_info(prog: str, args: list[str]) -> bool:
    """`rails --version`, `prisma -v`: a framework tool printing its version or usage."""
    canon = FRAMEWORK_ALIASES.get(prog, prog)
    return canon in FRAMEWORK_TASKS and canon != "manage.py" and bool(args) and \
        all(a in TOOL_INFO for a in args)


def framework_effects(prog: str, args: list[str]) -> list[Effect] | None:
    """A web framework's database task (`rails db:drop`, `manage.py flush`, `prisma migrate
    reset`), or None when `prog args` is not one. Rake (and `mix do`) run every task named:
    each is classified (`rails db:migrate:status db:drop` drops the database)."""
    canon = FRAMEWORK_ALIASES.get(prog, prog)
    table = FRAMEWORK_TASKS.get(canon)
    if table is None:
        return None
    pos = [a for a in args if not a.startswith("-") and "=" not in a]
    if canon == "rails" or (canon == "mix" and pos[:1] == ["do"]):
        tasks = [t.rstrip(",").split("[", 1)[0] for t in pos if t not in ("do", "+")]
        found = [e for t in tasks for e in _task_effects(prog, table, [t], set(args)) or []]
        return found or None
    return _task_effects(prog, table, pos, set(args))


def _task_effects(prog: str, table: dict[str, tuple[Verb, str]], pos: list[str],
                  texts: set[str]) -> list[Effect] | None:
    for k in (2, 1):
        key = " ".join(pos[:k])
        if len(pos) >= k and key in table:
            verb, flag = table[key]
            break
    else:
        return None
    if prog in ("alembic", "flask") and "downgrade" in key and pos[k:k + 1] == ["base"]:
        verb, flag = D, MASS  # every migration undone: every table dropped
    if "--all" in texts and "rollback" in key:  # knex migrate:rollback --all
        verb, flag = D, MASS
    if key == "db push" and texts & {"--force-reset"}:
        verb, flag = D, MASS
    if key == "db push" and "--accept-data-loss" in texts:
        verb = D
    if prog == "manage.py" and key == "migrate" and pos[2:3] == ["zero"]:
        verb, flag = D, MASS
    res = f"database ({prog} {key})"
    if flag == MASS:
        return [fx.eff(verb, res, (Target("database", None),), scope=Scope.ALL, stateful=True,
                       risks=(Risk.MASS_DESTRUCTION,),
                       detail=f"{prog} {key}: wipes the application's database")]
    return [fx.eff(verb, res, (Target("database", None),), stateful=verb is D,
                   detail=f"{prog} {key}")]


def with_run(task: list[Effect] | None, run: Effect) -> list[Effect]:
    """The task's effects plus running the program. Even a well-known read (`rails routes`,
    `manage.py showmigrations`, `prisma migrate status`) boots the project's own code
    (settings, initializers, config files), so running it stays an execute."""
    return (task or []) + [run]


def framework(cmd: Cmd) -> list[Effect]:
    if tool_info(cmd.name, [w.text for w in cmd.args]):
        return [fx.eff(R, f"command {cmd.name}", detail=cmd.argv_text[:80])]
    got = framework_effects(cmd.name, [w.text for w in cmd.args])
    if got is not None:
        return with_run(got, fx.eff(X, f"{cmd.name} {' '.join(w.show for w in cmd.args[:2])}",
                                    fx.cwd_target(cmd.ctx), detail="runs the project's code"))
    return [fx.eff(X, f"{cmd.name} {' '.join(w.show for w in cmd.args[:2])}",
                   fx.cwd_target(cmd.ctx), detail=cmd.argv_text[:120])]


HANDLERS: dict[str, Handler] = {n: platform for n in CLIS}
HANDLERS["ansible"] = ansible
HANDLERS.update({n: framework for n in ("rails", "prisma", "sequelize", "sequelize-cli", "knex",
                                        "typeorm", "mix", "alembic", "flask", "django-admin",
                                        "drizzle-kit", "ansible-playbook")})
