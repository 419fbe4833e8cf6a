"""What the app loads once at startup and shares read-only: index, embedder, retriever."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from embeddings.base import Embedder
from retrieval.index import LoadedIndex, load_index
from retrieval.quotation import QuoteChecker
from retrieval.search import RetrievalConfig, Retriever
from service.core.config import Settings


@dataclass(frozen=True)
class Resources:
    index: LoadedIndex
    embedder: Embedder
    retriever: Retriever
    quotes: QuoteChecker


def retrieval_config(settings: Settings) -> RetrievalConfig:
    return RetrievalConfig(
        fusion=settings.fusion,
        rrf_k=settings.rrf_k,
        dense_weight=settings.dense_weight,
        sentence_weight=settings.sentence_weight,
        bm25_weight=settings.bm25_weight,
        candidates=settings.candidates,
        abstain_threshold=settings.abstain_threshold,
        rerank=settings.rerank,
        calibrated_abstention=settings.calibrated_abstention,
    )


def assemble(index: LoadedIndex, embedder: Embedder, settings: Settings) -> Resources:
    quotes = QuoteChecker(index, threshold=settings.quote_threshold, max_chars=settings.max_quote_chars)
    quotes.warm()  # fold every document's text now, not in the first reader's request
    return Resources(index, embedder, Retriever(index, embedder, retrieval_config(settings)), quotes)


def load_resources(settings: Settings, embedder: Embedder | None = None) -> Resources:
    import faiss

    # one query at a time is fastest on one thread: a second one only contends with the others
    faiss.omp_set_num_threads(1)
    if embedder is None:
        from embeddings.sentence_transformer import SentenceTransformerEmbedder

        # a short question gains nothing from a second torch thread (bench/results/inference.md), so
        # each core encodes its own question instead
        cores = os.cpu_count() or 1
        embedder = SentenceTransformerEmbedder(settings.model_path, threads=settings.threads or 1, parallel=cores)
    index = load_index(settings.index_dir, settings.corpus_dir, embedder.fingerprint, mmap=settings.mmap_index)
    return assemble(index, embedder, settings)


class ResourceHolder:
    """The current resources; a reload swaps them in one assignment, so a request sees one index."""

    def __init__(self, resources: Resources | None = None) -> None:
        self._resources = resources
        self.lock = asyncio.Lock()  # one reload at a time

    @property
    def current(self) -> Resources | None:
        return self._resources

    def swap(self, resources: Resources) -> None:
        self._resources = resources
