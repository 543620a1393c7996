"""The resident decision process: a real `interlock daemon` on a tmp socket, and the hook client's
fallbacks when it is missing, killed, hung or untrusted."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hookhelp import FIXTURES, env, run_hook, verdict

IDLE = {"INTERLOCK_HOOK_DAEMON_IDLE": "5"}  # daemons the client starts exit on their own


def _payload(command: str) -> bytes:
    return json.dumps({"hook_event_name": "PreToolUse", "cwd": "/tmp", "tool_name": "Bash",
                       "tool_input": {"command": command}}).encode()


def _wait_for(path: Path, timeout: float = 15) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, f"{path} did not appear"
        time.sleep(0.05)


def _peer_pid(path: Path) -> int:
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(path))
    pid, _, _ = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    s.close()
    return pid


@pytest.fixture
def daemon(tmp_path):
    sock = tmp_path / "run" / "hook.sock"
    proc = subprocess.Popen([sys.executable, "-m", "interlock", "daemon", "--socket", str(sock),
                             "--idle-timeout", "60"], env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _wait_for(sock)
    yield sock, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def test_daemon_socket_is_private_and_answers(daemon) -> None:
    sock, _ = daemon
    assert sock.stat().st_mode & 0o777 == 0o600
    assert sock.parent.stat().st_mode & 0o777 == 0o700
    for agent, case, want in [("claude-code", "bash_safe", "allow"),
                              ("claude-code", "bash_rm_root", "deny"),
                              ("gemini", "write_file", "deny"), ("cursor", "shell_safe", "allow"),
                              ("cursor", "read_secret", "deny"), ("kiro", "fs_write", "deny"),
                              ("codex", "apply_patch", "deny")]:
        proc = run_hook([agent, "--socket", str(sock)],
                        (FIXTURES / f"{agent}__{case}.json").read_bytes())
        assert verdict(agent, proc)[0] == want, (agent, case, proc.stderr)


def test_daemon_answers_garbage_with_deny(daemon) -> None:
    sock, _ = daemon
    for stdin in (b"", b"nope", b"{\"tool_name\": \"Nope\"}"):
        proc = run_hook(["claude-code", "--socket", str(sock)], stdin)
        assert verdict("claude-code", proc)[0] == "deny"
    # A raw client speaking nonsense gets a deny reply, and the daemon lives on.
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(sock))
    s.sendall(b"{\"v\": 99}\n")
    s.shutdown(socket.SHUT_WR)
    reply = json.loads(s.recv(65536))
    assert reply["exit"] == 2
    assert verdict("claude-code", run_hook(["claude-code", "--socket", str(sock)],
                                           _payload("ls")))[0] == "allow"


def test_daemon_rereads_inventory_on_change(daemon, tmp_path) -> None:
    sock, _ = daemon
    inv = tmp_path / "inventory.toml"
    inv.write_text('default = "sandbox"\n')
    payload = (FIXTURES / "claude-code__write_file.json").read_bytes()
    args = ["claude-code", "--socket", str(sock), "--inventory", str(inv)]
    assert verdict("claude-code", run_hook(args, payload))[0] == "allow"
    inv.write_text('default = "production"\n')
    assert verdict("claude-code", run_hook(args, payload))[0] == "deny"


def test_agent_environment_resolves_implicit_targets(daemon, tmp_path) -> None:
    sock, _ = daemon
    inv = tmp_path / "inventory.toml"
    inv.write_text('default = "production"\n[[rule]]\ntier = "sandbox"\n'
                   'aws_profile = ["dev-*"]\n')
    args = ["claude-code", "--socket", str(sock), "--inventory", str(inv)]
    cmd = _payload("aws s3 rm s3://bucket/key")
    got = verdict("claude-code", run_hook(args, cmd, extra_env={"AWS_PROFILE": "dev-me"}))
    assert got[0] == "allow", got
    got = verdict("claude-code", run_hook(args, cmd, extra_env={"AWS_PROFILE": "prod"}))
    assert got[0] == "deny"


def test_client_starts_daemon_and_survives_its_death(tmp_path) -> None:
    sock = tmp_path / "run" / "hook.sock"
    # First call: no daemon. The answer comes from the in-process fallback; a daemon starts.
    proc = run_hook(["claude-code", "--socket", str(sock)], _payload("rm -rf /"), extra_env=IDLE)
    assert verdict("claude-code", proc)[0] == "deny"
    _wait_for(sock)
    pid = _peer_pid(sock)
    assert verdict("claude-code", run_hook(["claude-code", "--socket", str(sock)],
                                           _payload("ls"), extra_env=IDLE))[0] == "allow"
    os.kill(pid, signal.SIGKILL)  # killed mid-way: the socket file stays, nobody listens
    time.sleep(0.2)
    proc = run_hook(["claude-code", "--socket", str(sock)], _payload("rm -rf /"), extra_env=IDLE)
    assert verdict("claude-code", proc)[0] == "deny"
    # A fresh daemon replaced the dead one.
    end = time.monotonic() + 15
    while True:
        try:
            new = _peer_pid(sock)
            break
        except OSError:
            assert time.monotonic() < end
            time.sleep(0.1)
    assert new != pid
    os.kill(new, signal.SIGTERM)


def test_hung_daemon_falls_back_in_time(tmp_path) -> None:
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    sock = run / "hook.sock"
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(sock))
    srv.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:  # accepts and never answers
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        started = time.monotonic()
        proc = run_hook(["claude-code", "--socket", str(sock)], _payload("rm -rf /"),
                        extra_env={"INTERLOCK_HOOK_DEADLINE": "3", **IDLE})
        assert verdict("claude-code", proc)[0] == "deny"
        assert time.monotonic() - started < 6
    finally:
        stop.set()
        t.join()
        srv.close()


def test_deadline_exceeded_denies(tmp_path) -> None:
    # A deadline too short for the in-process decision: deny, in the agent's format.
    proc = run_hook(["claude-code", "--no-daemon"], _payload("ls"),
                    extra_env={"INTERLOCK_HOOK_DEADLINE": "0.01"})
    got, message = verdict("claude-code", proc)
    assert got == "deny" and "deadline" in message


def test_untrusted_socket_dir_is_not_used(tmp_path) -> None:
    run = tmp_path / "open"
    run.mkdir()
    run.chmod(0o755)  # others could have planted a fake daemon: the client must not ask it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from interlock.hookclient import ask_daemon, private_dir_ok

    assert not private_dir_ok(str(run))
    assert ask_daemon(str(run / "hook.sock"), {}, 1.0) is None
    proc = run_hook(["claude-code", "--socket", str(run / "hook.sock")], _payload("rm -rf /"),
                    extra_env=IDLE)
    assert verdict("claude-code", proc)[0] == "deny"
