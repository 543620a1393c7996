"""Running the terraform (or tofu) binary: which one, with what environment, with a timeout.

Every failure is a TerraformError, never a bare exception: the caller turns it into "nothing
applied". Ctrl-C and timeouts stop the child the way terraform expects (SIGINT first, so it
can release its state lock), then harder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InterlockError

ENV_BINARY = "INTERLOCK_TERRAFORM"
DEFAULT_BINARY = "terraform"
# Seconds terraform gets to stop cleanly after SIGINT (it finishes in-flight calls and unlocks
# the state), then after SIGTERM, before SIGKILL.
STOP_GRACE = (20.0, 5.0)
# Applying a saved plan must do exactly that plan: these variables inject extra arguments.
APPLY_ENV_DROP = ("TF_CLI_ARGS", "TF_CLI_ARGS_apply")
_DEFAULT = object()
AUTOMATION_ENV = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}


class TerraformError(InterlockError):
    """terraform could not be run, failed, timed out or was interrupted."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode


class Interrupted(TerraformError):
    """Ctrl-C while terraform was running (it was stopped; nothing further runs)."""


def find_binary(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """--terraform-bin, else $INTERLOCK_TERRAFORM, else `terraform` on PATH (tofu works too)."""
    env = os.environ if environ is None else environ
    name = explicit or env.get(ENV_BINARY) or DEFAULT_BINARY
    found = shutil.which(name, path=env.get("PATH"))
    if found is None:
        raise TerraformError(f"terraform binary {name!r} not found (set --terraform-bin or "
                             f"${ENV_BINARY})")
    return found


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass(slots=True)
class Terraform:
    """One binary in one working directory."""

    binary: str
    cwd: Path
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    timeout: float | None = 600.0

    def _env(self, drop: Sequence[str] = ()) -> dict[str, str]:
        env = {k: v for k, v in self.environ.items() if k not in drop}
        env.update(AUTOMATION_ENV)
        return env

    def run(self, *args: str, capture: bool = True, timeout: float | None | object = _DEFAULT,
            drop_env: Sequence[str] = (), check: bool = True, patient: bool = False,
            stdout: Any = None) -> subprocess.CompletedProcess[str]:
        """Run terraform ARGS in cwd. capture=False streams to our stdout/stderr (apply).

        The child runs in its own session, so a Ctrl-C at the terminal reaches only us and we
        forward exactly one SIGINT (two make terraform abandon an apply half-way).
        patient: on timeout or Ctrl-C, wait for terraform's graceful stop however long it takes
        (an apply in flight); otherwise escalate to SIGTERM/SIGKILL after a grace period.
        """
        limit = self.timeout if timeout is _DEFAULT else timeout
        assert limit is None or isinstance(limit, (int, float))
        what = f"{Path(self.binary).name} {' '.join(args[:2])}"
        pipe = subprocess.PIPE if capture else None
        try:
            proc = subprocess.Popen([self.binary, *args], cwd=self.cwd, env=self._env(drop_env),
                                    stdin=subprocess.DEVNULL, stdout=pipe or stdout, stderr=pipe,
                                    text=True, encoding="utf-8", errors="replace",
                                    start_new_session=True)
        except OSError as e:
            raise TerraformError(f"cannot run {what}: {e.strerror or e}") from None
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _stop(proc, patient)
            raise TerraformError(f"{what} timed out after {limit:g} s; stopped it",
                                 proc.returncode) from None
        except KeyboardInterrupt:
            _stop(proc, patient)
            raise Interrupted(f"{what} interrupted; stopped it", 130) from None
        result = subprocess.CompletedProcess(proc.args, proc.returncode, out or "", err or "")
        if check and proc.returncode != 0:
            detail = _tail(result.stderr or result.stdout)
            raise TerraformError(f"{what} failed (exit {proc.returncode})"
                                 + (f":\n{detail}" if detail else ""), proc.returncode)
        return result

    # -- the commands interlock needs ---------------------------------------------------------
    def plan(self, out: Path, extra: Sequence[str] = ()) -> None:
        self.run("plan", f"-out={out}", "-input=false", "-no-color", *extra)

    def show_json(self, planfile: Path) -> dict[str, Any]:
        shown = self.run("show", "-json", "-no-color", str(planfile))
        try:
            plan = json.loads(shown.stdout)
        except json.JSONDecodeError as e:
            raise TerraformError(f"`show -json` did not print JSON: {e}") from None
        if not isinstance(plan, dict):
            raise TerraformError("`show -json` did not print a JSON object")
        return plan

    def workspace(self) -> str:
        name = self.run("workspace", "show").stdout.strip()
        if not name or "\n" in name:
            raise TerraformError(f"`workspace show` printed {name!r}, not one workspace name")
        return name

    def state_pull(self) -> str:
        """The current state as JSON text; empty when there is no state yet."""
        return self.run("state", "pull").stdout

    def apply_saved(self, planfile: Path, timeout: float | None = None,
                    to_stderr: bool = False) -> int:
        """`apply PLANFILE`: never re-plans. Streams terraform's output (to stderr when stdout
        carries our JSON); returns its exit status. No timeout unless asked: killing an apply
        half-way is worse than waiting for it."""
        out = sys.stderr if to_stderr else sys.stdout
        try:
            out.fileno()
            streams = True
        except (OSError, ValueError, AttributeError):  # a captured stream (tests, embedding)
            streams = False
        color = [] if streams and out.isatty() else ["-no-color"]
        out.flush()
        proc = self.run("apply", "-input=false", *color, str(planfile), capture=not streams,
                        check=False, timeout=timeout, drop_env=APPLY_ENV_DROP, patient=True,
                        stdout=out if streams else None)
        if not streams:
            out.write(proc.stdout + proc.stderr)
        return proc.returncode


def _signal(proc: subprocess.Popen[str], sig: int) -> None:
    """To terraform's whole process group (its provider plugins too), as a terminal Ctrl-C
    would; the child leads its own session, so this reaches nothing of ours."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    except OSError:
        proc.send_signal(sig)


def _stop(proc: subprocess.Popen[str], patient: bool) -> None:
    """SIGINT (terraform's graceful stop, which releases the state lock), then SIGTERM, then
    SIGKILL. Patient: wait for the graceful stop until a second Ctrl-C."""
    steps: list[tuple[int, float | None]] = [
        (signal.SIGINT, None if patient else STOP_GRACE[0]),
        (signal.SIGTERM, STOP_GRACE[1]), (signal.SIGKILL, STOP_GRACE[1])]
    for sig, grace in steps:
        _signal(proc, sig)
        try:
            proc.communicate(timeout=grace)
            return
        except (subprocess.TimeoutExpired, KeyboardInterrupt):  # a second Ctrl-C: escalate
            continue
