"""`interlock daemon`: the resident decision process behind `interlock-hook`.

A hook process per tool call cannot afford to import the decision stack (FACTS.md: ~7× a bare
interpreter), so this process keeps it loaded and answers on a unix socket: one newline-terminated
JSON request per connection (interlock.hookclient's), one JSON reply. Started on demand by the
hook client (detached, new session) or as a service; exits after `--idle-timeout` seconds
without a request.

Trust: the socket is per user. Its directory is 0700 and the socket 0600, and every connection's
peer uid (SO_PEERCRED) must be the daemon's own: the daemon decides for its own user only. It
re-reads policy and inventory when their files change (checked on every request).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

IDLE_TIMEOUT_S = 900.0
READ_TIMEOUT_S = 5.0


def _prepare_dir(path: str) -> None:
    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.stat(path)
    if st.st_uid != os.getuid():
        raise SystemExit(f"interlock daemon: {path} belongs to another user; refusing")
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)


def serve(socket_path: str, idle_timeout: float = IDLE_TIMEOUT_S,
          ready: Callable[[], None] | None = None) -> int:
    import fcntl
    import json
    import signal
    import socket
    import socketserver
    import struct
    import threading
    import time

    from ..hookclient import MAX_INPUT
    from .hooks.handle import Deciders, handle_request

    directory = os.path.dirname(os.path.abspath(socket_path))
    _prepare_dir(directory)
    lock = open(os.path.join(directory, os.path.basename(socket_path) + ".lock"), "a")  # noqa: SIM115
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another daemon serves this socket
    deciders = Deciders()
    # Warm up: policy load and parser construction happen now, not on the first hook call.
    handle_request({"v": 1, "agent": "claude-code", "cwd": "/", "env": {}, "config": {},
                    "payload": json.dumps({"tool_name": "Bash",
                                           "tool_input": {"command": "true"}})}, deciders)
    last = [time.monotonic()]
    uid = os.getuid()
    creds = struct.Struct("3i")

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            last[0] = time.monotonic()
            try:
                _pid, peer_uid, _gid = creds.unpack(
                    conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, creds.size))
                if peer_uid != uid:
                    return  # not our user: no answer at all (its hook denies on its own)
                conn.settimeout(READ_TIMEOUT_S)
                data = bytearray()
                while not data.endswith(b"\n") and len(data) <= MAX_INPUT * 2:
                    chunk = conn.recv(1 << 16)
                    if not chunk:
                        break
                    data += chunk
                try:
                    request = json.loads(data)
                except ValueError:
                    request = None
                reply = handle_request(request, deciders)
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                pass
            finally:
                last[0] = time.monotonic()

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    if os.path.exists(socket_path):
        os.unlink(socket_path)  # stale: we hold the lock, so no live daemon owns it
    old_umask = os.umask(0o177)
    try:
        server = Server(socket_path, Handler)
    finally:
        os.umask(old_umask)
    os.chmod(socket_path, 0o600)
    ino = os.stat(socket_path).st_ino

    def watchdog() -> None:
        while True:
            time.sleep(min(1.0, idle_timeout / 4))
            if time.monotonic() - last[0] > idle_timeout:
                server.shutdown()
                return

    threading.Thread(target=watchdog, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    if ready:
        ready()
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        try:
            if os.stat(socket_path).st_ino == ino:
                os.unlink(socket_path)
        except OSError:
            pass
        lock.close()
    return 0


def register(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]
             ) -> Callable[[argparse.Namespace], int]:
    d = sub.add_parser("daemon", help="resident decision process for agent hooks (foreground)",
                       description="Serve hook decisions on a per-user unix socket. The hook "
                       "client starts one on demand; run it yourself (or as a user service) "
                       "to keep the first call fast too.")
    d.add_argument("--socket", metavar="PATH", help="socket path (default: "
                   "$XDG_RUNTIME_DIR/interlock/hook.sock, else ~/.interlock/run/hook.sock)")
    d.add_argument("--idle-timeout", metavar="SECONDS", type=float, default=IDLE_TIMEOUT_S,
                   help=f"exit after this long without a request (default {IDLE_TIMEOUT_S:g}; "
                   "0 = never)")
    return _run


def _run(args: argparse.Namespace) -> int:
    from ..hookclient import default_socket

    idle = args.idle_timeout if args.idle_timeout > 0 else float("inf")
    return serve(args.socket or default_socket(), idle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="interlock daemon")
    sub = parser.add_subparsers(dest="command")
    register(sub, argparse.ArgumentParser)
    args = parser.parse_args(["daemon", *(sys.argv[1:] if argv is None else argv)])
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
