"""Index build throughput on the default corpus against the model's raw encode throughput, one run.

``python -m bench.build_throughput``: loads the model once, builds the index with no embedding cache
(every text embedded), then encodes exactly the same texts with ``SentenceTransformer.encode``.
The ratio (raw seconds / build seconds) is the share of the build that is the model's own work;
the target is >= 0.9. Results go to bench/results/build.json and .md.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from embeddings.sentence_transformer import SentenceTransformerEmbedder
from index_build.build import BuildOptions, build_index
from index_build.store import read_passages
from service.core.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"


class CountingEmbedder:
    """Wraps the real embedder and records every text it embeds."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
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
    embedder = CountingEmbedder(SentenceTransformerEmbedder())
    embedder.inner.embed_batch(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        summary = build_index(PROJECT_ROOT / "corpus", Path(tmp) / "index", embedder, BuildOptions(show_progress=False))
        build_seconds = time.perf_counter() - began
        passages = len(read_passages(Path(tmp) / "index"))
    texts = embedder.texts
    began = time.perf_counter()
    embedder.inner.model.encode(texts, batch_size=embedder.inner.batch_size, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False)
    raw_seconds = time.perf_counter() - began
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "documents": summary.documents,
        "passages": passages,
        "sentences": summary.sentences,
        "texts_embedded": len(texts),
        "build_seconds": round(build_seconds, 1),
        "embedding_seconds_inside_build": round(embedder.seconds, 1),
        "raw_encode_seconds_same_texts": round(raw_seconds, 1),
        "build_texts_per_second": round(len(texts) / build_seconds, 1),
        "raw_texts_per_second": round(len(texts) / raw_seconds, 1),
        "passages_per_second": round(passages / build_seconds, 1),
        "ratio_build_to_raw_throughput": round(raw_seconds / build_seconds, 3),
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
