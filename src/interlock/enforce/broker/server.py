"""`interlock broker serve`: the guarded-mode broker, one thread per client connection.

It runs as its own OS user — the one that alone can read the credentials file, the store and
the signing key. A client is identified by the kernel (SO_PEERCRED uid → agent principal in the
config), never by what it says. The server decides, files or waits for approval, and runs the
command itself (or as `run_as`), streaming stdout/stderr back and returning the exit status.
The child's stdin is a pipe fed from the client's stdin frames; a client that disconnects is
treated as Ctrl-C: the child's process group is stopped.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import queue
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from ...errors import ConfigError, InterlockError
from . import protocol as P
from .child import EXIT_TIMEOUT, FORWARDED, RunResult, killpg, start_error, status_of, stop_group
from .config import BrokerConfig
from .envvars import client_subset
from .flow import EXIT_DENIED, EXIT_USAGE, Broker, Guard, RunSpec, private_paths

REQUEST_DEADLINE = 10.0
_PEERCRED = struct.Struct("3i")


def peer_uid(sock: socket.socket) -> int:
    _pid, uid, _gid = _PEERCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                       _PEERCRED.size))
    return uid


class Connection:
    """One client: its frames in, the child's output out."""

    def __init__(self, server: BrokerServer, sock: socket.socket):
        self.server = server
        self.ch = P.Channel(sock)
        self.sock = sock
        self.stdin: queue.Queue[bytes | None] = queue.Queue()
        self.signals: list[int] = []
        self.gone = threading.Event()
        self.interrupt = threading.Event()
        self.proc: subprocess.Popen | None = None
        self._plock = threading.Lock()

    def say(self, text: str) -> None:
        with contextlib.suppress(OSError):
            self.ch.send(P.STDERR, (text.rstrip("\n") + "\n").encode("utf-8", "replace"))

    def finish(self, status: int) -> None:
        with contextlib.suppress(OSError):
            self.ch.send_json(P.EXIT, {"status": int(status)})

    # -- frames from the client after the request -------------------------------------------
    def read_loop(self) -> None:
        try:
            while True:
                frame = self.ch.recv()
                if frame is None:
                    break
                kind, payload = frame
                if kind == P.STDIN:
                    self.stdin.put(payload)
                elif kind == P.STDIN_EOF:
                    self.stdin.put(None)
                elif kind == P.SIGNAL:
                    sig = P.loads(payload).get("signal")
                    if sig in [int(s) for s in FORWARDED]:
                        self._signal(sig)
        except (OSError, P.ProtocolError):
            pass
        self.gone.set()
        self.interrupt.set()
        self.stdin.put(None)

    def _signal(self, sig: int) -> None:
        with self._plock:
            proc = self.proc
        self.signals.append(sig)
        if proc is not None:
            killpg(proc.pid, sig)
        elif sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self.interrupt.set()

    # -- running the child with pipes ------------------------------------------------------------
    def _feed(self, fd: int) -> None:
        with contextlib.suppress(OSError):
            while (data := self.stdin.get()) is not None:
                while data:
                    data = data[os.write(fd, data):]
        with contextlib.suppress(OSError):
            os.close(fd)

    def _drain(self, stream: Any, kind: bytes) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := os.read(stream.fileno(), 65536):
                if not self.gone.is_set():
                    with contextlib.suppress(OSError):
                        self.ch.send(kind, chunk)

    def run_child(self, program: str, argv: list[str], cwd: str, env: dict[str, str],
                  timeout: float | None) -> RunResult:
        cfg = self.server.config
        timeout = cfg.max_timeout if timeout is None else min(timeout, cfg.max_timeout)
        rfd, wfd = os.pipe()
        kw: dict[str, Any] = {}
        if cfg.run_as:
            pw = pwd.getpwnam(cfg.run_as)
            kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        start = time.monotonic()
        try:
            proc = subprocess.Popen(argv, executable=program, cwd=cwd, env=env, stdin=rfd,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    process_group=0, close_fds=True, **kw)
        except OSError as e:
            os.close(wfd)
            return start_error(e, program)
        finally:
            os.close(rfd)
        with self._plock:
            self.proc = proc
        threads = [threading.Thread(target=self._feed, args=(wfd,), daemon=True),
                   threading.Thread(target=self._drain, args=(proc.stdout, P.STDOUT), daemon=True),
                   threading.Thread(target=self._drain, args=(proc.stderr, P.STDERR), daemon=True)]
        for t in threads:
            t.start()
        seen = len(self.signals)
        timed_out = False
        deadline = time.monotonic() + timeout
        while proc.poll() is None:
            if self.gone.is_set():  # the client went away: as Ctrl-C, then harder
                stop_group(proc)
                break
            if time.monotonic() >= deadline:
                timed_out = True
                stop_group(proc)
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(0.05)
        proc.wait()
        for t in threads[1:]:
            t.join(5)
        with self._plock:
            self.proc = None
        status, sig = status_of(proc.returncode)
        return RunResult(EXIT_TIMEOUT if timed_out else status, time.monotonic() - start,
                         timed_out=timed_out, signal=sig,
                         forwarded=tuple(self.signals[seen:]))

    # -- the conversation ---------------------------------------------------------------------
    def serve(self) -> None:
        try:
            status = self._serve()
        except Exception as e:  # noqa: BLE001 - never leave a client without an answer
            self.say(f"interlock broker: internal error ({type(e).__name__}: {e}); nothing ran.")
            status = EXIT_USAGE
        self.finish(status)

    def _serve(self) -> int:
        srv = self.server
        uid = peer_uid(self.sock)
        agent = srv.config.agents.get(uid)
        if agent is None:
            self.say(f"interlock broker: denied: OS user {uid} is not an agent this broker "
                     "serves. Nothing ran.")
            return EXIT_DENIED
        self.sock.settimeout(REQUEST_DEADLINE)
        frame = self.ch.recv()
        self.sock.settimeout(None)
        if frame is None or frame[0] != P.REQUEST:
            self.say("interlock broker: expected a request frame")
            return EXIT_USAGE
        spec, env, problem = parse_request(P.loads(frame[1]), agent, srv.config)
        if problem:
            self.say(f"interlock broker: {problem}; nothing ran.")
            return EXIT_USAGE
        threading.Thread(target=self.read_loop, daemon=True).start()
        requester = srv.requester(agent)
        if requester is None:
            self.say(f"interlock broker: agent principal {agent!r} does not exist or is "
                     "revoked in the store (interlock principals add … --kind agent). "
                     "Nothing ran.")
            return EXIT_USAGE
        base = {**srv.base_env, **env}
        return srv.broker.handle(spec, base, self.run_child, requester, self.say,
                                 interrupted=self.interrupt.is_set,
                                 sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.interrupt.wait(seconds)  # a forwarded Ctrl-C ends the wait early


def parse_request(req: Any, agent: str, cfg: BrokerConfig
                  ) -> tuple[RunSpec, dict[str, str], str | None]:
    empty = RunSpec([], "/")
    if not isinstance(req, dict) or req.get("v") != P.VERSION:
        return empty, {}, "unsupported request (client and broker versions differ?)"
    argv, cwd = req.get("argv"), req.get("cwd")
    if not isinstance(argv, list) or not argv or not all(
            isinstance(a, str) and "\x00" not in a for a in argv):
        return empty, {}, "argv must be a non-empty list of strings"
    if not isinstance(cwd, str) or not os.path.isabs(cwd) or "\x00" in cwd:
        return empty, {}, "cwd must be an absolute path"
    if not os.path.isdir(cwd) or not os.access(cwd, os.X_OK):
        return empty, {}, f"the broker cannot enter the working directory {cwd}"
    nums: dict[str, float | None] = {}
    for key in ("wait_timeout", "timeout"):
        v = req.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0):
            return empty, {}, f"{key} must be a positive number"
        nums[key] = None if v is None else float(v)
    env = req.get("env") or {}
    if not isinstance(env, dict):
        return empty, {}, "env must be an object"
    spec = RunSpec(list(argv), os.path.normpath(cwd), agent=agent, wait=bool(req.get("wait")),
                   wait_timeout=nums["wait_timeout"], timeout=nums["timeout"], poll=cfg.poll)
    return spec, client_subset(env), None


class BrokerServer:
    def __init__(self, config: BrokerConfig, broker: Broker, store: Any,
                 base_env: Mapping[str, str] | None = None):
        self.config = config
        self.broker = broker
        self.store = store
        self.base_env = dict(os.environ if base_env is None else base_env)
        self.listener: socket.socket | None = None
        self.stopping = threading.Event()

    def requester(self, agent: str):
        from ...principals import get_principal

        p = get_principal(self.store, agent)
        return p if p is not None and not p.disabled and p.kind == "agent" else None

    def bind(self) -> socket.socket:
        """The systemd-activated socket (LISTEN_FDS) if there is one, else bind `socket`."""
        if os.environ.get("LISTEN_PID") == str(os.getpid()) and os.environ.get("LISTEN_FDS") == "1":
            sock = socket.socket(fileno=3)
        else:
            path = self.config.socket
            with contextlib.suppress(FileNotFoundError):
                if not stat.S_ISSOCK(os.lstat(path).st_mode):
                    raise ConfigError(f"{path} exists and is not a socket")
                os.unlink(path)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old = os.umask(0o177)
            try:
                sock.bind(path)
            except OSError as e:
                raise ConfigError(f"cannot bind {path}: {e.strerror or e}") from None
            finally:
                os.umask(old)
            os.chmod(path, self.config.socket_mode)
            sock.listen(64)
        self.listener = sock
        return sock

    def serve_forever(self) -> None:
        sock = self.listener or self.bind()
        while not self.stopping.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                if self.stopping.is_set():
                    break
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            Connection(self, conn).serve()

    def stop(self) -> None:
        self.stopping.set()
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()


def build_server(cfg: BrokerConfig) -> BrokerServer:
    from ...pipeline import Decider
    from ...store import open_store
    from ...store.location import normalise_url
    from .credentials import load_credentials

    store = open_store(cfg.db)
    url = normalise_url(cfg.db) if cfg.db else store.url

    def controls():
        from ...store.quick import read_controls

        return read_controls(url)

    decider = Decider(cfg.policy, cfg.inventory, cfg.env, controls=controls)
    if decider.config_error:
        raise ConfigError(decider.config_error)
    creds = load_credentials(cfg.credentials)
    if cfg.run_as:
        # Only a root broker drops privileges completely: from root to another uid the kernel
        # clears every capability (ambient ones too), which a capability-holding non-root
        # broker would pass on to its children.
        if os.geteuid() != 0:
            raise ConfigError("run_as needs the broker to run as root (see docs/broker.md)")
        try:
            if pwd.getpwnam(cfg.run_as).pw_uid == 0:
                raise ConfigError("run_as must name an unprivileged user")
        except KeyError:
            raise ConfigError(f"run_as: no OS user {cfg.run_as!r}") from None
    from ...store.location import sqlite_path

    db = sqlite_path(store.url)
    guard = Guard(private_paths(cfg.source, *creds.files(), *cfg.private,
                                str(db.parent) if db is not None else None,
                                str(store.settings.key_path) if store.settings.key_path else None),
                  unseen_code_needs_approval=True)
    return BrokerServer(cfg, Broker(decider, store, creds, search_path=cfg.path, guard=guard),
                        store)


def serve(cfg: BrokerConfig, ready: Any = None) -> int:
    try:
        server = build_server(cfg)
        server.bind()
    except InterlockError as e:
        print(f"interlock broker: {e}", flush=True, file=sys.stderr)
        return 1

    def stop(_sig: int, _frame: object) -> None:
        server.stop()

    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, stop)
    print(f"interlock broker: serving on {cfg.socket} for "
          f"{len(cfg.agents)} agent user(s)", flush=True, file=sys.stderr)
    server.serve_forever()
    return 0
