"""Shared fixtures: the example inventory on disk, and the REAL `interlock` CLI in a subprocess.

Use them as fixtures (`def test_x(run_check): code, out = run_check({...}, "--env", "sandbox")`);
tests/ is not a package, so do not import from this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interlock.policy import PACK_DIR

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_INVENTORY = PACK_DIR / "example-inventory.toml"


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a CLI subprocess: ours, this checkout's src first, plus overrides."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                      os.environ.get("PYTHONPATH")]))
    out.update(env or {})
    return out


def _run_cli(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None,
            cwd: str | Path | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run `python -m interlock ARGS…` for real; returns the CompletedProcess (bytes out/err)."""
    return subprocess.run([sys.executable, "-m", "interlock", *args], input=stdin,
                          capture_output=True, env=cli_env(env), cwd=cwd, timeout=timeout)


def _run_check(action: Any, *args: str, env: dict[str, str] | None = None,
              cwd: str | Path | None = None) -> tuple[int, dict | None]:
    """Pipe `action` (a dict/list is JSON-encoded; str/bytes are sent as is) into the real
    `interlock check ARGS…`; returns (exit code, the parsed JSON object or None)."""
    if isinstance(action, bytes):
        raw = action
    elif isinstance(action, str):
        raw = action.encode("utf-8", "surrogatepass")
    else:
        raw = json.dumps(action).encode()
    proc = _run_cli("check", *args, stdin=raw, env=env, cwd=cwd)
    out = proc.stdout.decode("utf-8")
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc.returncode, (json.loads(out) if out.strip() else None)


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    """The shipped example inventory (DESIGN.md's), written to a temp file."""
    path = tmp_path / "inventory.toml"
    path.write_text(EXAMPLE_INVENTORY.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def run_check():
    """`run_check(action, *args, env=None, cwd=None) -> (exit code, parsed JSON or None)`."""
    return _run_check


@pytest.fixture
def run_cli():
    """`run_cli(*args, stdin=b"", env=None, cwd=None) -> CompletedProcess` (bytes out/err)."""
    return _run_cli
