"""Prometheus counters and latency histograms by route and status, in the text exposition format."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[tuple[str, str], float] = defaultdict(float)
        self.counts: dict[tuple[str, str], int] = defaultdict(int)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, status)] += 1
            key = (method, route)
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self.buckets[key][i] += 1
            self.sums[key] += seconds
            self.counts[key] += 1

    def render(self, gauges: dict[str, float]) -> str:
        out = [
            "# HELP verbatim_requests_total HTTP requests by method, route and status.",
            "# TYPE verbatim_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), n in sorted(self.requests.items()):
                out.append(f'verbatim_requests_total{{method="{method}",route="{route}",status="{status}"}} {n}')
            out += [
                "# HELP verbatim_request_seconds HTTP request latency by method and route.",
                "# TYPE verbatim_request_seconds histogram",
            ]
            for (method, route), counts in sorted(self.buckets.items()):
                labels = f'method="{method}",route="{route}"'
                for bound, n in zip(BUCKETS, counts, strict=True):
                    out.append(f'verbatim_request_seconds_bucket{{{labels},le="{bound}"}} {n}')
                out.append(f'verbatim_request_seconds_bucket{{{labels},le="+Inf"}} {self.counts[(method, route)]}')
                out.append(f"verbatim_request_seconds_sum{{{labels}}} {self.sums[(method, route)]:.6f}")
                out.append(f"verbatim_request_seconds_count{{{labels}}} {self.counts[(method, route)]}")
        for name, value in gauges.items():
            out += [f"# TYPE {name} gauge", f"{name} {value}"]
        return "\n".join(out) + "\n"
