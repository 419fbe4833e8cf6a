"""Soak test: the real server under sustained load; no errors, no memory growth.

``python -m bench.soak [--requests 20000] [--concurrency 32] [--warmup 500] [--time-limit 2400]``

Builds the default index first if it is missing or stale (``python -m index_build --if-stale``),
starts the server as ``verbatim serve`` does (uvicorn, ``service.main:create_app`` factory, the
real model, the index at var/index) on a free 127.0.0.1 port in a subprocess, warms it up, then
sends ``--requests`` requests from ``--concurrency`` concurrent clients: ``POST /v1/ask`` and
``GET /v1/ask`` with the dev questions (varied k, some restricted to one document, some reworded)
and ``GET /v1/documents/{id}`` slices. Every response is checked (status 200, the body's shape,
a slice's exact length). The server's RSS is read after the warm-up and at the end.

Writes bench/results/soak.md (and soak.json); exits 1 if any request failed, RSS grew by more
than ``--max-growth`` percent after the warm-up, or the time limit cut the run short.
Not part of the pytest suite: it takes minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from eval.metrics import percentile

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
QUESTIONS = ROOT / "eval" / "questions" / "dev.jsonl"
HOST = "127.0.0.1"  # never anything else


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        import psutil

        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    except ImportError:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no RSS for process {pid}")


def ensure_index() -> None:
    """Build the default index when it is missing or stale, as ``make index`` does."""
    done = subprocess.run([sys.executable, "-m", "index_build", "--if-stale", "--quiet"], cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"building the index failed (exit {done.returncode})")


class Server:
    """``verbatim serve`` on 127.0.0.1: uvicorn with the app factory, in a subprocess."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix="verbatim-soak-", suffix=".log", delete=False)  # noqa: SIM115
        env = {
            **os.environ,
            "VERBATIM_HOST": HOST,
            "VERBATIM_PORT": str(port),
            "VERBATIM_LOG_QUESTIONS": "false",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        command = [
            sys.executable, "-m", "uvicorn", "service.main:create_app", "--factory",
            "--host", HOST, "--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 300) -> float:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - began
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the server was not ready after {timeout:.0f} s:\n{self.tail()}")

    def rss(self) -> float:
        return rss_mb(self.process.pid)

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


# --- the load ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    kind: str  # "ask POST", "ask GET", "ask POST filtered", "document slice"
    method: str
    url: str
    params: dict | None = None
    body: dict | None = None
    slice_length: int | None = None


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    sent: int = 0
    seconds: float = 0.0
    cut_short: bool = False

    def add(self, kind: str, ms: float, error: str | None) -> None:
        self.latencies.setdefault(kind, []).append(ms)
        if error is not None:
            self.errors += 1
            if len(self.samples) < 10:
                self.samples.append(f"{kind}: {error}")

    def all_latencies(self) -> list[float]:
        return [ms for values in self.latencies.values() for ms in values]


def load_questions() -> list[str]:
    with QUESTIONS.open(encoding="utf-8") as fh:
        return [json.loads(line)["question"] for line in fh if line.strip()]


def reword(question: str, rng: random.Random) -> str:
    """The same question as a user might type it again: lower case, no question mark, fewer words."""
    choice = rng.random()
    if choice < 0.6:
        return question
    if choice < 0.75:
        return question.lower().rstrip("?")
    words = question.rstrip("?").split()
    return " ".join(words[: max(3, len(words) * 2 // 3)])


def make_calls(count: int, questions: list[str], documents: list[dict], seed: int) -> list[Call]:
    rng = random.Random(seed)
    calls = []
    for _ in range(count):
        roll = rng.random()
        question = reword(rng.choice(questions), rng)
        k = rng.choice((1, 3, 5, 5, 5, 8, 10))
        if roll < 0.40:
            calls.append(Call("ask POST", "POST", "/v1/ask", body={"question": question, "k": k}))
        elif roll < 0.75:
            calls.append(Call("ask GET", "GET", "/v1/ask", params={"q": question, "k": k}))
        elif roll < 0.85:
            doc = rng.choice(documents)["id"]
            calls.append(Call("ask POST filtered", "POST", "/v1/ask", body={"question": question, "k": k, "documents": [doc]}))
        else:
            doc = rng.choice(documents)
            length = rng.randint(1, min(2000, doc["characters"]))
            start = rng.randint(0, doc["characters"] - length)
            params = {"start": start, "end": start + length, "context": rng.choice((0, 100, 300, 1000))}
            calls.append(Call("document slice", "GET", f"/v1/documents/{doc['id']}", params=params, slice_length=length))
    return calls


def check(call: Call, response: httpx.Response) -> str | None:
    """None if the response is right, else what is wrong with it."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {response.text[:200]}"
    if call.slice_length is not None:
        if len(body.get("text", "")) != call.slice_length:
            return f"slice of {len(body.get('text', ''))} characters, asked for {call.slice_length}"
        return None
    if not isinstance(body.get("passages"), list) or not body.get("index", {}).get("version"):
        return f"unexpected body: {response.text[:200]}"
    wanted = (call.body or {}).get("k") or (call.params or {}).get("k")
    if len(body["passages"]) > wanted:
        return f"{len(body['passages'])} passages for k={wanted}"
    for p in body["passages"]:
        c = p["citation"]
        if len(p["text"]) != c["end"] - c["start"]:
            return f"passage text of {len(p['text'])} characters for citation [{c['start']}, {c['end']})"
    return None


async def run_load(url: str, calls: list[Call], concurrency: int, time_limit: float, tally: Tally) -> None:
    # Idle connections are dropped after 2 s, before uvicorn's keep-alive timeout (5 s) closes them: with
    # httpx's default (also 5 s) a request can go out on a connection the server is closing (ReadError).
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0)
    queue = iter(calls)
    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def worker() -> None:
            for call in queue:
                if time.perf_counter() - began > time_limit:
                    tally.cut_short = True
                    return
                start = time.perf_counter()
                try:
                    response = await client.request(call.method, call.url, params=call.params, json=call.body)
                    error = check(call, response)
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                tally.sent += 1
                tally.add(call.kind, (time.perf_counter() - start) * 1000, error)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    tally.seconds = time.perf_counter() - began


async def sample_rss(server: Server, every: float, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(server.rss())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


async def main_phase(server: Server, calls: list[Call], concurrency: int, time_limit: float) -> tuple[Tally, list[float]]:
    tally, samples, stop = Tally(), [], asyncio.Event()
    sampler = asyncio.create_task(sample_rss(server, 5.0, samples, stop))
    await run_load(server.url, calls, concurrency, time_limit, tally)
    stop.set()
    await sampler
    return tally, samples


# --- the report -------------------------------------------------------------------------------


def latency_row(name: str, values: list[float]) -> str:
    p = [round(percentile(values, q), 1) for q in (50, 95, 99)]
    return f"| {name} | {len(values)} | {p[0]} | {p[1]} | {p[2]} | {round(max(values), 1) if values else 0} |"


def report(result: dict, tally: Tally) -> str:
    r = result
    verdict = "PASS" if r["passed"] else "FAIL"
    lines = [
        f"# Soak test ({r['date']}): {verdict}",
        "",
        f"`python -m bench.soak --requests {r['requests_asked']} --concurrency {r['concurrency']}` on "
        f"{r['machine']}; server: uvicorn `service.main:create_app` (1 worker, real model, index "
        f"`{r['index_version']}`) on 127.0.0.1, client: httpx async in a separate process on the same machine.",
        "",
        "| measure | value | limit |",
        "|---|---|---|",
        f"| requests sent (after {r['warmup']} warm-up) | {r['sent']} | >= {r['requests_asked']} |",
        f"| errors | {r['errors']} | 0 |",
        f"| wall time | {r['seconds']} s | {r['time_limit']} s |",
        f"| throughput | {r['requests_per_second']} req/s | |",
        f"| latency p50 / p95 / p99 | {r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']} ms | |",
        f"| server RSS when ready | {r['rss_ready_mb']} MB | |",
        f"| server RSS after warm-up | {r['rss_before_mb']} MB | |",
        f"| server RSS at the end | {r['rss_after_mb']} MB | |",
        f"| server RSS highest seen (every 5 s) | {r['rss_peak_mb']} MB | |",
        f"| RSS growth after warm-up | {r['rss_growth_percent']} % | <= {r['max_growth_percent']} % |",
        f"| RSS growth over the second half of the run | {r['rss_growth_second_half_percent']} % | |",
        f"| machine load average (1 min) at start / end | {r['load_start']} / {r['load_end']} | |",
        "",
        "Latency by request kind (ms, client side, queueing included):",
        "",
        "| kind | requests | p50 | p95 | p99 | max |",
        "|---|---|---|---|---|---|",
    ]
    lines += [latency_row(kind, values) for kind, values in sorted(tally.latencies.items())]
    lines.append(latency_row("all", tally.all_latencies()))
    if r["rss_samples_mb"]:
        s = r["rss_samples_mb"]
        picks = [s[round(i * (len(s) - 1) / 9)] for i in range(10)] if len(s) >= 10 else s
        lines += ["", f"RSS over the run (MB, {len(s)} samples, ten shown): {', '.join(str(v) for v in picks)}"]
    if tally.samples:
        lines += ["", "First errors:", ""] + [f"- `{e}`" for e in tally.samples]
    if r["cut_short"]:
        lines += ["", f"The time limit ({r['time_limit']} s) cut the run short."]
    if r.get("note"):
        lines += ["", r["note"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20000, help="requests after the warm-up (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=500, help="warm-up requests, not measured (default: %(default)s)")
    parser.add_argument("--time-limit", type=float, default=2400, help="seconds for the measured run (default: %(default)s)")
    parser.add_argument("--max-growth", type=float, default=10.0, help="allowed RSS growth, percent (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--note", default="", help="a line added to the report (e.g. what else ran on the machine)")
    parser.add_argument("--output", type=Path, default=RESULTS / "soak.md")
    args = parser.parse_args()

    ensure_index()
    load_start = round(os.getloadavg()[0], 1)
    questions = load_questions()
    server = Server(free_port())
    try:
        ready_seconds = server.wait_ready()
        rss_ready = server.rss()
        documents = httpx.get(f"{server.url}/v1/documents", timeout=30).json()
        version = httpx.get(f"{server.url}/readyz", timeout=30).json()["index_version"]
        print(f"server ready in {ready_seconds:.1f} s, RSS {rss_ready} MB; warming up with {args.warmup} requests")

        warm = Tally()
        asyncio.run(run_load(server.url, make_calls(args.warmup, questions, documents, args.seed + 1),
                             args.concurrency, args.time_limit, warm))
        rss_before = server.rss()
        print(f"warm-up: {warm.sent} requests, {warm.errors} errors, {warm.sent / warm.seconds:.1f} req/s; RSS {rss_before} MB")
        print(f"measuring {args.requests} requests at concurrency {args.concurrency} (limit {args.time_limit:.0f} s)")

        calls = make_calls(args.requests, questions, documents, args.seed)
        tally, samples = asyncio.run(main_phase(server, calls, args.concurrency, args.time_limit))
        rss_after = server.rss()
        if server.process.poll() is not None:
            tally.errors += 1
            tally.samples.append(f"the server exited with {server.process.returncode}")
    finally:
        server.stop()

    everything = tally.all_latencies()
    growth = round((rss_after - rss_before) / rss_before * 100, 2)
    middle = samples[len(samples) // 2] if samples else rss_before
    growth_second_half = round((rss_after - middle) / middle * 100, 2)
    errors = tally.errors + warm.errors
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "index_version": version,
        "requests_asked": args.requests,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "warmup_errors": warm.errors,
        "sent": tally.sent,
        "errors": errors,
        "seconds": round(tally.seconds, 1),
        "time_limit": args.time_limit,
        "cut_short": tally.cut_short or tally.sent < args.requests,
        "requests_per_second": round(tally.sent / tally.seconds, 1) if tally.seconds else 0,
        "p50_ms": round(percentile(everything, 50), 1),
        "p95_ms": round(percentile(everything, 95), 1),
        "p99_ms": round(percentile(everything, 99), 1),
        "rss_ready_mb": rss_ready,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "rss_peak_mb": max(samples + [rss_after]),
        "rss_samples_mb": samples,
        "rss_growth_percent": growth,
        "rss_growth_second_half_percent": growth_second_half,
        "load_start": load_start,
        "load_end": round(os.getloadavg()[0], 1),
        "max_growth_percent": args.max_growth,
        "by_kind": {kind: len(v) for kind, v in tally.latencies.items()},
        "first_errors": tally.samples,
        "note": args.note,
    }
    result["passed"] = errors == 0 and growth <= args.max_growth and not result["cut_short"]
    text = report(result, tally)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    args.output.with_suffix(".json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(text)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
