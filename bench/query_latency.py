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

from bench.load import post_load
from eval.dataset import load_questions
from eval.harness import QUESTIONS_DIR
from eval.metrics import percentile
from service.api.routes.ask import response_of
from service.core.config import PROJECT_ROOT, get_settings
from service.core.resources import load_resources

RESULTS = PROJECT_ROOT / "bench" / "results"


def stats(values: list[float]) -> dict[str, float]:
    return {f"p{q}": round(percentile(values, q), 2) for q in (50, 95, 99)}


def bare_model_rate(questions: list[str]) -> dict[str, float]:
    """The bundled model as sentence-transformers gives it (torch, default threads), one question a call."""
    from sentence_transformers import SentenceTransformer

    from embeddings.sentence_transformer import default_model_path

    model = SentenceTransformer(str(default_model_path()), device="cpu")
    for q in questions[:10]:
        model.encode([q], show_progress_bar=False)
    began = time.perf_counter()
    for q in questions:
        model.encode([q], normalize_embeddings=True, show_progress_bar=False)
    seconds = time.perf_counter() - began
    return {"questions_per_second": round(len(questions) / seconds, 1), "ms_each": round(seconds / len(questions) * 1000, 2)}


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


def tree_rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes."""
    children = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return round(rss_mb(pid) + sum(rss_mb(c) for c in children), 1)


async def load(url: str, questions: list[str], concurrency: int, requests: int) -> dict:
    bodies = [{"question": q, "k": 5} for q in questions]
    latencies, errors, seconds = await post_load(url, "/v1/ask", bodies, concurrency, requests)
    return {"concurrency": concurrency, "requests": requests, "errors": errors,
            "requests_per_second": round(requests / seconds, 1), **{f"{k}_ms": v for k, v in stats(latencies).items()}}


def over_http(questions: list[str], requests: int, workers: int = 1) -> dict:
    port = free_port()
    env = {**os.environ, "VERBATIM_PORT": str(port), "VERBATIM_HOST": "127.0.0.1", "VERBATIM_LOG_QUESTIONS": "false",
           "VERBATIM_WORKERS": str(workers)}
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
        time.sleep(3 if workers > 1 else 0)  # /readyz answered by one worker: let the others finish loading
        memory_before = tree_rss_mb(server.pid)
        asyncio.run(load(url, questions, 8, 64))  # warm every worker
        runs = [asyncio.run(load(url, questions, c, requests)) for c in (1, 8, 32)]
        return {"workers": workers, "server_rss_mb_ready": memory_before, "server_rss_mb_after": tree_rss_mb(server.pid),
                "runs": runs}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=800, help="requests per concurrency level")
    parser.add_argument("--workers", type=int, default=get_settings().workers,
                        help="server worker processes (default: VERBATIM_WORKERS, %(default)s)")
    args = parser.parse_args()
    questions = [q.question for q in load_questions([QUESTIONS_DIR / "dev.jsonl"])]
    result = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "cores": os.cpu_count(),
              "bare_model": bare_model_rate(questions),
              "in_process": in_process(questions), "http": over_http(questions, args.requests, args.workers)}
    top = result["http"]["runs"][-1]
    result["ratio_http_c32_rate_to_bare_model_rate"] = round(
        top["requests_per_second"] / result["bare_model"]["questions_per_second"], 2)
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
    bare = result["bare_model"]
    lines += ["", f"HTTP on 127.0.0.1, {result['http']['workers']} worker(s) (server RSS, all processes, "
              f"{result['http']['server_rss_mb_ready']} MB ready, {result['http']['server_rss_mb_after']} MB after); "
              f"HTTP p50 at concurrency 1 is {result['ratio_http_c1_p50_to_in_process_p50']}x in-process (target <= 2). "
              f"The bare model (sentence-transformers on torch, one question a call) embeds "
              f"{bare['questions_per_second']} questions/s in this run: the server at concurrency 32 answers "
              f"{result['ratio_http_c32_rate_to_bare_model_rate']}x that (target >= 3).", "",
              "| concurrency | requests | errors | req/s | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['concurrency']} | {r['requests']} | {r['errors']} | {r['requests_per_second']} | {r['p50_ms']} "
              f"| {r['p95_ms']} | {r['p99_ms']} |" for r in result["http"]["runs"]]
    (RESULTS / "query.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
