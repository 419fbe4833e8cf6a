"""Faster CPU inference for the same bundled model: runtimes, thread counts and int8 quantisation.

``python -m bench.inference``: for each variant, the query-embedding latency over the dev questions
(one question a call) and retrieval accuracy on the dev files (recall@5, MRR@10) with that variant
embedding the questions (the index keeps its float32 passage vectors). A variant is adoptable when
both stay within 0.005 of the float32 torch model. Variants: sentence-transformers on torch, float32
and int8 dynamic; ONNX Runtime on the graph exported from the same weights (the service's default),
float32 and int8 dynamic (per channel, every matrix product or the feed-forward ones only).
Results: bench/results/inference.json and .md.
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from embeddings.base import Embedder
from embeddings.onnx_runtime import OnnxEmbedder
from embeddings.sentence_transformer import SentenceTransformerEmbedder
from eval.dataset import load_questions
from eval.harness import QUESTIONS_DIR, run_questions, summarize
from eval.metrics import Returned, percentile
from service.core.config import PROJECT_ROOT, get_settings
from service.core.resources import load_resources

RESULTS = PROJECT_ROOT / "bench" / "results"
DEV_FILES = ("dev.jsonl", "dev-readers.jsonl", "dev-hard.jsonl")


def torch_variants() -> list[tuple[str, Embedder]]:
    import torch

    out: list[tuple[str, Embedder]] = []
    for threads in (2, 1):
        out.append((f"torch float32, {threads} thread(s)", SentenceTransformerEmbedder(threads=threads)))
    int8 = SentenceTransformerEmbedder(threads=1)
    int8.model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(int8.model), {torch.nn.Linear},
                                                        dtype=torch.qint8)
    out.append(("torch int8 dynamic, 1 thread", int8))
    return out


def onnx_variants(cache_dir: Path, folder: Path) -> list[tuple[str, Embedder]]:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out: list[tuple[str, Embedder]] = [(f"ONNX float32, {t} thread(s)", OnnxEmbedder(cache_dir=cache_dir, threads=t))
                                       for t in (2, 1)]
    exported = out[0][1].graph
    every = folder / "int8-every-product.onnx"
    quantize_dynamic(str(exported), str(every), weight_type=QuantType.QInt8, per_channel=True)
    products = sum(n.op_type == "MatMul" for n in onnx.load(str(exported)).graph.node)
    out.append((f"ONNX int8 dynamic per channel, all {products} products, 1 thread",
                OnnxEmbedder(cache_dir=cache_dir, threads=1, graph=every)))
    out.append(("ONNX int8 dynamic per channel, feed-forward products only, 1 thread (the service's questions)",
                OnnxEmbedder(cache_dir=cache_dir, threads=1, precision="int8")))
    return out


def main() -> None:
    settings = get_settings()
    retriever = load_resources(settings).retriever
    questions = load_questions([QUESTIONS_DIR / f for f in DEV_FILES])
    texts = [q.question for q in questions]

    def search(question: str, k: int):
        result = retriever.search(question, k)
        return ([Returned(h.passage.doc_id, h.passage.start, h.passage.end) for h in result.hits],
                result.supported, [""] * len(result.hits), result.support_score)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, embedder in torch_variants() + onnx_variants(settings.cache_dir, Path(tmp)):
            retriever.embedder = embedder
            for t in texts[:10]:
                embedder.embed_batch([t])
            times = []
            for t in texts:
                began = time.perf_counter()
                embedder.embed_batch([t])
                times.append((time.perf_counter() - began) * 1000)
            m = summarize(run_questions(search, questions, 10))
            rows.append({"variant": name, "embed_p50_ms": round(percentile(times, 50), 2),
                         "embed_p95_ms": round(percentile(times, 95), 2), "recall@5": m["recall@5"],
                         "mrr@10": m["mrr@10"]})
            print(rows[-1], flush=True)
    base = rows[0]
    for row in rows:
        row["adoptable"] = (abs(row["recall@5"] - base["recall@5"]) <= 0.005
                            and abs(row["mrr@10"] - base["mrr@10"]) <= 0.005)
    result = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "questions": len(texts), "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "inference.json").write_text(json.dumps(result, indent=1))
    lines = [f"# Query-embedding variants ({result['date']}, the three dev files, {len(texts)} questions)", "",
             "| variant | embed p50 ms | embed p95 ms | recall@5 | MRR@10 | within 0.005 of torch float32 |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['variant']} | {r['embed_p50_ms']} | {r['embed_p95_ms']} | {r['recall@5']} | {r['mrr@10']} | "
              f"{'yes' if r['adoptable'] else 'no'} |" for r in rows]
    (RESULTS / "inference.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
