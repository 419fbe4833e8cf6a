"""Memory of ``verbatim serve --workers 2`` with the index memory-mapped and without.

``python -m bench.workers_memory``: starts the server on a free loopback port, waits until both
workers answer, sends a few questions, then reads each worker's Rss and Pss (proportional share:
pages shared between processes are split between them) from /proc. Results: bench/results/workers.md.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx

from service.core.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"


def smaps(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:", "Shared_Clean:", "Shared_Dirty:"):
                out[parts[0][:-1]] = int(parts[1]) // 1024
    return out


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().split(") ")[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def measure(mmap: bool) -> list[dict[str, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "VERBATIM_PORT": str(port), "VERBATIM_MMAP_INDEX": str(mmap).lower(),
           "VERBATIM_WORKERS": "2", "VERBATIM_LOG_QUESTIONS": "false"}
    server = subprocess.Popen([sys.executable, "-m", "verbatim.cli", "serve", "--workers", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 180
        while time.time() < deadline:
            workers = children(server.pid)
            try:
                versions = {httpx.get(f"{url}/readyz", timeout=2).status_code for _ in range(6)}
                if versions == {200} and len(workers) >= 2:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        for q in ("Who was Ryutin?", "When did Ordzhonikidze die?", "Khrushchev secret speech"):
            for _ in range(4):
                httpx.post(f"{url}/v1/ask", json={"question": q}, timeout=60)
        time.sleep(2)
        return [smaps(pid) for pid in children(server.pid) if smaps(pid).get("Rss", 0) > 100]
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    lines = [f"# Two workers, index memory-mapped or not ({datetime.now(UTC):%Y-%m-%d})", "",
             "| index | worker | Rss MB | Pss MB | shared MB |", "|---|---|---|---|---|"]
    for mmap in (True, False):
        for n, m in enumerate(measure(mmap), start=1):
            shared = m.get("Shared_Clean", 0) + m.get("Shared_Dirty", 0)
            lines.append(f"| {'mmap' if mmap else 'loaded'} | {n} | {m['Rss']} | {m['Pss']} | {shared} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "workers.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
