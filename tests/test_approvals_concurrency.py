"""Grants are redeemed exactly once under concurrent redeemers: threads on both backends, and
separate processes against a real PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from pg import pg_url_fixture, store_fixture  # noqa: F401

from interlock import principals as P
from interlock.actions import action_hash, parse_action
from interlock.approvals import Conflict
from interlock.approvals import requests as R
from interlock.decision import Decision
from interlock.effects import Effect, Target, Verb

ROOT = Path(__file__).resolve().parents[1]
THREADS = 8


def _decision(action: dict, n: int = 2) -> Decision:
    path = action["input"]["command"].split()[-1]
    effect = Effect(Verb.DELETE, f"path {path}", (Target("path", path),),
                    environment="production", resolved_target=f"path:{path}")
    return Decision("require_approval", n, "production", [], [effect],
                    action_hash(parse_action(action)), policy_version="v1")


def _approved(store, path: str = "/srv/x"):
    bot, token = P.add_principal(store, "bot", "agent", ["operator"])
    humans = [P.add_principal(store, f"h{i}", "human", ["approver"])[0] for i in range(3)]
    action = {"tool": "shell", "input": {"command": f"rm -rf {path}", "cwd": "/"},
              "agent": "bot"}
    req, _ = R.open_request(store, _decision(action), action, bot)
    R.vote(store, req.id, humans[0], "approve")
    R.vote(store, req.id, humans[1], "approve")
    return req, action, bot, token, humans


def _race(n: int, fn) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - collected and asserted on
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_threads_redeem_exactly_once(store):
    req, action, bot, _, _ = _approved(store)
    results = _race(THREADS, lambda i: R.redeem(store, req.id, action, bot))
    wins = [r for r in results if not isinstance(r, Exception)]
    assert len(wins) == 1, results
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception)), results
    view = R.get_request(store, req.id)
    assert view.state == "redeemed" and view.redeemed_at is not None
    assert store.audit.verify().ok


def test_concurrent_votes_issue_one_grant(store):
    bot, _ = P.add_principal(store, "bot", "agent")
    humans = [P.add_principal(store, f"h{i}", "human", ["approver"])[0] for i in range(5)]
    action = {"tool": "shell", "input": {"command": "rm -rf /srv/y", "cwd": "/"},
              "agent": "bot"}
    req, _ = R.open_request(store, _decision(action, n=2), action, bot)
    results = _race(5, lambda i: R.vote(store, req.id, humans[i], "approve"))
    ok = [r for r in results if not isinstance(r, Exception)]
    errors = [r for r in results if isinstance(r, Exception)]
    # Votes are serialised: the first two approve; later ones find it approved (409).
    assert len(ok) == 2 and all(isinstance(e, Conflict) for e in errors), results
    view = R.get_request(store, req.id)
    assert view.state == "approved" and len(view.approvals) == 2 and view.grant_id


def test_concurrent_appends_keep_one_chain(store):
    results = _race(THREADS, lambda i: [store.audit.record("test", f"t{i}", str(j), {"j": j})
                                        for j in range(10)])
    assert not [r for r in results if isinstance(r, Exception)], results
    check = store.audit.verify()
    assert check.ok and check.entries == THREADS * 10


WORKER = r"""
import sys, time, os
from interlock.store import open_store
from interlock import principals as P
from interlock.approvals import requests as R, ApprovalError
url, req_id, token, go = sys.argv[1:5]
store = open_store(url)
bot = P.authenticate(store, token)
action = {"tool": "shell", "input": {"command": "rm -rf /srv/x", "cwd": "/"}, "agent": "bot"}
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
try:
    R.redeem(store, req_id, action, bot)
    print("WON", flush=True)
except ApprovalError as e:
    print("LOST", type(e).__name__, e, flush=True)
"""


def test_processes_redeem_exactly_once_on_postgresql(pg_url, tmp_path):
    from pg import truncate

    from interlock.store import StoreSettings, open_store

    truncate(pg_url)
    store = open_store(pg_url, settings=StoreSettings(key_path=tmp_path / "k"))
    try:
        req, _action, _bot, token, _ = _approved(store)
        go = tmp_path / "go"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, pg_url, req.id, token, str(go)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env) for _ in range(6)]
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        go.touch()
        outs = [p.communicate(timeout=60) for p in procs]
        lines = [o[0].strip() for o in outs]
        assert sum(line == "WON" for line in lines) == 1, outs
        assert all(line == "WON" or line.startswith("LOST Conflict") for line in lines), outs
        assert R.get_request(store, req.id).state == "redeemed"
        assert store.audit.verify().ok
    finally:
        store.close()
