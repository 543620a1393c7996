"""The guarded-mode thin client: `interlock run --broker-socket PATH -- CMD …`. STDLIB ONLY.

It sends the argv, the working directory and a few presentation variables (envvars.py
CLIENT_ALLOWED) to the broker, streams stdin to it and the command's stdout/stderr back, forwards
Ctrl-C/SIGTERM/SIGHUP, and exits with the status the broker returns. It holds no credentials,
reads no policy and decides nothing: the broker, running as another OS user, does all of that.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading

from . import protocol as P

EXIT_UNREACHABLE = 1
# Kept in step with envvars.CLIENT_ALLOWED (not imported: this path stays minimal).
SENT_ENV = ("TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "COLUMNS", "LINES",
            "LANG", "LANGUAGE", "TZ", "CI")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in SENT_ENV or k.startswith("LC_")}


def _pump_stdin(ch: P.Channel) -> None:
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        fd = None
    try:
        while fd is not None:
            data = os.read(fd, 65536)
            if not data:
                break
            ch.send(P.STDIN, data)
        ch.send(P.STDIN_EOF)
    except OSError:
        pass


def _write(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError):
        while data:
            n = os.write(fd, data)
            data = data[n:]


def run(socket_path: str, argv: list[str], *, wait: bool = False,
        wait_timeout: float | None = None, timeout: float | None = None,
        cwd: str | None = None) -> int:
    if not argv:
        print("interlock run: no command given (interlock run [options] -- CMD ARGS…)",
              file=sys.stderr)
        return EXIT_UNREACHABLE
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(socket_path)
    except OSError as e:
        print(f"interlock: cannot reach the broker at {socket_path}: {e.strerror or e}. "
              "Nothing ran.", file=sys.stderr)
        return EXIT_UNREACHABLE
    ch = P.Channel(sock)

    def forward(sig: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            ch.send_json(P.SIGNAL, {"signal": int(sig)})

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
    old = {s: signal.signal(s, forward) for s in handled} \
        if threading.current_thread() is threading.main_thread() else {}
    try:
        try:
            ch.send_json(P.REQUEST, {"v": P.VERSION, "argv": argv, "cwd": cwd or os.getcwd(),
                                     "env": _env(), "wait": wait,
                                     "wait_timeout": wait_timeout, "timeout": timeout})
        except OSError:
            pass  # the broker may have refused us already: read what it said
        else:
            threading.Thread(target=_pump_stdin, args=(ch,), daemon=True).start()
        while True:
            frame = ch.recv()
            if frame is None:
                print("interlock: the broker closed the connection without an exit status.",
                      file=sys.stderr)
                return EXIT_UNREACHABLE
            kind, payload = frame
            if kind == P.STDOUT:
                _write(1, payload)
            elif kind == P.STDERR:
                _write(2, payload)
            elif kind == P.EXIT:
                status = P.loads(payload).get("status")
                return status if isinstance(status, int) and 0 <= status < 256 else 1
    except (OSError, P.ProtocolError) as e:
        print(f"interlock: broker connection failed: {e}", file=sys.stderr)
        return EXIT_UNREACHABLE
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        sock.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m interlock.enforce.broker.client SOCKET [--wait] [--timeout S] -- CMD …`:
    the same client without the full CLI's imports (for wrappers that count milliseconds)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        print("usage: python -m interlock.enforce.broker.client SOCKET [--wait] "
              "[--wait-timeout S] [--timeout S] -- CMD ARGS…", file=sys.stderr)
        return EXIT_UNREACHABLE
    sock, rest = args[0], args[1:]
    opts: dict[str, float | bool | None] = {"wait": False, "wait_timeout": None, "timeout": None}
    while rest and rest[0] != "--":
        flag = rest.pop(0)
        if flag == "--wait":
            opts["wait"] = True
        elif flag in ("--wait-timeout", "--timeout") and rest:
            try:
                opts[flag[2:].replace("-", "_")] = float(rest.pop(0))
            except ValueError:
                print(f"{flag}: expected seconds", file=sys.stderr)
                return EXIT_UNREACHABLE
        else:
            print(f"unknown option {flag!r}", file=sys.stderr)
            return EXIT_UNREACHABLE
    return run(sock, rest[1:], wait=bool(opts["wait"]), wait_timeout=opts["wait_timeout"],
               timeout=opts["timeout"])  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
