"""Faster CPU inference for the same bundled model: torch thread counts and int8 dynamic quantisation.

``python -m bench.inference``: for each variant, the query-embedding latency over the dev questions
and retrieval accuracy on dev (recall@5, MRR@10) with that variant embedding the questions (the
index keeps its float32 passage vectors). A variant is adoptable when both stay within 0.005 of
float32. Results: bench/results/inference.json and .md.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime

import torch

from eval.dataset import load_questions
from eval.harness import QUESTIONS_DIR, run_questions, summarize
from eval.metrics import Returned, percentile
from service.core.config import PROJECT_ROOT, get_settings
from service.core.resources import load_resources

RESULTS = PROJECT_ROOT / "bench" / "results"


def main() -> None:
    resources = load_resources(get_settings())
    embedder, retriever = resources.embedder, resources.retriever
    questions = load_questions([QUESTIONS_DIR / "dev.jsonl"])
    texts = [q.question for q in questions]
    float_model = embedder.model
    int8_model = copy.deepcopy(float_model)
    int8_model = torch.ao.quantization.quantize_dynamic(int8_model, {torch.nn.Linear}, dtype=torch.qint8)
    variants = [("float32, 2 threads", float_model, 2), ("float32, 1 thread", float_model, 1),
                ("int8 dynamic, 2 threads", int8_model, 2), ("int8 dynamic, 1 thread", int8_model, 1)]
    rows = []
    for name, model, threads in variants:
        torch.set_num_threads(threads)
        embedder.model = model
        for t in texts[:10]:
            embedder.embed_batch([t])
        times = []
        for t in texts:
            began = time.perf_counter()
            embedder.embed_batch([t])
            times.append((time.perf_counter() - began) * 1000)

        def search(question: str, k: int):
            result = retriever.search(question, k)
            return ([Returned(h.passage.doc_id, h.passage.start, h.passage.end) for h in result.hits],
                    result.supported, [""] * len(result.hits), result.support_score)

        m = summarize(run_questions(search, questions, 10))
        rows.append({"variant": name, "embed_p50_ms": round(percentile(times, 50), 2),
                     "embed_p95_ms": round(percentile(times, 95), 2), "recall@5": m["recall@5"], "mrr@10": m["mrr@10"]})
        print(rows[-1], flush=True)
    embedder.model = float_model
    base = rows[0]
    for row in rows:
        row["adoptable"] = abs(row["recall@5"] - base["recall@5"]) <= 0.005 and abs(row["mrr@10"] - base["mrr@10"]) <= 0.005
    result = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "questions": len(texts), "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "inference.json").write_text(json.dumps(result, indent=1))
    lines = [f"# Query-embedding variants ({result['date']}, dev split, {len(texts)} questions)", "",
             "| variant | embed p50 ms | embed p95 ms | recall@5 | MRR@10 | within 0.005 of float32 |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['variant']} | {r['embed_p50_ms']} | {r['embed_p95_ms']} | {r['recall@5']} | {r['mrr@10']} | "
              f"{'yes' if r['adoptable'] else 'no'} |" for r in rows]
    (RESULTS / "inference.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
