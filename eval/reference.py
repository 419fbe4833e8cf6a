"""The tutorial pipeline Verbatim is measured against: fixed 1,000-character chunks with 200
characters of overlap over the raw text, the same model, FAISS flat, no BM25, no abstention."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embeddings.base import Embedder
from embeddings.cache import EmbeddingCache, embed_with_cache
from eval.metrics import Returned
from retrieval.index import LoadedIndex

CHUNK_CHARS = 1000
OVERLAP_CHARS = 200


def fixed_chunks(doc_id: str, text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[Returned]:
    step = size - overlap
    out = []
    for start in range(0, max(1, len(text) - overlap), step):
        out.append(Returned(doc_id, start, min(len(text), start + size)))
    return out


class ReferencePipeline:
    def __init__(self, index: LoadedIndex, embedder: Embedder, cache_dir: Path | None) -> None:
        import faiss

        self.docs = {doc_id: d.text for doc_id, d in index.documents.items()}
        self.chunks = [c for doc_id, text in self.docs.items() for c in fixed_chunks(doc_id, text)]
        texts = [self.docs[c.doc_id][c.start : c.end] for c in self.chunks]
        cache = EmbeddingCache(cache_dir / f"{embedder.fingerprint[:16]}.sqlite", embedder.dimension) if cache_dir else None
        vectors, _ = embed_with_cache(embedder, texts, cache)
        if cache:
            cache.close()
        self.index = faiss.IndexFlatIP(embedder.dimension)
        self.index.add(vectors)
        self.embedder = embedder

    def search(self, question: str, k: int) -> tuple[list[Returned], bool, list[str], None]:
        query = self.embedder.embed_batch([question])
        _, ids = self.index.search(np.asarray(query, dtype=np.float32), k)
        returned = [self.chunks[i] for i in ids[0] if i >= 0]
        return returned, True, [self.docs[r.doc_id][r.start : r.end] for r in returned], None
