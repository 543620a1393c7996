"""Binding what a command runs: the content hashes of its scripts and program files.

The action hash names the command line; it cannot see that `deploy.sh` changed after the humans
approved `bash deploy.sh`. The broker therefore computes a *binding*:

    binding = SHA-256(canonical JSON of {"v": 1, "action_hash": H, "program": P,
                                         "files": [[path, sha256 | null], …] (sorted, unique)})

H is the envelope's action hash; P the executable that will run, resolved once (and then
exec'd by that absolute path); each file is a script or program text the command runs
(`bash x.sh`, `./x.sh`, `python x.py`, `source f`, `psql -f q.sql` — the shell analyzer's
`execute` effects — the command's own file when it is not root-owned, and the files a task
runner reads implicitly: runfiles.py). null records a file that is absent, so one that
appears later changes the binding too. The approval request stores the binding digest next to
the action hash (`plan_hash`), and `redeem` refuses any other digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ...effects import Effect, Verb
from ...errors import InputError
from .runfiles import RUNNER_FILES

VERSION = 1
MAX_FILE = 512 * 1024 * 1024  # a bigger "script" is refused rather than read for minutes
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Binding:
    action_hash: str
    program: str
    files: tuple[tuple[str, str | None], ...]

    @property
    def digest(self) -> str:
        body = {"v": VERSION, "action_hash": self.action_hash, "program": self.program,
                "files": [list(f) for f in self.files]}
        raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()

    def changed(self, other: Binding) -> list[str]:
        """Paths whose content differs between the two bindings (and the program if moved)."""
        mine, theirs = dict(self.files), dict(other.files)
        out = sorted(p for p in set(mine) | set(theirs) if mine.get(p, 0) != theirs.get(p, 0))
        if self.program != other.program:
            out.insert(0, f"program {self.program} → {other.program}")
        return out

    def to_json(self) -> dict:
        return {"digest": self.digest, "program": self.program,
                "files": {p: h for p, h in self.files}}


def sha256_file(path: str) -> str | None:
    """SHA-256 of a regular file's content; None when it does not exist. A file that exists
    but cannot be read (or is not a regular file) cannot be bound: InputError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InputError(f"cannot read {path} to bind its content: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path} is not a regular file; cannot bind its content")
        if st.st_size > MAX_FILE:
            raise InputError(f"{path} is larger than {MAX_FILE >> 20} MiB; cannot bind it")
        h = hashlib.sha256()
        while chunk := os.read(fd, _CHUNK):
            h.update(chunk)
        return h.hexdigest()
    except OSError as e:
        raise InputError(f"cannot read {path} to bind its content: {e.strerror or e}") from None
    finally:
        os.close(fd)


def root_only(path: str) -> bool:
    """Only root can change this file: root-owned, not group/other-writable, and so is every
    directory above it. Such programs are bound by path; all others by content too."""
    try:
        p = os.path.realpath(path)
        while True:
            st = os.stat(p)
            if st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not (
                    stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX):
                return False
            if p == "/":
                return True
            p = os.path.dirname(p)
    except OSError:
        return False


def _flag_values(argv: Sequence[str], flags: tuple[str, ...]) -> list[str]:
    """Values of `-C DIR`, `-CDIR`, `--directory=DIR` in order of appearance."""
    out: list[str] = []
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "--":
            break
        for f in flags:
            if a == f and i + 1 < len(argv):
                out.append(argv[i + 1])
                i += 1
                break
            if f.startswith("--") and a.startswith(f + "="):
                out.append(a[len(f) + 1:])
                break
            if not f.startswith("--") and a.startswith(f) and len(a) > len(f):
                out.append(a[len(f):])
                break
        i += 1
    return out


def runner_files(program: str, argv: Sequence[str], cwd: str) -> list[str]:
    spec = RUNNER_FILES.get(os.path.basename(program))
    if spec is None or not argv:
        return []
    where = cwd
    for d in _flag_values(argv, spec.dir_flags):
        where = os.path.normpath(os.path.join(where, os.path.expanduser(d)))
    named = _flag_values(argv, spec.file_flags)
    if named:
        return [os.path.normpath(os.path.join(where, n)) for n in named if n != "-"]
    return [os.path.join(where, n) for n in spec.names]


def bound_paths(argv: Sequence[str], cwd: str, program: str,
                effects: Iterable[Effect]) -> list[str]:
    paths: list[str] = []
    if program and not root_only(program):
        paths.append(program)
    for e in effects:
        if e.verb is Verb.EXECUTE:
            paths.extend(t.value for t in e.targets
                         if t.kind == "path" and t.value and os.path.isabs(t.value)
                         and not os.path.isdir(t.value))
        if e.program and e.argv:
            paths.extend(runner_files(e.program, e.argv, e.cwd or cwd))
    paths.extend(runner_files(argv[0], argv, cwd) if argv else [])
    return sorted({os.path.realpath(p) for p in paths})


def make_binding(action_hash: str, program: str, argv: Sequence[str], cwd: str,
                 effects: Iterable[Effect]) -> Binding:
    files = tuple((p, sha256_file(p)) for p in bound_paths(argv, cwd, program, effects))
    return Binding(action_hash, program, files)
