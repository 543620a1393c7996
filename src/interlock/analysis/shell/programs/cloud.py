"""aws, gcloud, az: operation-name prefixes → verbs, plus the operations that are special
(secrets, IAM, deletes of whole data stores, risky flags)."""

from __future__ import annotations

import json
import re

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd, Word
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
                       "--cli-binary-format", "--payload", "--sse", "--document-name",
                       "--parameters", "--targets", "--target", "--command", "--task",
                       "--container"})


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
    if (svc, op) in AWS_REMOTE_RUN:
        return AWS_REMOTE_RUN[(svc, op)](cmd, o, tuple(targets), f"aws {svc} {op}{rd}")
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
    identity_service = svc in ("iam", "organizations", "sso-admin", "identitystore")
    if identity_service and verb is not Verb.READ or (
            op.endswith("-policy") and "iam" in op or "permission" in op
            or op.startswith(("add-permission", "put-bucket-policy", "put-role-policy"))):
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


# Documents whose `commands` parameter is a shell script the instance runs as root.
SSM_SHELL_DOCS = {"AWS-RunShellScript"}
SSM_INTERACTIVE_DOCS = {"AWS-StartInteractiveCommand", "AWS-StartNonInteractiveCommand"}
_SHORTHAND_ITEM = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^,\]]+)')


def _shorthand_list(value: str) -> list[str]:
    """`[a,"b c"]` or `a` (the AWS CLI shorthand for a list of strings) → its items."""
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    return [m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None
            else m.group(3).strip() for m in _SHORTHAND_ITEM.finditer(value)]


def _ssm_commands(values: list[str], key: str) -> list[str] | None:
    """The script lines in `--parameters` (JSON or shorthand); None when not readable here
    (file://, a URL, a dynamic value, malformed JSON)."""
    lines: list[str] = []
    for v in values:
        if DYN in v or v.startswith(("file://", "fileb://", "http://", "https://")):
            return None
        if v.lstrip().startswith("{"):
            try:
                data = json.loads(v)
            except ValueError:
                return None
            items = data.get(key, []) if isinstance(data, dict) else None
            if not isinstance(items, list) and not isinstance(items, str):
                return None
            lines += [items] if isinstance(items, str) else [str(i) for i in items]
            continue
        # shorthand: key=[…] or key=value, possibly after other `k=v,` pairs
        m = re.search(rf"(?:^|,){re.escape(key)}=(\[[^\]]*\]|\"[^\"]*\"|[^,]*)", v)
        if m:
            lines += _shorthand_list(m.group(1))
    return lines


def _ssm_hosts(o: object) -> tuple[Target, ...]:
    """The instances a command goes to: --instance-ids, --targets Key=InstanceIds, --target."""
    from ..argv import Opts

    assert isinstance(o, Opts)
    ids = list(o.all("--instance-ids", "--target"))
    for t in o.all("--targets"):
        m = re.match(r"Key=InstanceIds,Values=(.*)", t)
        if not m:  # tags, resource groups: which instances is only known to AWS
            return (Target.unknown("host", f"SSM targets {t!r} select instances by tag"),)
        ids += m.group(1).split(",")
    hosts = tuple(Target("host", i) for i in ids if i and DYN not in i and i != "*")
    if not hosts or len(hosts) < len(ids):
        hosts += (Target.unknown("host", "SSM instances not known"),)
    return hosts


def _ssm_send(cmd: Cmd, o: object, targets: tuple[Target, ...], d: str) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(o, Opts)
    from .kube import run_remote

    doc = o.get("--document-name") or ""
    tg = targets + _ssm_hosts(o)
    where = f"aws ssm instances {' '.join(t.value for t in tg if t.kind == 'host' and t.value) or '*'}"
    if doc not in SSM_SHELL_DOCS:  # other documents do what their content says, unseen here
        return [opaque(where, f"{d}: document {doc or '(none)'} runs on the instances", tg)]
    if o.has("--cli-input-json"):
        return [opaque(where, f"{d}: --cli-input-json can carry the commands", tg)]
    lines = _ssm_commands(o.all("--parameters"), "commands")
    return run_remote(cmd, where, tg, f"{d} {doc}",
                      text="\n".join(lines) if lines else None)


def _ssm_session(cmd: Cmd, o: object, targets: tuple[Target, ...], d: str) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(o, Opts)
    from .kube import run_remote

    doc = o.get("--document-name") or ""
    tg = targets + _ssm_hosts(o)
    where = f"aws ssm session {o.get('--target') or '*'}"
    if doc.startswith("AWS-StartPortForwarding"):  # a tunnel, nothing runs there
        return [fx.eff(Verb.UPDATE, where, tg, detail=f"{d} {doc} (port forwarding)")]
    if doc in SSM_INTERACTIVE_DOCS:
        lines = _ssm_commands(o.all("--parameters"), "command")
        return run_remote(cmd, where, tg, f"{d} {doc}", text="\n".join(lines) if lines else None)
    if doc:
        return [opaque(where, f"{d}: session document {doc}", tg)]
    return [fx.eff(Verb.EXECUTE, where, tg, detail=f"{d} (interactive shell on the instance)")]


def _ecs_exec(cmd: Cmd, o: object, targets: tuple[Target, ...], d: str) -> list[Effect]:
    from ..argv import Opts

    assert isinstance(o, Opts)
    from .kube import run_remote

    cluster = o.get("--cluster")
    tg = targets + ((Target("host", cluster),) if cluster and DYN not in cluster
                    else (Target.unknown("host", "ECS cluster not known"),))
    where = f"aws ecs task {cluster or 'default'}/{o.get('--task') or '*'}"
    return run_remote(cmd, where, tg, d, text=o.get("--command"))


AWS_REMOTE_RUN = {("ssm", "send-command"): _ssm_send, ("ssm", "start-session"): _ssm_session,
                  ("ecs", "execute-command"): _ecs_exec}


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
            if dest.startswith("s3://"):
                out.append(fx.eff(Verb.DELETE, f"aws {dest}", tg, scope=Scope.MANY, stateful=True,
                                  detail=d + " --delete"))
            else:  # local extra files go: classified as a recursive delete of that directory
                out.append(fx.path_change(cmd.ctx, Word(dest), Verb.DELETE, recursive=True,
                                          detail=d + " --delete"))
        if op == "mv" and pos[2:3] and pos[2].startswith("s3://"):
            out.append(fx.eff(Verb.DELETE, f"aws {pos[2]}", tg, stateful=True, detail=d + " (source)"))
        many = o.has("--recursive") or op == "sync"
        if dest == "-":  # `aws s3 cp s3://b/k -` prints the object: a read
            out.append(fx.eff(Verb.READ, res, tg, detail=d + " (to stdout)"))
        elif dest.startswith("s3://"):
            out.append(fx.eff(Verb.UPDATE, f"aws {dest}", tg, detail=d,
                              scope=Scope.MANY if many else Scope.ONE))
        else:  # a local file: classified like any other write (rc files, interlock's own)
            e = fx.path_change(cmd.ctx, Word(dest), Verb.UPDATE, recursive=many, detail=d)
            e.targets = tuple(e.targets) + tg
            out.append(e)
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
                                       "--image", "--machine-type", "--cluster", "--location",
                                       "--command", "--ssh-flag", "--ssh-key-file",
                                       "--container", "--worker"}))
    project = o.get("--project") or cmd.var("CLOUDSDK_CORE_PROJECT")
    targets = (Target("gcp_project", project),)
    pos = [w.text for w in o.pos]
    if "ssh" in pos[:4] and pos[0] in ("compute", "alpha", "beta", "cloud-shell"):
        return _gcloud_ssh(cmd, o, pos, targets)
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


def _gcloud_ssh(cmd: Cmd, o: object, pos: list[str],
                targets: tuple[Target, ...]) -> list[Effect]:
    """`gcloud compute ssh [USER@]VM --command C` or `-- C`: ssh to the VM (see network.ssh)."""
    from ..argv import Opts

    assert isinstance(o, Opts)
    from .kube import run_remote

    texts = [w.text for w in cmd.args]
    after = cmd.args[texts.index("--") + 1 :] if "--" in texts else []
    i = pos.index("ssh")
    vm = pos[i + 1].split("@")[-1] if len(pos) > i + 1 and pos[i + 1] != (
        after[0].text if after else None) else None
    if pos[0] == "cloud-shell" or "cloud-shell" in pos[:2]:
        vm = "cloud-shell"
    tg = targets + ((Target("host", vm),) if vm and DYN not in vm
                    else (Target.unknown("host", "VM name not known"),))
    d = f"gcloud {' '.join(pos[: i + 1])}"
    where = f"gcp vm {vm or '*'}"
    local = []
    for flag in o.all("--ssh-flag"):  # `-o ProxyCommand=…` runs here, not on the VM
        from .network import ssh_local_commands

        parts = flag.split(None, 1)
        if parts[:1] == ["-o"] and len(parts) == 2:
            local += ssh_local_commands(cmd, [parts[1]], [])
        elif flag.startswith("-o"):
            local += ssh_local_commands(cmd, [flag[2:].lstrip("= ")], [])
    command = o.get("--command")
    if command is not None:
        return local + run_remote(cmd, where, tg, d, text=command)
    if after:
        return local + run_remote(cmd, where, tg, d, text=" ".join(w.text for w in after))
    return local + [opaque(where, f"{d}: interactive session without a command", tg)]


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


# Command-group names that look like operations (`az vm run-command list`).
AZ_GROUP_WORDS = {"run-command"}


def az(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "gn", frozenset({"--resource-group", "--name", "--subscription",
                                         "--output", "--query", "--location", "--vault-name",
                                         "--assignee", "--role", "--scope", "--vm-name",
                                         "--command-id", "--instance-id", "--vmss-name"}))
    pos = [w.text for w in o.pos]
    sub = o.get("--subscription")
    rg = o.get("-g", "--resource-group")
    if pos[:1] == ["group"] and not rg:
        rg = o.get("-n", "--name")
    targets = (Target("resource_group", rg),) if rg else (Target("resource_group", None),)
    if pos[:2] in (["vm", "run-command"], ["vmss", "run-command"]) and pos[2:3] in (
            ["invoke"], ["create"], ["update"]):
        return _az_run_command(cmd, o, pos, targets)
    verb, vi = None, -1
    for i, p in enumerate(pos):
        v = _op_verb(p)
        if v is not None and i > 0 and p not in AZ_GROUP_WORDS:
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


# Values of az options that take several words (`--scripts "a" "b"`).
def _az_values(cmd: Cmd, *names: str) -> list[str] | None:
    """The words after the last of `names` up to the next option; None when absent."""
    texts = [w.text for w in cmd.args]
    idx = [i for i, t in enumerate(texts) if t in names or t.split("=", 1)[0] in names]
    if not idx:
        return None
    i = idx[-1]
    if "=" in texts[i]:
        return [texts[i].split("=", 1)[1]]
    out: list[str] = []
    for t in texts[i + 1 :]:
        if t.startswith("--") or t.startswith("-") and len(t) == 2:
            break
        out.append(t)
    return out


AZ_SHELL_COMMAND_IDS = {"RunShellScript"}


def _az_run_command(cmd: Cmd, o: object, pos: list[str],
                    targets: tuple[Target, ...]) -> list[Effect]:
    """`az vm run-command invoke/create`: the script runs as root on the VM."""
    from ..argv import Opts

    assert isinstance(o, Opts)
    from .kube import run_remote

    vm = (_az_values(cmd, "--vm-name") or [None])[0] if pos[2] != "invoke" else \
        o.get("-n", "--name")
    if pos[0] == "vmss":
        vm = o.get("-n", "--name", "--vmss-name")
    tg = targets + ((Target("host", vm),) if vm and DYN not in vm
                    else (Target.unknown("host", "VM name not known"),))
    d = f"az {' '.join(pos[:3])}"
    where = f"azure vm {vm or '*'}"
    cid = (_az_values(cmd, "--command-id") or [""])[0]
    script = _az_values(cmd, "--scripts", "--script")
    if pos[2] == "invoke" and cid not in AZ_SHELL_COMMAND_IDS:
        return [opaque(where, f"{d}: command {cid or '(none)'} runs on the VM", tg)]
    if pos[2] != "invoke" and _az_values(cmd, "--script-uri") is not None:
        return [opaque(where, f"{d}: script from a URI", tg)]
    if not script or any(t.startswith("@") for t in script):  # @file: read by az, not seen here
        return run_remote(cmd, where, tg, d) if script or pos[2] != "update" else [
            fx.eff(Verb.UPDATE, where, tg, detail=d)]
    return run_remote(cmd, where, tg, d, text="\n".join(script))


HANDLERS: dict[str, Handler] = {"aws": aws, "gcloud": gcloud, "az": az}
