"""kill -9 of `interlock serve` in the middle of a burst of decisions and votes: after a restart
on the same store, every acknowledged (200) decision and vote is in the audit log, the requests
are in the state the acknowledgements said, and `interlock audit verify` passes."""

from __future__ import annotations

import http.client
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pg import pg_url_fixture  # noqa: F401
from test_api_support import INVENTORY, call

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": SRC, "HOME": str(home)}
    env.pop("INTERLOCK_DB", None)
    env.pop("XDG_DATA_HOME", None)
    return env


def start_serve(db: str, home: Path, inventory: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "interlock", "serve", "--db", db, "--port", "0",
         "--inventory", str(inventory), "--no-access-log"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(home))
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "listening on" in line or not line:
            break
    if "listening on" not in line:
        proc.kill()
        raise AssertionError(f"serve did not start: {line!r} {proc.stderr.read()!r}")
    return proc, line.strip().rsplit(" ", 1)[-1]


def _people(db: str, home: Path) -> dict[str, str]:
    out = {}
    for name, kind, extra in (("bob", "human", ["--role", "approver"]),
                              ("carol", "human", ["--role", "approver"]),
                              ("bot", "agent", []), ("bot2", "agent", [])):
        proc = subprocess.run([sys.executable, "-m", "interlock", "principals", "add", name,
                               "--kind", kind, *extra, "--db", db], capture_output=True,
                              text=True, env=_env(home), check=True)
        out[name] = proc.stdout.strip().splitlines()[-1]
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crash.db'}"
    return request.getfixturevalue("pg_url")


def test_kill_9_mid_burst_loses_nothing_acknowledged(db: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(INVENTORY)
    tokens = _people(db, home)
    proc, url = start_serve(db, home, inventory)

    acked_decisions: list[tuple[str, str | None]] = []  # (action_hash, request_id)
    acked_votes: list[tuple[str, str]] = []  # (request_id, voter)
    to_vote: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    lock = threading.Lock()

    def decider(agent: str, n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            env = {"tool": "shell", "input": {
                "command": f"kubectl delete deploy w{n}-{i} -n ns{n} --context stage-1",
                "cwd": "/tmp"}}
            try:
                status, body = call(url, "POST", "/v1/decisions", tokens[agent], env, timeout=5)
            except (OSError, http.client.HTTPException):
                continue  # the server is gone: unacknowledged
            if status == 200:
                with lock:
                    acked_decisions.append((body["action_hash"], body.get("request_id")))
                if body.get("request_id"):
                    to_vote.put(body["request_id"])

    def voter(name: str) -> None:
        while not stop.is_set():
            try:
                rid = to_vote.get(timeout=0.05)
            except queue.Empty:
                continue
            try:
                status, _ = call(url, "POST", f"/v1/requests/{rid}/votes", tokens[name],
                                    {"vote": "approve", "comment": "burst"}, timeout=5)
            except (OSError, http.client.HTTPException):
                continue
            if status == 200:
                with lock:
                    acked_votes.append((rid, name))

    threads = [threading.Thread(target=decider, args=(a, n)) for n, a in
               enumerate(["bot", "bot2", "bot", "bot2"])]
    threads += [threading.Thread(target=voter, args=(v,)) for v in ("bob", "carol")]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while (len(acked_votes) < 20 or len(acked_decisions) < 40) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-burst: requests are in flight
    proc.wait(10)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acked_decisions) >= 40 and len(acked_votes) >= 20

    # restart on the same store: it opens, serves, and has everything acknowledged
    proc2, url2 = start_serve(db, home, inventory)
    try:
        assert call(url2, "GET", "/healthz")[0] == 200
        for rid, _voter in acked_votes[:10]:
            status, r = call(url2, "GET", f"/v1/requests/{rid}", tokens["bot"])
            assert status == 200 and r["state"] == "approved", r
    finally:
        proc2.send_signal(signal.SIGTERM)
        proc2.wait(15)

    from interlock.audit.timeline import export
    from interlock.store import StoreSettings, open_store

    settings = StoreSettings(key_path=(Path(db[len("sqlite:///"):]).parent if
                                       db.startswith("sqlite") else home / ".interlock")
                             / "audit-signing.key")
    with open_store(db, settings=settings) as store:
        entries = export(store)
    decisions = {(e["subject"], e["data"].get("request_id")) for e in entries
                 if e["kind"] == "decision"}
    votes = {(e["subject"], e["actor"]) for e in entries if e["kind"] == "vote"}
    missing_d = [d for d in acked_decisions if d not in decisions]
    missing_v = [v for v in acked_votes if v not in votes]
    assert not missing_d, f"{len(missing_d)} acknowledged decisions lost"
    assert not missing_v, f"{len(missing_v)} acknowledged votes lost"
    verify = subprocess.run([sys.executable, "-m", "interlock", "audit", "verify", "--db", db],
                            check=False, capture_output=True, text=True, env=_env(home))
    assert verify.returncode == 0, verify.stdout + verify.stderr
