"""Hook round trip, as agents run it: a fresh `interlock-hook` process per tool call.

Compares, in the same run: a bare `python3 -c pass`; the hook with the resident decision process
already running (goal ≤ 3× bare); the first call, which finds no daemon, decides in-process and
starts one; and the in-process fallback alone (`--no-daemon`). Run: python3 bench/hook_bench.py [N]
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = json.dumps({"session_id": "bench", "cwd": "/tmp", "hook_event_name": "PreToolUse",
                      "tool_name": "Bash", "tool_input": {"command": "git status && ls -la"}
                      }).encode()
# What pip writes for the `interlock-hook = "interlock.hookclient:run"` console script.
SCRIPT = f"""#!{sys.executable}
import re
import sys
from interlock.hookclient import run
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(run())
"""


def timed(argv: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
    return (time.perf_counter() - start) * 1000, proc.returncode


def median(argv: list[str], env: dict[str, str], n: int, stdin: bytes = b"") -> float:
    times = []
    for _ in range(n):
        ms, code = timed(argv, env, stdin)
        assert code == 0, (argv, code)
        times.append(ms)
    return statistics.median(times)


def daemon_pid(sock: Path) -> int | None:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(str(sock))
        pid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
        s.close()
        return pid
    except OSError:
        return None


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "interlock-hook"
        script.write_text(SCRIPT)
        script.chmod(0o755)
        sock = Path(tmp) / "run" / "hook.sock"
        hook = [str(script), "claude-code", "--socket", str(sock)]

        bare = median([sys.executable, "-c", "pass"], env, n)
        first, code = timed(hook, env, PAYLOAD)  # no daemon yet: in-process + start one
        assert code == 0, code
        deadline = time.monotonic() + 20
        while daemon_pid(sock) is None:
            assert time.monotonic() < deadline, "daemon did not start"
            time.sleep(0.05)
        warm = median(hook, env, n, PAYLOAD)
        fallback = median([str(script), "claude-code", "--no-daemon"], env, max(5, n // 3),
                          PAYLOAD)
        bare_again = median([sys.executable, "-c", "pass"], env, n)
        pid = daemon_pid(sock)
        if pid:
            os.kill(pid, signal.SIGTERM)
    bare = min(bare, bare_again)
    print(f"python3 -c pass (median of {n}):            {bare:7.1f} ms")
    print(f"hook, daemon running (median of {n}):       {warm:7.1f} ms   {warm / bare:4.2f}x bare"
          f"  (goal <= 3x)")
    print(f"hook, first call (no daemon; starts one):   {first:7.1f} ms   {first / bare:4.2f}x bare")
    print(f"hook, in-process fallback (--no-daemon):    {fallback:7.1f} ms   "
          f"{fallback / bare:4.2f}x bare")


if __name__ == "__main__":
    main()
