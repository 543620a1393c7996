#!/usr/bin/env python3
"""Audit log speed: appends/s and verify entries/s, against baselines from the same run.

Appends are real `decision` entries (audit.record_decision of pipeline decisions: redaction,
canonical JSON, SHA-256 chaining, a checkpoint every 1000), committed
  (a) one per transaction (a lone caller), and
  (b) in group commits of --group entries (what the API's batcher does under load);
  (c) small entries (a few fields, like admin changes), grouped: the chain's own cost;
each is durable when its COMMIT returns (a process crash loses nothing acknowledged).
Baseline: raw sqlite3 INSERTs of rows of the same size, --group per transaction.
Verify walks the whole chain and every signed checkpoint. Baselines: a raw SELECT of the same
rows, and SHA-256 over the same bytes.
Goals: appends ≥ 10,000/s (group commit), verify ≥ 100,000 entries/s.

Usage: python3 bench/audit_bench.py [--entries N] [--group G] [--db URL]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ACTIONS = [
    {"tool": "shell", "input": {"command": "kubectl get pods -n web --context prod-eu",
                                "cwd": "/tmp"}, "agent": "bench"},
    {"tool": "shell", "input": {"command": "git push origin main", "cwd": "/tmp"},
     "agent": "bench"},
    {"tool": "sql", "input": {"statement": "UPDATE users SET plan = 'pro' WHERE id = 7"},
     "agent": "bench"},
    {"tool": "http", "input": {"method": "DELETE", "url": "https://api.example.com/v1/x/1"},
     "agent": "bench"},
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=20_000)
    ap.add_argument("--group", type=int, default=100)
    ap.add_argument("--db", help="store URL (default: a fresh SQLite file)")
    args = ap.parse_args()

    from interlock.actions import parse_action
    from interlock.audit.record import record_decision
    from interlock.pipeline import Decider
    from interlock.store import StoreSettings, open_store

    tmp = Path(tempfile.mkdtemp(prefix="ilaudit-"))
    url = args.db or f"sqlite:///{tmp / 'audit.db'}"
    store = open_store(url, settings=StoreSettings(key_path=tmp / "audit.key"))
    decider = Decider()
    cases = [(decider.decide(a), parse_action(a)) for a in ACTIONS]

    # (a) one entry per transaction
    n_single = max(200, args.entries // 20)
    t0 = time.perf_counter()
    for i in range(n_single):
        d, a = cases[i % len(cases)]
        with store.write() as s:
            record_decision(store, d, a, "bench", session=s)
    single = n_single / (time.perf_counter() - t0)

    # (b) group commits
    t0 = time.perf_counter()
    done = 0
    while done < args.entries:
        with store.write() as s:
            for _ in range(min(args.group, args.entries - done)):
                d, a = cases[done % len(cases)]
                record_decision(store, d, a, "bench", session=s)
                done += 1
    grouped = done / (time.perf_counter() - t0)

    # (c) small entries (an admin change: a few fields), group commits: the chain's own cost
    t0 = time.perf_counter()
    done = 0
    while done < args.entries:
        with store.write() as s:
            for _ in range(min(args.group, args.entries - done)):
                store.audit.append(s, "token.issue", "bench", "bot", {"n": done})
                done += 1
    small = done / (time.perf_counter() - t0)

    total = store.audit.count()
    t0 = time.perf_counter()
    result = store.audit.verify()
    verify_rate = result.entries / (time.perf_counter() - t0)
    assert result.ok, result

    # baselines on a plain sqlite3 file: rows of the same size, same grouping
    from interlock.audit.timeline import export

    sample = export(store, limit=len(cases))
    raw_db = tmp / "raw.db"
    conn = sqlite3.connect(raw_db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, ts TEXT, kind TEXT, actor TEXT, "
                 "subject TEXT, data TEXT, prev_hash TEXT, hash TEXT)")
    import json

    rows = [(e["ts"], e["kind"], e["actor"], e["subject"], json.dumps(e["data"]),
             e["prev_hash"], e["hash"]) for e in sample]
    t0 = time.perf_counter()
    i = 0
    while i < args.entries:
        conn.execute("BEGIN IMMEDIATE")
        for _ in range(min(args.group, args.entries - i)):
            conn.execute("INSERT INTO t (ts, kind, actor, subject, data, prev_hash, hash) "
                         "VALUES (?,?,?,?,?,?,?)", rows[i % len(rows)])
            i += 1
        conn.execute("COMMIT")
    raw_insert = args.entries / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    n = 0
    payload = []
    for row in conn.execute("SELECT * FROM t"):
        n += 1
        payload.append(row[5])
    raw_scan = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for text in payload:
        hashlib.sha256(text.encode()).hexdigest()
    raw_hash = len(payload) / (time.perf_counter() - t0)
    conn.close()
    store.close()

    print(f"store: {url.split('?')[0]}; {total} entries; group commit of {args.group}")
    print(f"baseline raw sqlite3 INSERT (grouped):  {raw_insert:10.0f} rows/s")
    print(f"audit append, 1 per transaction:        {single:10.0f} entries/s  "
          f"(ratio to raw {single / raw_insert:.3f})")
    print(f"audit append, group commit:             {grouped:10.0f} entries/s  "
          f"(ratio to raw {grouped / raw_insert:.3f})  goal ≥ 10,000/s: "
          f"{'met' if grouped >= 10_000 else 'NOT met'}")
    print(f"audit append, small entries, grouped:   {small:10.0f} entries/s  "
          f"(ratio to raw {small / raw_insert:.3f})")
    print(f"baseline raw SELECT scan:               {raw_scan:10.0f} rows/s")
    print(f"baseline SHA-256 of the data alone:     {raw_hash:10.0f} hashes/s")
    print(f"audit verify (chain + {result.checkpoints} checkpoints): {verify_rate:10.0f} "
          f"entries/s  (ratio to scan {verify_rate / raw_scan:.3f})  goal ≥ 100,000/s: "
          f"{'met' if verify_rate >= 100_000 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
