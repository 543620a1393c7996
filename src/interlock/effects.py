"""The vocabulary every stage shares: what an action would do (Effect) and where (Target).

Analyzers produce Effects without an environment; the inventory stage fills `environment` and
`rule`; the policy stage reads them. Nothing here parses or decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verb(StrEnum):
    READ = "read"
    READ_SECRET = "read_secret"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    FORGET = "forget"
    PRIVILEGE = "privilege"
    EXECUTE = "execute"
    OPAQUE = "opaque"


class Scope(StrEnum):
    ONE = "one"
    MANY = "many"
    ALL = "all"


class Risk(StrEnum):
    """Facts about an effect that the policy keys on, beyond its verb.

    They are observations made by analyzers ("this writes to a block device"), not decisions;
    the shipped Cedar pack maps them to DESIGN.md's table and operators can map them otherwise.
    """

    # Wipes the host or a home directory, raw disk writes, fork bombs, secrets sent to the
    # network, piping a download from an unknown host into a shell.
    CATASTROPHIC = "catastrophic"
    # Writes to interlock's own files or runs its administrative commands.
    TAMPER = "tamper"
    # Persistence and host security: authorized_keys, shell rc files, sudoers, crontab, systemd
    # units, setuid bits, firewall flush/disable, global git hooks.
    HOST_SECURITY = "host_security"
    # Harmless as written but dangerous if a dynamic part expands badly (`rm -rf "$DIR"/*`),
    # or decode-and-run of a payload we cannot see.
    DYNAMIC = "dynamic"
    # Destroys a whole stateful thing or a large share of it (DROP DATABASE, `kubectl delete ns
    # --all`, `terraform destroy`, `aws s3 rb --force`).
    MASS_DESTRUCTION = "mass_destruction"
    # Downloads code and runs it (`curl … | sh`); catastrophic when the host is unknown.
    REMOTE_CODE = "remote_code"


# Inventory keys (DESIGN.md "Inventory"): the kinds of target a rule can name.
TARGET_KINDS = (
    "kube_context",
    "k8s_namespace",
    "aws_profile",
    "aws_account",
    "gcp_project",
    "host",
    "database",
    "bucket",
    "tf_workspace",
    "stack",
    "resource_group",
    "path",
    "git_branch",
)


@dataclass(frozen=True, slots=True)
class Target:
    """Where an effect lands, in inventory terms. Three states:

    - named: `value` is the target (`aws_profile:prod-admin`);
    - implicit: `value` None, the analyzer saw no explicit target (kubectl without --context,
      aws without --profile) and the inventory stage reads it from the real environment at
      decision time. `source` carries what that lookup needs (a KUBECONFIG path from a prefix
      assignment, the cwd for a terraform workspace file);
    - undeterminable (`Target.unknown`): the effect lands on a target of this kind but no
      one can say which (a provider profile set by an expression the plan does not evaluate),
      and the guard's own environment is NOT it. `undeterminable` says why; resolution takes
      the default tier and never looks it up.
    """

    kind: str
    value: str | None
    source: str | None = None
    undeterminable: str | None = None

    def __post_init__(self) -> None:
        if self.undeterminable is not None and (self.value is not None or not self.undeterminable):
            raise ValueError("an undeterminable target has no value and needs a reason")

    @classmethod
    def unknown(cls, kind: str, why: str) -> Target:
        """A target of `kind` that cannot be determined, for the reason `why`."""
        return cls(kind, None, undeterminable=why)

    @property
    def implicit(self) -> bool:
        return self.value is None and self.undeterminable is None

    def __str__(self) -> str:
        if self.value is not None:
            return f"{self.kind}:{self.value}"
        return f"{self.kind}:{'(implicit)' if self.undeterminable is None else '(unknown)'}"


@dataclass(slots=True)
class Effect:
    verb: Verb
    resource: str
    targets: tuple[Target, ...] = ()
    reversible: bool = True
    stateful: bool = False
    scope: Scope = Scope.ONE
    risks: frozenset[Risk] = frozenset()
    detail: str = ""
    # The program that has this effect (shell: `kubectl`, `rm`); lets policies name programs.
    program: str = ""
    # How the program was invoked, when every word is known (shell only): lets a guarded
    # deployment look further, e.g. compute the real plan behind `terraform apply`.
    argv: tuple[str, ...] = ()
    cwd: str | None = None
    # Filled by environment resolution.
    environment: str | None = None
    rule: str | None = None
    # The target that decided the environment (or all of them when none matched).
    resolved_target: str | None = None
    # Free-form numbers for the policy (e.g. terraform counts); keys must be in the schema.
    facts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "verb": str(self.verb),
            "resource": self.resource,
            "target": self.resolved_target
            if self.resolved_target is not None
            else ", ".join(str(t) for t in self.targets),
            "environment": self.environment,
            "reversible": self.reversible,
            "stateful": self.stateful,
            "scope": str(self.scope),
            "rule": self.rule,
            "detail": self.detail,
            "risks": sorted(str(r) for r in self.risks),
        }


def opaque(resource: str, detail: str, targets: tuple[Target, ...] = (), **kw) -> Effect:
    """An effect we cannot see through: decided by tier like any change, never dropped."""
    return Effect(Verb.OPAQUE, resource, targets, reversible=False, detail=detail, **kw)
