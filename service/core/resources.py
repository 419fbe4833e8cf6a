"""What the app loads once at startup and shares read-only: index, embedder, retriever."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from embeddings.backends import load_embedder
from embeddings.base import Embedder
from embeddings.batching import MicroBatcher
from retrieval.index import LoadedIndex, load_index
from retrieval.quotation import QuoteChecker
from retrieval.search import RetrievalConfig, Retriever
from service.core.config import Settings
from verbatim.errors import VerbatimError

log = logging.getLogger("verbatim")

# Retrieval after the embedding runs here: a few threads, not one for each of dozens of concurrent
# questions contending for the interpreter (the event loop among them). Shared across reloads.
SEARCH_POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="search")


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
    from threadpoolctl import threadpool_limits

    # one query at a time is fastest on one thread: a second one only contends with the others.
    # For BLAS it is not only speed: with its own threads for each of 32 concurrent questions'
    # small products, the server answered 29 questions/s instead of 155 (bench/results/query.md)
    faiss.omp_set_num_threads(1)
    threadpool_limits(1, user_api="blas")
    if embedder is None:
        # a short question gains nothing from a second thread (bench/results/inference.md), so each
        # core encodes its own batch of questions instead
        cores = os.cpu_count() or 1
        model = load_embedder(settings.model_path, settings.embedding_backend, settings.cache_dir,
                              threads=settings.threads or 1, parallel=cores, precision=settings.query_precision,
                              questions=True)
        embedder = MicroBatcher(model, settings.batch_wait_ms, settings.batch_max, workers=cores)
    index = load_index(settings.index_dir, settings.corpus_dir, embedder.fingerprint, mmap=settings.mmap_index)
    return assemble(index, embedder, settings)


def load_published(current: Resources, settings: Settings) -> Resources:
    """The index published now, with the current embedder; raises IndexUnavailableError if it cannot serve."""
    index = load_index(settings.index_dir, settings.corpus_dir, current.embedder.fingerprint, settings.mmap_index)
    return assemble(index, current.embedder, settings)


class ResourceHolder:
    """The current resources; a reload swaps them in one assignment, so a request sees one index."""

    def __init__(self, resources: Resources | None = None) -> None:
        self._resources = resources
        self.lock = asyncio.Lock()  # one reload at a time
        self._refused: Path | None = None  # a published build that failed to load: not retried until it changes

    @property
    def current(self) -> Resources | None:
        return self._resources

    def swap(self, resources: Resources) -> None:
        self._resources = resources

    async def follow_published(self, settings: Settings) -> bool:
        """Swap to the published build if it is not the one serving; True when it swapped.

        Every worker process runs this on a timer (``VERBATIM_INDEX_WATCH_SECONDS``), so a build
        published by ``verbatim index``/``add``/``remove``, an upload or another worker's reload
        reaches all of them; the old index serves until the new one is loaded whole.
        """
        from starlette.concurrency import run_in_threadpool

        current = self._resources
        if current is None:
            return False
        try:
            target = settings.index_dir.resolve()  # the build folder the symlink points at now
        except OSError:
            return False
        if target == current.index.folder or target == self._refused:
            return False
        async with self.lock:
            current = self._resources
            if current is None or target == current.index.folder:
                return False
            try:
                fresh = await run_in_threadpool(load_published, current, settings)
            except VerbatimError as exc:
                self._refused = target
                log.warning("published index %s refused, %s keeps serving: %s", target.name,
                            current.index.version, exc.message)
                return False
            self.swap(fresh)
            log.info("index %s loaded (published build changed)", fresh.index.version)
            return True

    async def watch(self, settings: Settings) -> None:
        """Follow the published build every ``index_watch_seconds`` until cancelled."""
        while True:
            await asyncio.sleep(settings.index_watch_seconds)
            try:
                await self.follow_published(settings)
            except Exception:  # the watcher must outlive any one failed check
                log.exception("checking the published index failed")
