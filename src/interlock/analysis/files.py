"""file_write / file_delete → Effects. Paths arrive absolute and resolved (envelope.py).

What a path *is* (interlock's own files, persistence and host-security files, system roots)
is decided by paths.path_effect; this module only picks the verb and adds what the content or
the file name says.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping

from ..effects import Effect, Verb
from ..globs import any_match
from .paths import path_effect

# Files whose change alters what CI runs (no extra risk: it runs in CI, not on this host).
CI_FILES: dict[str, str] = {
    "**/.github/workflows/*.yml": "CI workflow",
    "**/.github/workflows/*.yaml": "CI workflow",
    "**/.gitlab-ci.yml": "CI pipeline",
    "**/.circleci/config.yml": "CI pipeline",
    "**/Jenkinsfile": "CI pipeline",
    "**/azure-pipelines.yml": "CI pipeline",
    "**/.buildkite/**": "CI pipeline",
}


def _ci_detail(path: str) -> str:
    for pattern, what in CI_FILES.items():
        if any_match((pattern,), path) is not None:
            return what
    return ""


def analyze_file_write(path: str, content: str,
                       env: Mapping[str, str] | None = None) -> list[Effect]:
    path = posixpath.normpath(path)
    # Decided now: the same action may create today and overwrite tomorrow.
    exists = os.path.lexists(path)
    verb = Verb.UPDATE if exists else Verb.CREATE
    detail = _ci_detail(path)
    if not detail:
        detail = "overwrites an existing file" if exists else "creates a file"
        if content.startswith("#!"):
            detail += " (a script)"
    return [path_effect(path, verb, detail=detail, env=env)]


def analyze_file_delete(path: str, env: Mapping[str, str] | None = None) -> list[Effect]:
    path = posixpath.normpath(path)
    is_dir = os.path.isdir(path) and not os.path.islink(path)
    detail = _ci_detail(path) or ("deletes a directory and everything in it" if is_dir
                                  else "deletes a file")
    return [path_effect(path, Verb.DELETE, recursive=is_dir, detail=detail, env=env)]
