"""Saved plan files: their SHA-256, the prior state they were planned against, private copies.

A saved plan is a zip archive; its `tfstate` member is the state the plan was computed from
(lineage + serial). Terraform refuses a stale plan itself, but we check first so the refusal
is ours, says why, and holds for any binary that reads the same format (OpenTofu does).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import InterlockError

PRIOR_STATE_MEMBER = "tfstate"
# A prior state larger than this is not read into memory for two fields.
MAX_STATE_BYTES = 512 * 1024 * 1024
SHA256_HEX_LEN = 64


class PlanFileError(InterlockError):
    """The plan file is unreadable, changed, or planned against another state."""


@dataclass(frozen=True, slots=True)
class StateId:
    """Which state, and which version of it. A fresh state has lineage "" and serial 0."""

    lineage: str
    serial: int

    def __str__(self) -> str:
        return f"lineage {self.lineage or '(none yet)'} serial {self.serial}"


NO_STATE = StateId("", 0)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError as e:
        raise PlanFileError(f"cannot read plan file {path}: {e.strerror or e}") from None
    return h.hexdigest()


def check_hash(path: Path, expected: str, when: str) -> None:
    """Refuse unless the file's SHA-256 is `expected` (`when` says which check this is)."""
    actual = sha256_file(path)
    if actual != expected.lower():
        raise PlanFileError(f"plan file {path} changed {when}: SHA-256 is {actual}, expected "
                            f"{expected.lower()}; refusing to apply it")


def valid_hex_hash(text: str) -> bool:
    return len(text) == SHA256_HEX_LEN and all(c in "0123456789abcdefABCDEF" for c in text)


def _state_id(doc: object, where: str) -> StateId:
    if not isinstance(doc, dict):
        raise PlanFileError(f"{where} is not a state JSON object")
    lineage, serial = doc.get("lineage", ""), doc.get("serial", 0)
    if not isinstance(lineage, str) or type(serial) is not int or serial < 0:
        raise PlanFileError(f"{where} has no usable lineage/serial")
    return StateId(lineage, serial)


def prior_state(path: Path) -> StateId:
    """Lineage and serial of the state a saved plan was made against."""
    try:
        with zipfile.ZipFile(path) as z:
            try:
                info = z.getinfo(PRIOR_STATE_MEMBER)
            except KeyError:
                raise PlanFileError(f"plan file {path} has no '{PRIOR_STATE_MEMBER}' member "
                                    "(not a terraform/tofu saved plan, or an encrypted one)"
                                    ) from None
            if info.file_size > MAX_STATE_BYTES:
                raise PlanFileError(f"plan file {path}: prior state is {info.file_size} bytes")
            raw = z.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise PlanFileError(f"plan file {path} is not a readable saved plan: {e}") from None
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise PlanFileError(f"plan file {path}: prior state is not JSON: {e}") from None
    return _state_id(doc, f"plan file {path}: prior state")


def current_state(pulled: str) -> StateId:
    """Lineage and serial from `terraform state pull` output (empty: no state yet)."""
    if not pulled.strip():
        return NO_STATE
    try:
        doc = json.loads(pulled)
    except (ValueError, RecursionError) as e:
        raise PlanFileError(f"`state pull` did not print state JSON: {e}") from None
    return _state_id(doc, "current state")


def check_state(planned: StateId, current: StateId) -> None:
    if planned != current:
        what = ("a different state (lineage differs)" if planned.lineage != current.lineage
                else "an older version of the state")
        raise PlanFileError(f"the state moved since this plan was made: the plan was computed "
                            f"against {planned}, the state is now {current} ({what}); "
                            "refusing to apply. Plan again.")


def private_dir(prefix: str = "interlock-tf-") -> Path:
    """A fresh directory only this user can enter (mkdtemp makes it 0700)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def keep(src: Path, dest: Path) -> None:
    """Copy a plan file to where it waits for approval, read-only, atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + f".{os.getpid()}.tmp")
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            while chunk := fin.read(1 << 20):
                fout.write(chunk)
        os.chmod(tmp, 0o400)
        os.replace(tmp, dest)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise PlanFileError(f"cannot keep the plan file at {dest}: {e.strerror or e}") from None


def copy_verified(src: Path, dest: Path, expected: str) -> None:
    """Copy src to dest (a private directory) and check the copy's hash: what we then show and
    apply is the copy, so later changes to src cannot reach terraform."""
    h = hashlib.sha256()
    try:
        with open(src, "rb") as fin, open(dest, "xb") as fout:
            while chunk := fin.read(1 << 20):
                h.update(chunk)
                fout.write(chunk)
    except OSError as e:
        raise PlanFileError(f"cannot copy plan file {src}: {e.strerror or e}") from None
    if h.hexdigest() != expected.lower():
        raise PlanFileError(f"plan file {src} has SHA-256 {h.hexdigest()}, expected "
                            f"{expected.lower()}; refusing to apply it")
