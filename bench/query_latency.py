"""Query latency per stage and end to end, in-process and over HTTP on 127.0.0.1, in one run.

``python -m bench.query_latency [--requests 400]``: needs the published index (``make index``).
In-process: every dev question, per-stage timings from ``Retriever.search`` plus serialisation,
and the query embedding alone. HTTP: a server subprocess on a free loopback port, loaded at
concurrency 1, 8 and 32 by an asyncio httpx load generator. Results: bench/results/query.json, .md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx

from eval.dataset import load_questions
from eval.harness import QUESTIONS_DIR
from eval.metrics import percentile
from service.api.routes.ask import response_of
from service.core.config import PROJECT_ROOT, get_settings
from service.core.resources import load_resources

RESULTS = PROJECT_ROOT / "bench" / "results"


def stats(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2)}


def in_process(questions: list[str]) -> dict:
    resources = load_resources(get_settings())
    retriever, embedder = resources.retriever, resources.embedder
    for q in questions[:10]:  # warm up
        retriever.search(q, 5)
    embed_only, total, stages, before = [], [], {}, []
    # the pipeline as it was before the re-ranker and the abstention model, timed in the same run
    previous = retriever.config.named(rerank=False, calibrated_abstention=False)
    for q in questions:
        began = time.perf_counter()
        response_of(retriever.search(q, 5, config=previous), resources, 0).model_dump_json()
        before.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        embedder.embed_batch([q])
        embed_only.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        result = retriever.search(q, 5)
        mid = time.perf_counter()
        response_of(result, resources, 0).model_dump_json()
        end = time.perf_counter()
        total.append((end - began) * 1000)
        for name, ms in {**result.timings_ms, "serialise": (end - mid) * 1000}.items():
            stages.setdefault(name, []).append(ms)
    out = {
        "questions": len(questions),
        "query_embedding_alone_ms": stats(embed_only),
        "end_to_end_ms": stats(total),
        "stages_ms": {name: stats(v) for name, v in stages.items()},
        "without_rerank_and_abstention_model_ms": stats(before),
    }
    out["ratio_p50_to_previous_pipeline_p50"] = round(out["end_to_end_ms"]["p50"] / stats(before)["p50"], 3)
    out["ratio_p50_to_embedding_p50"] = round(out["end_to_end_ms"]["p50"] / out["query_embedding_alone_ms"]["p50"], 3)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def load(url: str, questions: list[str], concurrency: int, requests: int) -> dict:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                began = time.perf_counter()
                r = await client.post("/v1/ask", json={"question": questions[i % len(questions)], "k": 5})
                latencies.append((time.perf_counter() - began) * 1000)
                errors += r.status_code != 200

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - began
    return {"concurrency": concurrency, "requests": requests, "errors": errors,
            "requests_per_second": round(requests / seconds, 1), **{f"{k}_ms": v for k, v in stats(latencies).items()}}


def over_http(questions: list[str], requests: int) -> dict:
    port = free_port()
    env = {**os.environ, "VERBATIM_PORT": str(port), "VERBATIM_HOST": "127.0.0.1", "VERBATIM_LOG_QUESTIONS": "false"}
    server = subprocess.Popen([sys.executable, "-m", "verbatim.cli", "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("server did not become ready in 120 s")
        memory_before = rss_mb(server.pid)
        runs = [asyncio.run(load(url, questions, c, requests)) for c in (1, 8, 32)]
        return {"server_rss_mb_ready": memory_before, "server_rss_mb_after": rss_mb(server.pid), "runs": runs}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per concurrency level")
    args = parser.parse_args()
    questions = [q.question for q in load_questions([QUESTIONS_DIR / "dev.jsonl"])]
    result = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "cores": os.cpu_count(),
              "in_process": in_process(questions), "http": over_http(questions, args.requests)}
    http_p50 = result["http"]["runs"][0]["p50_ms"]
    result["ratio_http_c1_p50_to_in_process_p50"] = round(http_p50 / result["in_process"]["end_to_end_ms"]["p50"], 3)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "query.json").write_text(json.dumps(result, indent=1))
    ip = result["in_process"]
    lines = [f"# Query latency ({result['date']}, {result['cores']} cores)", "",
             f"In-process over {ip['questions']} dev questions: end to end p50 {ip['end_to_end_ms']['p50']} ms, "
             f"p95 {ip['end_to_end_ms']['p95']} ms; query embedding alone p50 {ip['query_embedding_alone_ms']['p50']} ms "
             f"(ratio {ip['ratio_p50_to_embedding_p50']}). Without the re-ranker and the abstention model (the "
             f"pipeline before them), same run: p50 {ip['without_rerank_and_abstention_model_ms']['p50']} ms; "
             f"ratio {ip['ratio_p50_to_previous_pipeline_p50']} (target <= 1.5).", "",
             "| stage | p50 ms | p95 ms |", "|---|---|---|"]
    lines += [f"| {name} | {v['p50']} | {v['p95']} |" for name, v in ip["stages_ms"].items()]
    lines += ["", f"HTTP on 127.0.0.1 (server RSS {result['http']['server_rss_mb_ready']} MB ready, "
              f"{result['http']['server_rss_mb_after']} MB after); HTTP p50 at concurrency 1 is "
              f"{result['ratio_http_c1_p50_to_in_process_p50']}x in-process (target <= 2):", "",
              "| concurrency | requests | errors | req/s | p50 ms | p95 ms |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['concurrency']} | {r['requests']} | {r['errors']} | {r['requests_per_second']} | {r['p50_ms']} | {r['p95_ms']} |"
              for r in result["http"]["runs"]]
    (RESULTS / "query.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
