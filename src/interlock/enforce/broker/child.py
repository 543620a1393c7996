"""Running the approved child: exactly that argv, no shell, its own process group.

Local mode passes our stdin/stdout/stderr straight through. The child leads its own process
group so that a signal sent to the broker reaches it exactly once (forwarded by us); when our
stdin is the controlling terminal the child's group becomes the terminal's foreground group
(as a job-control shell does), so a Ctrl-C typed at the terminal goes to the child alone and
interactive programs can read the terminal. `timeout` stops the group with SIGTERM, then
SIGKILL after a grace period. Exit status: the child's, 128+N when a signal N ended it, 124 on
timeout, 126/127 when it could not be started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

EXIT_TIMEOUT = 124
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127
KILL_GRACE = 5.0
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


@dataclass(slots=True)
class RunResult:
    status: int
    duration: float
    started: bool = True
    timed_out: bool = False
    signal: int | None = None    # the signal that ended the child, if any
    forwarded: tuple[int, ...] = ()
    error: str | None = None

    def to_json(self) -> dict:
        return {"exit_status": self.status, "duration_ms": round(self.duration * 1000, 1),
                "started": self.started, "timed_out": self.timed_out, "signal": self.signal,
                "forwarded_signals": list(self.forwarded), "error": self.error}


def status_of(returncode: int) -> tuple[int, int | None]:
    return (128 - returncode, -returncode) if returncode < 0 else (returncode, None)


def killpg(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def stop_group(proc: subprocess.Popen, grace: float = KILL_GRACE) -> None:
    """SIGTERM to the child's group, then SIGKILL if it has not exited after `grace`."""
    killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # Stragglers in the group (a backgrounded grandchild) do not outlive the run.
    killpg(proc.pid, signal.SIGKILL)


def start_error(e: OSError, program: str) -> RunResult:
    code = EXIT_NOT_FOUND if isinstance(e, FileNotFoundError) else EXIT_CANNOT_RUN
    return RunResult(code, 0.0, started=False, error=f"cannot run {program}: {e.strerror or e}")


@contextlib.contextmanager
def _foreground(pid_getter: Callable[[], int | None]) -> Iterator[Callable[[int], None]]:
    """Hand the terminal to the child's group while it runs (only if it is ours to give)."""
    fd = None
    try:
        if os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp():
            fd = 0
    except OSError:
        fd = None
    old = signal.signal(signal.SIGTTOU, signal.SIG_IGN) if fd is not None else None

    def give(pgid: int) -> None:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(fd, pgid)

    try:
        yield give
    finally:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(fd, os.getpgrp())
            signal.signal(signal.SIGTTOU, old)


def run_local(program: str, argv: Sequence[str], cwd: str, env: Mapping[str, str],
              timeout: float | None = None, grace: float = KILL_GRACE) -> RunResult:
    """Run and wait; our std streams pass through; signals to us go to the child's group."""
    proc: subprocess.Popen | None = None
    pending: list[int] = []
    forwarded: list[int] = []

    def forward(sig: int, _frame: object) -> None:
        forwarded.append(sig)
        if proc is None:
            pending.append(sig)
        else:
            killpg(proc.pid, sig)

    old = {s: signal.signal(s, forward) for s in FORWARDED}
    start = time.monotonic()
    try:
        with _foreground(lambda: proc.pid if proc else None) as give:
            try:
                proc = subprocess.Popen(list(argv), executable=program, cwd=cwd, env=dict(env),
                                        process_group=0, close_fds=True)
            except OSError as e:
                return start_error(e, program)
            give(proc.pid)
            for sig in pending:
                killpg(proc.pid, sig)
            timed_out = False
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                stop_group(proc, grace)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    assert proc is not None and proc.returncode is not None
    status, ended_by = status_of(proc.returncode)
    return RunResult(EXIT_TIMEOUT if timed_out else status, time.monotonic() - start,
                     timed_out=timed_out, signal=ended_by, forwarded=tuple(forwarded))
