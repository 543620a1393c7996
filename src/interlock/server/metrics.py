"""Prometheus metrics in the text exposition format (0.0.4), hand-written: a few counters and
one histogram need no dependency."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

# Request latency buckets (seconds): the API's goal is p99 ≤ 20 ms.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
        self._help: dict[str, str] = {}
        self._hist: dict[tuple[tuple[str, str], ...], list[float]] = {}
        self._hist_sum: dict[tuple[tuple[str, str], ...], float] = {}
        self._gauges: dict[str, tuple[str, Callable[[], float]]] = {}

    def inc(self, name: str, help_text: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._help.setdefault(name, help_text)
            series = self._counters[name]
            series[key] = series.get(key, 0.0) + amount

    def observe_request(self, seconds: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            counts = self._hist.get(key)
            if counts is None:
                counts = self._hist[key] = [0.0] * (len(BUCKETS) + 1)
                self._hist_sum[key] = 0.0
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            counts[-1] += 1
            self._hist_sum[key] += seconds

    def gauge(self, name: str, help_text: str, fn: Callable[[], float]) -> None:
        self._gauges[name] = (help_text, fn)

    def render(self) -> str:
        out: list[str] = []
        with self._lock:
            for name, series in sorted(self._counters.items()):
                out += [f"# HELP {name} {self._help[name]}", f"# TYPE {name} counter"]
                out += [f"{name}{_labels(k)} {v:g}" for k, v in sorted(series.items())]
            name = "interlock_http_request_duration_seconds"
            out += [f"# HELP {name} HTTP request latency", f"# TYPE {name} histogram"]
            for key, counts in sorted(self._hist.items()):
                for bound, c in zip(BUCKETS, counts, strict=False):
                    out.append(f"{name}_bucket{_labels(key + (('le', f'{bound:g}'),))} {c:g}")
                out.append(f"{name}_bucket{_labels(key + (('le', '+Inf'),))} {counts[-1]:g}")
                out.append(f"{name}_sum{_labels(key)} {self._hist_sum[key]:.6f}")
                out.append(f"{name}_count{_labels(key)} {counts[-1]:g}")
        for name, (help_text, fn) in sorted(self._gauges.items()):
            try:
                value = float(fn())
            except Exception:  # noqa: BLE001, S112 - a broken gauge must not break /metrics
                continue
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(out) + "\n"
