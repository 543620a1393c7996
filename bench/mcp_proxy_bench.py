#!/usr/bin/env python3
"""Added latency of `interlock mcp-proxy` per tool call, against the same client talking to the
same server directly, in the same run.

One real SDK client session each way (tests/fixtures/mcp_server.py over stdio), a warm-up, then
N sequential `tools/call read_note` (allowed: decided and forwarded). Also reports a refused call
(`delete_note` in production: decided, never forwarded) and the session start-up cost.

Usage: python3 bench/mcp_proxy_bench.py [--calls N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

ROOT = Path(__file__).resolve().parents[1]
SERVER = [sys.executable, str(ROOT / "tests" / "fixtures" / "mcp_server.py")]
PROXY = [sys.executable, "-m", "interlock", "mcp-proxy", "--name", "notes", "--"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                      os.environ.get("PYTHONPATH")]))
    env.pop("MCP_FIXTURE_LOG", None)
    return env


async def measure(cmd: list[str], calls: int, tool: str, args: dict) -> tuple[float, list[float]]:
    params = StdioServerParameters(command=cmd[0], args=cmd[1:], env=_env())
    t0 = time.perf_counter()
    async with stdio_client(params) as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        await s.list_tools()
        startup = time.perf_counter() - t0
        for _ in range(20):
            await s.call_tool(tool, args)
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            await s.call_tool(tool, args)
            times.append(time.perf_counter() - t)
    return startup, times


def _ms(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=500)
    n = ap.parse_args().calls
    read = ("read_note", {"name": "todo"})

    d_start, direct = anyio.run(measure, SERVER, n, *read)
    p_start, proxied = anyio.run(measure, PROXY + SERVER, n, *read)
    _, refused = anyio.run(measure, PROXY + SERVER, n, "delete_note", {"name": "todo"})

    d50, p50 = _ms(direct, 0.5), _ms(proxied, 0.5)
    print(f"tools/call read_note, {n} sequential calls, one session each (ms)")
    print(f"  {'':24} {'p50':>7} {'p99':>7} {'mean':>7}")
    for label, xs in (("direct client→server", direct), ("via interlock mcp-proxy", proxied),
                      ("refused by the proxy", refused)):
        print(f"  {label:24} {_ms(xs, 0.5):7.3f} {_ms(xs, 0.99):7.3f} "
              f"{statistics.fmean(xs) * 1000:7.3f}")
    print(f"added latency per allowed call: {p50 - d50:.3f} ms at p50 "
          f"({_ms(proxied, 0.99) - _ms(direct, 0.99):.3f} ms at p99); "
          f"ratio proxy/direct {p50 / d50:.2f}x (p50)")
    print(f"session start-up (spawn, initialize, tools/list): direct {d_start * 1000:.0f} ms, "
          f"proxied {p_start * 1000:.0f} ms")


if __name__ == "__main__":
    main()
