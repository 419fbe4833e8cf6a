"""Index build throughput on the default corpus against the model's raw encode throughput, one run.

``python -m bench.build_throughput``: builds the index with no embedding cache (every text embedded)
on the configured backend (``VERBATIM_EMBEDDING_BACKEND``, ONNX Runtime by default), then encodes
exactly the same texts with torch's ``SentenceTransformer.encode``, which is what the build ran
before the ONNX backend (its build was 0.975 of that raw encode). ``speedup_over_torch_encode``
(torch seconds / build seconds) is the build's gain; the target is >= 1.5.
Results go to bench/results/build.json and .md.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from embeddings.backends import load_embedder
from embeddings.base import Embedder
from embeddings.sentence_transformer import SentenceTransformerEmbedder
from index_build.build import BuildOptions, build_index
from index_build.store import read_passages
from service.core.config import PROJECT_ROOT, get_settings

RESULTS = PROJECT_ROOT / "bench" / "results"


class CountingEmbedder:
    """Wraps the real embedder and records every text it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dimension, self.max_tokens = inner.name, inner.dimension, inner.max_tokens
        self.fingerprint, self.weights_sha256 = inner.fingerprint, inner.weights_sha256
        self.texts: list[str] = []
        self.seconds = 0.0

    def embed_batch(self, texts: list[str]):
        self.texts.extend(texts)
        began = time.perf_counter()
        out = self.inner.embed_batch(texts)
        self.seconds += time.perf_counter() - began
        return out

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)


def main() -> None:
    settings = get_settings()
    inner = load_embedder(settings.model_path, settings.embedding_backend, settings.cache_dir,
                          batch_size=settings.embed_batch_size, threads=settings.threads)
    embedder = CountingEmbedder(inner)
    embedder.inner.embed_batch(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        summary = build_index(PROJECT_ROOT / "corpus", Path(tmp) / "index", embedder, BuildOptions(show_progress=False))
        build_seconds = time.perf_counter() - began
        passages = len(read_passages(Path(tmp) / "index"))
    texts = embedder.texts
    torch_model = SentenceTransformerEmbedder(settings.model_path, threads=settings.threads).model
    torch_model.encode(["warm up"])
    began = time.perf_counter()
    torch_model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True,
                       convert_to_numpy=True, show_progress_bar=False)
    raw_seconds = time.perf_counter() - began
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "backend": type(inner).__name__,
        "documents": summary.documents,
        "passages": passages,
        "sentences": summary.sentences,
        "texts_embedded": len(texts),
        "build_seconds": round(build_seconds, 1),
        "embedding_seconds_inside_build": round(embedder.seconds, 1),
        "torch_encode_seconds_same_texts": round(raw_seconds, 1),
        "build_texts_per_second": round(len(texts) / build_seconds, 1),
        "torch_encode_texts_per_second": round(len(texts) / raw_seconds, 1),
        "passages_per_second": round(passages / build_seconds, 1),
        "speedup_over_torch_encode": round(raw_seconds / build_seconds, 3),
        "passage_tokens": summary.token_sizes,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "build.json").write_text(json.dumps(result, indent=1))
    lines = [f"# Index build throughput ({result['date']}, {result['machine']})", ""]
    lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in result.items() if k not in ("date", "machine")]
    (RESULTS / "build.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
