"""Credentials the broker injects into an approved child, keyed by the targets it was decided on.

    # /etc/interlock/credentials.toml — owned by the broker user, mode 0600
    [[credential]]
    name = "prod kube"                       # shown in messages and the audit (never values)
    kube_context = ["prod-*"]                # any inventory target kind, globs as in the inventory
    env = { KUBECONFIG = "/etc/interlock/kube/prod.yaml" }

A rule applies when one of its patterns matches a target of the decided effects (explicit, or
implicit and resolved from the child's environment). The child gets the stripped environment
(envvars.py) plus the `env` of every rule that applies; two rules that set one variable to
different values make the run fail closed. The file must not be readable by group or others.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

from ...effects import TARGET_KINDS, Effect
from ...errors import ConfigError, InputError
from ...globs import any_match
from .envvars import injects_code

DEFAULT_PATH = "/etc/interlock/credentials.toml"


@dataclass(frozen=True, slots=True)
class Credential:
    name: str
    patterns: dict[str, tuple[str, ...]]
    env: dict[str, str]

    def applies(self, targets: Iterable[tuple[str, str]]) -> bool:
        return any(kind in self.patterns and any_match(self.patterns[kind], value) is not None
                   for kind, value in targets)


@dataclass(frozen=True, slots=True)
class Credentials:
    rules: tuple[Credential, ...] = ()
    source: str | None = None

    def files(self) -> list[str]:
        """This file and every absolute path its rules inject: the broker's private files."""
        out = [self.source] if self.source else []
        for rule in self.rules:
            out.extend(v for v in rule.env.values() if os.path.isabs(v))
        return out

    def for_targets(self, targets: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
        """(variables to inject, names of the rules that gave them)."""
        pairs = set(targets)
        env: dict[str, str] = {}
        names: list[str] = []
        for rule in self.rules:
            if not rule.applies(pairs):
                continue
            names.append(rule.name)
            for k, v in rule.env.items():
                if env.get(k, v) != v:
                    raise InputError(f"credentials: two rules set {k} differently for this "
                                     "command's targets; refusing to guess which applies")
                env[k] = v
        return env, names


def decided_targets(effects: Iterable[Effect], implicit) -> set[tuple[str, str]]:
    """(kind, value) of every target of `effects`; implicit ones through `implicit(target)`."""
    out: set[tuple[str, str]] = set()
    for e in effects:
        for t in e.targets:
            value = t.value if t.value is not None else implicit(t)
            if value is not None:
                out.add((t.kind, value))
    return out


def _fail(where: str, msg: str) -> ConfigError:
    return ConfigError(f"{where}: {msg}")


def parse_credentials(text: str, source: str = "<credentials>") -> Credentials:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _fail(source, f"not valid TOML: {e}") from None
    unknown = sorted(set(data) - {"credential"})
    if unknown:
        raise _fail(source, f"unknown key(s) {', '.join(unknown)}; expected [[credential]]")
    rules: list[Credential] = []
    for i, raw in enumerate(data.get("credential", [])):
        where = f"{source}: credential[{i}]"
        if not isinstance(raw, dict):
            raise _fail(where, "must be a table")
        bad = sorted(set(raw) - {"name", "env", *TARGET_KINDS})
        if bad:
            raise _fail(where, f"unknown key(s) {', '.join(bad)}; target kinds: "
                        f"{', '.join(TARGET_KINDS)}")
        env = raw.get("env")
        if not isinstance(env, dict) or not env or not all(
                isinstance(k, str) and k and isinstance(v, str) and "\x00" not in k + v
                for k, v in env.items()):
            raise _fail(where, "env must be a non-empty table of strings")
        bad_env = sorted(k for k in env if injects_code(k) or "=" in k)
        if bad_env:
            raise _fail(where, f"env may not set {', '.join(bad_env)}")
        patterns: dict[str, tuple[str, ...]] = {}
        for kind in TARGET_KINDS:
            if kind not in raw:
                continue
            val = raw[kind]
            vals = [val] if isinstance(val, str) else val
            if not isinstance(vals, list) or not vals or not all(
                    isinstance(v, str) and v for v in vals):
                raise _fail(where, f"{kind} must be a string or a list of strings")
            patterns[kind] = tuple(vals)
        if not patterns:
            raise _fail(where, "names no target (kube_context, aws_profile, host, …): a "
                        "credential for every command is not supported")
        name = raw.get("name", f"credential[{i}]")
        if not isinstance(name, str):
            raise _fail(where, "name must be a string")
        rules.append(Credential(name, patterns, dict(env)))
    return Credentials(tuple(rules), source)


def load_credentials(path: str | None) -> Credentials:
    """The credentials file; None → no credentials. Refused if group/other can read it."""
    if path is None:
        return Credentials()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise ConfigError(f"credentials {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"credentials {path}: not a regular file")
        if st.st_mode & 0o077:
            raise ConfigError(f"credentials {path}: readable or writable by group/others "
                              f"(mode {stat.S_IMODE(st.st_mode):o}); chmod 600 it")
        if st.st_uid != os.geteuid():
            raise ConfigError(f"credentials {path}: not owned by the broker's user")
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"credentials {path}: not UTF-8") from None
    return parse_credentials(text, path)
