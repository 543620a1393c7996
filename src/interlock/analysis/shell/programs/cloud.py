"""aws, gcloud, az: operation-name prefixes → verbs, plus the operations that are special
(secrets, IAM, deletes of whole data stores, risky flags)."""

from __future__ import annotations

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import Cmd, Word
from . import Handler

# Operation-name prefix → verb (longest prefix wins; checked in order).
OP_PREFIXES: tuple[tuple[str, Verb], ...] = (
    ("describe", Verb.READ), ("list", Verb.READ), ("get", Verb.READ), ("head", Verb.READ),
    ("lookup", Verb.READ), ("search", Verb.READ), ("scan", Verb.READ), ("query", Verb.READ),
    ("batch-get", Verb.READ), ("filter", Verb.READ), ("validate", Verb.READ),
    ("estimate", Verb.READ), ("simulate", Verb.READ), ("show", Verb.READ), ("tail", Verb.READ),
    ("wait", Verb.READ), ("test", Verb.READ), ("preview", Verb.READ), ("check", Verb.READ),
    ("delete", Verb.DELETE), ("terminate", Verb.DELETE), ("remove", Verb.DELETE),
    ("deregister", Verb.DELETE), ("purge", Verb.DELETE), ("release", Verb.DELETE),
    ("revoke", Verb.DELETE), ("destroy", Verb.DELETE), ("batch-delete", Verb.DELETE),
    ("disable", Verb.UPDATE), ("create", Verb.CREATE), ("put", Verb.CREATE), ("run", Verb.CREATE),
    ("start", Verb.UPDATE), ("launch", Verb.CREATE), ("register", Verb.CREATE),
    ("import", Verb.CREATE), ("copy", Verb.CREATE), ("allocate", Verb.CREATE),
    ("request", Verb.CREATE), ("upload", Verb.CREATE), ("publish", Verb.CREATE),
    ("send", Verb.CREATE), ("invoke", Verb.EXECUTE), ("deploy", Verb.UPDATE),
    ("update", Verb.UPDATE), ("modify", Verb.UPDATE), ("set", Verb.UPDATE),
    ("reboot", Verb.UPDATE), ("stop", Verb.UPDATE), ("restart", Verb.UPDATE),
    ("reset", Verb.UPDATE), ("change", Verb.UPDATE), ("apply", Verb.UPDATE),
    ("restore", Verb.UPDATE), ("rotate", Verb.UPDATE), ("enable", Verb.UPDATE),
    ("attach", Verb.UPDATE), ("detach", Verb.UPDATE), ("associate", Verb.UPDATE),
    ("disassociate", Verb.UPDATE), ("tag", Verb.UPDATE), ("untag", Verb.UPDATE),
    ("add", Verb.UPDATE), ("cancel", Verb.UPDATE), ("replace", Verb.REPLACE),
    ("resize", Verb.UPDATE), ("scale", Verb.UPDATE), ("rollback", Verb.UPDATE),
    ("execute", Verb.EXECUTE), ("ssh", Verb.EXECUTE), ("connect", Verb.EXECUTE),
)
AWS_SECRET_OPS = {("secretsmanager", "get-secret-value"), ("kms", "decrypt"),
                  ("ecr", "get-login-password"), ("sts", "get-session-token"),
                  ("sts", "assume-role"), ("rds", "generate-db-auth-token"),
                  ("eks", "get-token"), ("codeartifact", "get-authorization-token"),
                  ("iam", "create-access-key"), ("ssm", "get-parameter"),
                  ("ssm", "get-parameters"), ("ssm", "get-parameters-by-path"),
                  ("sso", "get-role-credentials"), ("ecr", "get-authorization-token")}
AWS_DECRYPT_ONLY = {"ssm"}  # secret only with --with-decryption
# Deleting these destroys stored data wholesale.
AWS_STATEFUL_DELETES = {"delete-db-instance", "delete-db-cluster", "delete-table",
                        "delete-file-system", "delete-volume", "delete-snapshot",
                        "delete-bucket", "delete-cache-cluster", "delete-replication-group",
                        "delete-cluster", "delete-domain", "delete-stream", "delete-queue",
                        "delete-backup-vault", "delete-log-group", "delete-repository",
                        "delete-secret", "schedule-key-deletion", "delete-global-cluster"}
AWS_MASS_FLAGS = ("--skip-final-snapshot", "--delete-automated-backups",
                  "--force-delete-without-recovery", "--no-final-snapshot",
                  "--force-destroy", "--delete-backups")
_AWS_ARGS = frozenset({"--profile", "--region", "--output", "--endpoint-url", "--query",
                       "--bucket", "--key", "--cli-input-json", "--color", "--ca-bundle",
                       "--cli-read-timeout", "--cli-connect-timeout", "--exclude", "--include",
                       "--acl", "--storage-class", "--db-instance-identifier", "--table-name",
                       "--instance-ids", "--function-name", "--stack-name", "--secret-id",
                       "--name", "--cluster", "--role-name", "--user-name", "--policy-arn",
                       "--cli-binary-format", "--payload", "--sse"})


def _op_verb(op: str) -> Verb | None:
    for prefix, verb in OP_PREFIXES:
        if op == prefix or op.startswith(prefix + "-"):
            return verb
    return None


def aws(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "", _AWS_ARGS)
    profile = o.get("--profile") or cmd.var("AWS_PROFILE") or cmd.var("AWS_DEFAULT_PROFILE")
    targets = [Target("aws_profile", profile)]
    region = o.get("--region") or cmd.var("AWS_REGION") or cmd.var("AWS_DEFAULT_REGION")
    rd = f" (region {region})" if region else ""
    pos = [w.text for w in o.pos]
    if not pos:
        return [fx.eff(Verb.READ, "command aws", tuple(targets))]
    svc, op = pos[0], (pos[1] if len(pos) > 1 else "")
    if svc == "s3":
        return _s3(o, pos, targets, rd, cmd)
    if svc == "configure":
        verb = Verb.READ_SECRET if op in ("get", "export-credentials") else (
            Verb.READ if op in ("list", "list-profiles") else Verb.UPDATE)
        return [fx.eff(verb, "aws configuration", tuple(targets), detail=f"aws configure {op}")]
    bucket = o.get("--bucket")
    if bucket:
        targets.append(Target("bucket", bucket))
    res_name = next((o.get(k) for k in ("--db-instance-identifier", "--table-name", "--stack-name",
                                         "--function-name", "--secret-id", "--name",
                                         "--instance-ids", "--cluster", "--role-name",
                                         "--user-name") if o.get(k)), None)
    resource = f"aws {svc} {res_name or '*'}"
    if svc == "cloudformation" and o.get("--stack-name"):
        targets.append(Target("stack", o.get("--stack-name")))
    detail = f"aws {svc} {op}{rd}"
    if (svc, op) in AWS_SECRET_OPS and (svc not in AWS_DECRYPT_ONLY or o.has("--with-decryption")):
        return [fx.eff(Verb.READ_SECRET, resource, tuple(targets), detail=detail)]
    verb = _op_verb(op)
    if verb is None:
        return [opaque(resource, f"aws {svc} {op}: unknown operation", tuple(targets))]
    risks: list[Risk] = []
    scope, stateful = Scope.ONE, False
    if svc in ("iam", "organizations", "sso-admin", "identitystore") and verb is not Verb.READ:
        verb = Verb.PRIVILEGE
    elif op.endswith("-policy") and "iam" in op or "permission" in op or op.startswith(
            ("add-permission", "put-bucket-policy", "put-role-policy")):
        verb = Verb.PRIVILEGE
    if op in AWS_STATEFUL_DELETES:
        stateful = True
        scope = Scope.ALL
        if o.has(*AWS_MASS_FLAGS) or op in ("delete-table", "delete-file-system",
                                            "delete-bucket", "delete-global-cluster"):
            risks.append(Risk.MASS_DESTRUCTION)
    flags = [f for f in AWS_MASS_FLAGS + ("--force",) if o.has(f)]
    if flags:
        detail += " " + " ".join(flags)
        if verb is Verb.DELETE:
            risks.append(Risk.MASS_DESTRUCTION)
    return [fx.eff(verb, resource, tuple(targets), detail=detail, risks=tuple(dict.fromkeys(risks)),
                   scope=scope, stateful=stateful)]


def _bucket(url: str) -> tuple[str, str] | None:
    if not url.startswith("s3://"):
        return None
    b, _, key = url[5:].partition("/")
    return b, key


def _s3(o: object, pos: list[str], targets: list[Target], rd: str, cmd: Cmd) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(o, Opts)
    op = pos[1] if len(pos) > 1 else ""
    urls = [u for u in pos[2:] if u.startswith("s3://")]
    bt = [Target("bucket", b[0]) for b in map(_bucket, urls) if b]
    tg = tuple(targets + bt)
    res = f"aws {urls[-1] if urls else 's3'}"
    d = f"aws s3 {op}{rd}"
    if op in ("ls", "presign"):
        return [fx.eff(Verb.READ, res, tg, detail=d)]
    if op == "mb":
        return [fx.eff(Verb.CREATE, res, tg, detail=d)]
    if op == "rb":
        if o.has("--force"):
            return [fx.eff(Verb.DELETE, res, tg, scope=Scope.ALL, stateful=True,
                           risks=(Risk.MASS_DESTRUCTION,), detail=d + " --force (deletes every object)")]
        return [fx.eff(Verb.DELETE, res, tg, stateful=True, detail=d)]
    if op == "rm":
        if o.has("--recursive"):
            return [fx.eff(Verb.DELETE, res + "/*", tg, scope=Scope.ALL, stateful=True,
                           risks=(Risk.MASS_DESTRUCTION,), detail=d + " --recursive")]
        return [fx.eff(Verb.DELETE, res, tg, stateful=True, detail=d)]
    if op in ("cp", "mv", "sync"):
        dest = pos[-1]
        out: list[Effect] = []
        for src in pos[2:-1]:  # local sources: credentials uploaded to a bucket leave the machine
            if src.startswith("s3://") or src == "-":
                continue
            e = fx.path_read(cmd.ctx, Word(src), recursive=True)
            out.append(e)
            if e.verb is Verb.READ_SECRET and dest.startswith("s3://"):
                out.append(fx.eff(Verb.UPDATE, f"network send of {src}", tg,
                                  risks=(Risk.CATASTROPHIC,), reversible=False,
                                  detail=f"secret uploaded to {dest} ({d})"))
        if op == "sync" and o.has("--delete"):
            out.append(fx.eff(Verb.DELETE, f"aws {dest}" if dest.startswith("s3://") else f"path {dest}",
                              tg, scope=Scope.MANY, stateful=True, detail=d + " --delete"))
        if op == "mv" and pos[2:3] and pos[2].startswith("s3://"):
            out.append(fx.eff(Verb.DELETE, f"aws {pos[2]}", tg, stateful=True, detail=d + " (source)"))
        verb = Verb.UPDATE if dest.startswith("s3://") else Verb.UPDATE
        out.append(fx.eff(verb, f"aws {dest}" if dest.startswith("s3://") else f"path {dest}", tg,
                          detail=d, scope=Scope.MANY if o.has("--recursive") or op == "sync" else Scope.ONE))
        return out
    return [opaque(res, f"aws s3 {op}: unknown", tg)]


GCLOUD_SECRET = {("secrets", "access"), ("auth", "print-access-token"),
                 ("auth", "print-identity-token"), ("auth", "application-default"),
                 ("container", "get-credentials"), ("sql", "generate-login-token"),
                 ("config", "config-helper")}  # config-helper prints a fresh access token


def gcloud(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "", frozenset({"--project", "--region", "--zone", "--format",
                                       "--account", "--configuration", "--filter", "--limit",
                                       "--impersonate-service-account", "--member", "--role",
                                       "--image", "--machine-type", "--cluster", "--location"}))
    project = o.get("--project") or cmd.var("CLOUDSDK_CORE_PROJECT")
    targets = (Target("gcp_project", project),)
    pos = [w.text for w in o.pos]
    verb, vi = None, -1
    for i, p in enumerate(pos):
        v = _op_verb(p)
        if v is not None and i > 0 or p in ("delete", "access"):
            verb, vi = v, i
            break
    group = " ".join(pos[: max(vi, 1)])
    name = pos[vi + 1] if 0 <= vi < len(pos) - 1 else "*"
    op = pos[vi] if vi >= 0 else ""
    res = f"gcp {group} {name}"
    detail = f"gcloud {group} {op}".strip()
    if any(g in pos and s in pos for g, s in GCLOUD_SECRET):
        return [fx.eff(Verb.READ_SECRET, res, targets, detail=detail)]
    if pos[:1] == ["storage"] and len(pos) > 1:
        return _gcloud_storage(o, pos, targets, cmd)
    if pos[:2] == ["logging", "read"]:
        return [fx.eff(Verb.READ, "gcp logging", targets, detail="gcloud logging read")]
    if verb is None:
        if pos and pos[0] in ("config", "info", "version", "help", "topic", "components"):
            v2 = Verb.UPDATE if "set" in pos or "install" in pos else Verb.READ
            return [fx.eff(v2, f"gcloud {' '.join(pos[:2])}", targets, detail=detail)]
        return [opaque(res, f"gcloud {' '.join(pos[:3])}: unknown operation", targets)]
    risks: list[Risk] = []
    scope, stateful = Scope.ONE, False
    if "iam" in pos[: vi + 1] or "iam-policy" in op or op in ("add-iam-policy-binding",
                                                              "set-iam-policy"):
        verb = Verb.PRIVILEGE if verb is not Verb.READ else verb
    if verb is Verb.DELETE and (pos[:1] == ["projects"] or (pos[:2] == ["sql", "instances"])
                                or pos[:2] in (["spanner", "instances"], ["bigtable", "instances"],
                                               ["filestore", "instances"], ["redis", "instances"])
                                or pos[:2] == ["container", "clusters"]):
        risks.append(Risk.MASS_DESTRUCTION)
        scope, stateful = Scope.ALL, True
    if pos[:1] == ["projects"] and name != "*":
        targets = (Target("gcp_project", name),)
    return [fx.eff(verb, res, targets, detail=detail, risks=tuple(risks), scope=scope,
                   stateful=stateful)]


# gcloud storage works like gsutil: unix-style verbs on gs:// URLs.
GCLOUD_STORAGE: dict[str, Verb] = {
    **{v: Verb.READ for v in ("ls", "cat", "du", "hash", "objects", "buckets", "sign-url")},
    "rm": Verb.DELETE, "cp": Verb.UPDATE, "mv": Verb.UPDATE, "rsync": Verb.UPDATE,
}


def _gcloud_storage(o: object, pos: list[str], targets: tuple[Target, ...],
                    cmd: Cmd) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(o, Opts)
    op = pos[1]
    urls = [p for p in pos[2:] if p.startswith("gs://")]
    tg = targets + tuple(Target("bucket", u[5:].split("/", 1)[0]) for u in urls)
    res = f"gcp storage {urls[-1] if urls else '*'}"
    d = f"gcloud storage {op}"
    verb = GCLOUD_STORAGE.get(op)
    if op in ("objects", "buckets") and len(pos) > 2:
        verb = _op_verb(pos[2])
        d += f" {pos[2]}"
    if verb is None:
        return [opaque(res, f"{d}: unknown", tg)]
    whole = any(u[5:].partition("/")[2].strip("/*") == "" for u in urls)
    if verb is Verb.DELETE and (o.has("-r", "-R", "--recursive") and whole or
                                op == "buckets"):
        return [fx.eff(Verb.DELETE, res, tg, scope=Scope.ALL, stateful=True,
                       risks=(Risk.MASS_DESTRUCTION,), detail=d + " (every object)")]
    if verb is Verb.DELETE:
        return [fx.eff(Verb.DELETE, res, tg, stateful=True, detail=d)]
    if op == "rsync" and o.has("--delete-unmatched-destination-objects"):
        return [fx.eff(Verb.DELETE, res, tg, scope=Scope.MANY, stateful=True, detail=d + " --delete")]
    out: list[Effect] = []
    if op in ("cp", "mv", "rsync") and len(pos) > 3:
        for src in pos[2:-1]:  # local credentials copied to a bucket leave the machine
            if src.startswith("gs://") or src == "-":
                continue
            e = fx.path_read(cmd.ctx, Word(src), recursive=True)
            out.append(e)
            if e.verb is Verb.READ_SECRET and pos[-1].startswith("gs://"):
                out.append(fx.eff(Verb.UPDATE, f"network send of {src}", tg,
                                  risks=(Risk.CATASTROPHIC,), reversible=False,
                                  detail=f"secret uploaded to {pos[-1]} ({d})"))
    return out + [fx.eff(verb, res, tg, detail=d)]


def az(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "gn", frozenset({"--resource-group", "--name", "--subscription",
                                         "--output", "--query", "--location", "--vault-name",
                                         "--assignee", "--role", "--scope"}))
    pos = [w.text for w in o.pos]
    sub = o.get("--subscription")
    rg = o.get("-g", "--resource-group")
    if pos[:1] == ["group"] and not rg:
        rg = o.get("-n", "--name")
    targets = (Target("resource_group", rg),) if rg else (Target("resource_group", None),)
    verb, vi = None, -1
    for i, p in enumerate(pos):
        v = _op_verb(p)
        if v is not None and i > 0:
            verb, vi = v, i
            break
    group = " ".join(pos[: max(vi, 1)])
    op = pos[vi] if vi >= 0 else ""
    name = o.get("-n", "--name") or "*"
    res = f"azure {group} {name}"
    detail = f"az {group} {op}" + (f" (subscription {sub})" if sub else "")
    if pos[:2] == ["keyvault", "secret"] and op in ("show", "download") or (
            pos[:2] == ["account", "get-access-token"]) or (
            op == "list-keys" or op == "keys" or "connection-string" in pos):
        return [fx.eff(Verb.READ_SECRET, res, targets, detail=detail)]
    if verb is None:
        if pos[:1] in (["login"], ["logout"], ["account"], ["config"], ["version"], ["extension"]):
            return [fx.eff(Verb.READ if pos[:1] in (["version"],) else Verb.UPDATE,
                           f"az {' '.join(pos[:2])}", targets, detail=detail)]
        return [opaque(res, f"az {' '.join(pos[:3])}: unknown operation", targets)]
    risks: list[Risk] = []
    scope, stateful = Scope.ONE, False
    if pos[:1] == ["role"] or "identity" in pos[:2] or pos[:2] == ["ad", "sp"]:
        verb = Verb.PRIVILEGE if verb is not Verb.READ else verb
    if verb is Verb.DELETE and (pos[:1] == ["group"] or pos[:2] in (
            ["sql", "db"], ["sql", "server"], ["cosmosdb", "delete"], ["storage", "account"],
            ["aks", "delete"]) or pos[:1] == ["cosmosdb"]):
        risks.append(Risk.MASS_DESTRUCTION)
        scope, stateful = Scope.ALL, True
    return [fx.eff(verb, res, targets, detail=detail, risks=tuple(risks), scope=scope,
                   stateful=stateful)]


HANDLERS: dict[str, Handler] = {"aws": aws, "gcloud": gcloud, "az": az}
