#!/usr/bin/env python3
"""Decisions per second over HTTP on loopback, with p50/p99, against baselines from the same run.

`interlock serve` runs as its own process on a fresh SQLite store (every decision audited and
committed before its 200). Load comes from C client processes × T keep-alive connections each.
Goal: ≥ 2,000 decisions/s with p99 ≤ 20 ms.
Baselines: (1) the in-process Decider on the same actions (the ceiling without HTTP, auth and
audit), (2) `GET /healthz` over the same connections (the HTTP floor).

Usage: python3 bench/api_bench.py [--seconds S] [--clients C] [--conns T] [--pg]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

INVENTORY = """\
default = "production"
[[rule]]
tier = "development"
kube_context = ["dev-*"]
[[rule]]
tier = "staging"
kube_context = ["stage-*"]
"""
# The mix an agent session produces: mostly reads and dev changes, a few pending approvals.
ACTIONS = [
    {"tool": "shell", "input": {"command": "ls -la", "cwd": "/tmp"}},
    {"tool": "shell", "input": {"command": "git status", "cwd": "/tmp"}},
    {"tool": "shell", "input": {"command": "kubectl get pods -n web --context dev-1",
                                "cwd": "/tmp"}},
    {"tool": "shell", "input": {"command": "kubectl apply -f k8s/ --context dev-1",
                                "cwd": "/tmp"}},
    {"tool": "sql", "input": {"statement": "SELECT * FROM users WHERE id = 1"}},
    {"tool": "shell", "input": {"command": "rm -rf /", "cwd": "/tmp"}},
    {"tool": "http", "input": {"method": "GET", "url": "https://api.example.com/v1/x"}},
    {"tool": "shell", "input": {"command": "kubectl delete deploy api -n web --context stage-1",
                                "cwd": "/tmp"}},  # require_approval: the same request returned
]


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def _client(url: str, token: str, path: str, conns: int, seconds: float, out: mp.Queue) -> None:
    import threading

    host, port = url.split("//", 1)[1].split(":")
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    bodies = [json.dumps(a).encode() for a in ACTIONS]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    stop_at = time.perf_counter() + seconds

    def run(k: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine: list[float] = []
        i = k
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            if path == "/healthz":
                conn.request("GET", path)
            else:
                conn.request("POST", path, bodies[i % len(bodies)], headers)
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t0)
            if resp.status != 200:
                with lock:
                    errors[0] += 1
            i += 1
        conn.close()
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((lat, errors[0]))


def load(url: str, token: str, path: str, clients: int, conns: int, seconds: float
         ) -> tuple[float, float, float, int, int]:
    q: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_client, args=(url, token, path, conns, seconds, q))
             for _ in range(clients)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    lat = [x for r in results for x in r[0]]
    errors = sum(r[1] for r in results)
    # rate over the load window (process start-up excluded from neither: conservative)
    return (len(lat) / max(elapsed, seconds), percentile(lat, 0.5) * 1000,
            percentile(lat, 0.99) * 1000, len(lat), errors)


def _ms(text: str) -> float:
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)


def load_wrk(url: str, token: str, path: str, threads: int, conns: int, seconds: float,
             tmp: Path) -> tuple[float, float, float, int, int]:
    """The same load from wrk (C, epoll): the load generator then costs the 2 shared cores far
    less than Python clients do, so the server's own capacity shows."""
    bodies = ", ".join(f"[==[{json.dumps(a)}]==]" for a in ACTIONS)
    script = tmp / f"load{path.replace('/', '_')}.lua"
    if path == "/healthz":
        script.write_text('wrk.method = "GET"\n')
    else:
        script.write_text(
            f"local bodies = {{{bodies}}}\nlocal i = 0\n"
            "request = function()\n  i = i + 1\n"
            f'  return wrk.format("POST", "{path}", {{["Authorization"] = "Bearer {token}", '
            '["Content-Type"] = "application/json"}, bodies[(i % #bodies) + 1])\nend\n')
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds:g}s",
                          "--latency", "-s", str(script), url + path],
                         capture_output=True, text=True, check=True).stdout
    rate = p50 = p99 = float("nan")
    n = errors = 0
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            rate = float(words[1])
        elif words[:1] == ["50%"]:
            p50 = _ms(words[1])
        elif words[:1] == ["99%"]:
            p99 = _ms(words[1])
        elif "requests in" in line:
            n = int(words[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            errors = int(words[-1])
    return rate, p50, p99, n, errors


def in_process(seconds: float, inventory: Path) -> tuple[float, float]:
    from interlock.pipeline import Decider

    d = Decider(None, str(inventory))
    lat = []
    stop = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < stop:
        t0 = time.perf_counter()
        d.decide({**ACTIONS[i % len(ACTIONS)], "agent": "bench"})
        lat.append(time.perf_counter() - t0)
        i += 1
    return len(lat) / sum(lat), percentile(lat, 0.99) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=4, help="client processes")
    ap.add_argument("--conns", type=int, default=4, help="connections per client process")
    ap.add_argument("--db", help="store URL (default: a fresh SQLite file)")
    ap.add_argument("--workers", type=int, default=1, help="`serve --workers N`")
    ap.add_argument("--load", choices=("wrk", "python"), default=None,
                    help="load generator (default: wrk when installed, else Python clients)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ilbench-"))
    inventory = tmp / "inventory.toml"
    inventory.write_text(INVENTORY)
    db = args.db or f"sqlite:///{tmp / 'bench.db'}"
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOME": str(tmp)}
    name = f"bench-{os.getpid()}"  # a reused --db may hold earlier runs' principals
    # ... and their open requests: a target of our own keeps ours from conflicting (409)
    ACTIONS[-1]["input"]["command"] = ACTIONS[-1]["input"]["command"].replace(
        "deploy api", f"deploy api-{os.getpid()}")
    tok = subprocess.run([sys.executable, "-m", "interlock", "principals", "add", name,
                          "--kind", "agent", "--db", db], capture_output=True, text=True,
                         env=env, check=True).stdout.strip().splitlines()[-1]
    port = "0"
    if args.workers > 1:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = str(sock.getsockname()[1])
    proc = subprocess.Popen([sys.executable, "-m", "interlock", "serve", "--db", db,
                             "--port", port, "--inventory", str(inventory), "--no-access-log",
                             "--workers", str(args.workers)],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    url = line.split("listening on ", 1)[1].split()[0]
    if args.workers > 1:
        time.sleep(3)  # the workers import and open the store
    try:
        base_rate, base_p99 = in_process(args.seconds, inventory)
        load(url, tok, "/v1/decisions", 1, 2, 1.0)  # warm-up
        use_wrk = args.load == "wrk" or (args.load is None and shutil.which("wrk"))
        if use_wrk:
            generator = f"wrk, 1 thread x {args.clients * args.conns} connections"
            h_rate, h_p50, h_p99, _, _ = load_wrk(url, tok, "/healthz", 1,
                                                  args.clients * args.conns, args.seconds, tmp)
            rate, p50, p99, n, errors = load_wrk(url, tok, "/v1/decisions", 1,
                                                 args.clients * args.conns, args.seconds, tmp)
        else:
            generator = (f"{args.clients} Python processes x {args.conns} keep-alive "
                         "connections")
            h_rate, h_p50, h_p99, _, _ = load(url, tok, "/healthz", args.clients, args.conns,
                                              args.seconds)
            rate, p50, p99, n, errors = load(url, tok, "/v1/decisions", args.clients,
                                             args.conns, args.seconds)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    print(f"store: {db.split('?')[0]}; server: {args.workers} process(es); load: "
          f"{generator}, {args.seconds:g} s each; {os.cpu_count()} CPUs shared by server and "
          "load")
    print(f"baseline in-process Decider:   {base_rate:9.0f} decisions/s  p99 {base_p99:6.2f} ms")
    print(f"baseline GET /healthz (HTTP):  {h_rate:9.0f} requests/s   p50 {h_p50:6.2f} ms  "
          f"p99 {h_p99:6.2f} ms")
    print(f"POST /v1/decisions (audited):  {rate:9.0f} decisions/s  p50 {p50:6.2f} ms  "
          f"p99 {p99:6.2f} ms  ({n} decisions, {errors} non-200)")
    print(f"ratios: decisions/healthz {rate / h_rate:.2f}; decisions/in-process "
          f"{rate / base_rate:.3f}")
    ok = rate >= 2000 and p99 <= 20 and errors == 0
    print(f"goal ≥ 2,000/s and p99 ≤ 20 ms: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
