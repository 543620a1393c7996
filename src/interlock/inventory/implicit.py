"""Targets the action does not name, read from the real environment at decision time.

kubectl without --context uses the kubeconfig's current-context, aws without --profile uses
AWS_PROFILE or "default", terraform uses the workspace file in its working directory. What
cannot be determined is None, and resolution then takes the default tier.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Callable, Mapping
from pathlib import Path

Lookup = Callable[[str | None, Mapping[str, str]], str | None]


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or os.path.expanduser("~"))


def _kubeconfig(source: str | None, env: Mapping[str, str]) -> dict | None:
    paths = source or env.get("KUBECONFIG") or str(_home(env) / ".kube" / "config")
    # KUBECONFIG may list several files; current-context comes from the first that sets it.
    for p in paths.split(os.pathsep):
        if not p:
            continue
        try:
            text = Path(p).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            import yaml  # only paid for when a kube target is implicit

            data = yaml.safe_load(text)
        except Exception:  # a broken kubeconfig is undeterminable, not an error of the action
            continue
        if isinstance(data, dict) and data.get("current-context"):
            return data
    return None


def kube_context(source: str | None, env: Mapping[str, str]) -> str | None:
    data = _kubeconfig(source, env)
    ctx = data.get("current-context") if data else None
    return ctx if isinstance(ctx, str) and ctx else None


def k8s_namespace(source: str | None, env: Mapping[str, str]) -> str | None:
    data = _kubeconfig(source, env)
    if not data:
        return None
    current = data.get("current-context")
    for entry in data.get("contexts") or []:
        if isinstance(entry, dict) and entry.get("name") == current:
            ns = (entry.get("context") or {}).get("namespace")
            return ns if isinstance(ns, str) and ns else "default"
    return None


def aws_profile(source: str | None, env: Mapping[str, str]) -> str | None:
    return env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"


def gcp_project(source: str | None, env: Mapping[str, str]) -> str | None:
    if env.get("CLOUDSDK_CORE_PROJECT"):
        return env["CLOUDSDK_CORE_PROJECT"]
    cfg_dir = Path(env.get("CLOUDSDK_CONFIG") or _home(env) / ".config" / "gcloud")
    try:
        active = (cfg_dir / "active_config").read_text().strip() or "default"
        parser = configparser.ConfigParser()
        parser.read(cfg_dir / "configurations" / f"config_{active}")
        return parser.get("core", "project", fallback=None)
    except (OSError, configparser.Error):
        return None


def tf_workspace(source: str | None, env: Mapping[str, str]) -> str | None:
    if env.get("TF_WORKSPACE"):
        return env["TF_WORKSPACE"]
    if source is None:
        return None
    data_dir = env.get("TF_DATA_DIR") or ".terraform"
    try:
        return (Path(source) / data_dir / "environment").read_text().strip() or "default"
    except FileNotFoundError:
        # An initialised directory without the file is on the default workspace.
        return "default" if (Path(source) / data_dir).is_dir() else None
    except OSError:
        return None


def git_branch(source: str | None, env: Mapping[str, str]) -> str | None:
    if source is None:
        return None
    d = Path(source)
    for candidate in (d, *d.parents):
        dotgit = candidate / ".git"
        if dotgit.is_file():
            # A worktree or submodule: `.git` is a file "gitdir: PATH"; its HEAD is there, and
            # the enclosing repository's branch is not this one's.
            try:
                line = dotgit.read_text().strip()
            except OSError:
                return None
            if not line.startswith("gitdir:"):
                return None
            dotgit = candidate / line[len("gitdir:"):].strip()
        elif not dotgit.is_dir():
            continue
        try:
            text = (dotgit / "HEAD").read_text().strip()
        except OSError:
            return None
        prefix = "ref: refs/heads/"
        return text[len(prefix):] if text.startswith(prefix) else None
    return None


def database(source: str | None, env: Mapping[str, str]) -> str | None:
    return env.get("DATABASE_URL") or None


def host(source: str | None, env: Mapping[str, str]) -> str | None:
    return env.get("PGHOST") if source == "postgres" else None


LOOKUPS: dict[str, Lookup] = {
    "kube_context": kube_context,
    "k8s_namespace": k8s_namespace,
    "aws_profile": aws_profile,
    "gcp_project": gcp_project,
    "tf_workspace": tf_workspace,
    "git_branch": git_branch,
    "database": database,
    "host": host,
}
