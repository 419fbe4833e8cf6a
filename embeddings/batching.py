"""Micro-batching: questions that arrive together are embedded in one call of the model.

Each caller's ``embed_batch`` waits on its own future. A few collector threads (one a core) take
work from one queue: a collector that finds the queue with a single question and no other encode
running embeds it at once (a lone question is never held back); while another encode runs, it
waits up to ``max_wait_ms`` for more questions, up to ``max_batch`` texts. Results go back to
their own callers in any order; if a batched call fails, its questions are retried one by one, so
an error in one question fails only that question.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from embeddings.base import Embedder


@dataclass
class _Request:
    texts: list[str]
    future: Future = field(default_factory=Future)


@dataclass(frozen=True)
class BatchStats:
    calls: int  # encodes run
    texts: int  # texts embedded
    largest: int  # most texts in one encode


class MicroBatcher:
    """An ``Embedder`` that gathers concurrent calls into batches for the ``inner`` one."""

    def __init__(self, inner: Embedder, max_wait_ms: float = 2.0, max_batch: int = 32, workers: int = 1) -> None:
        self.inner = inner
        self.name, self.dimension, self.max_tokens = inner.name, inner.dimension, inner.max_tokens
        self.fingerprint = inner.fingerprint
        self.weights_sha256 = getattr(inner, "weights_sha256", None)
        self.max_wait = max(0.0, max_wait_ms) / 1000
        self.max_batch = max(1, max_batch)
        self._pending: deque[_Request] = deque()
        self._ready = threading.Condition()  # guards _pending, _running and the counts
        self._running = 0  # encodes in progress
        self._calls = self._texts = self._largest = 0
        for n in range(max(1, workers)):
            threading.Thread(target=self._collect, name=f"embed-batch-{n}", daemon=True).start()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) >= self.max_batch:  # already a batch (a build, an evaluation): no gathering
            return self.inner.embed_batch(texts)
        return self.submit(texts).result()

    def submit(self, texts: list[str]) -> Future:
        """Queue ``texts``; the future's result is their vectors (an async caller awaits it, holding no thread)."""
        request = _Request(list(texts))
        with self._ready:
            self._pending.append(request)
            self._ready.notify_all()
        return request.future

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def stats(self) -> BatchStats:
        with self._ready:
            return BatchStats(self._calls, self._texts, self._largest)

    def _collect(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
                batch = [self._pending.popleft()]
                size = len(batch[0].texts)
                # what is already queued joins at once; more is awaited only while another encode runs
                deadline = time.monotonic() + (self.max_wait if self._running else 0.0)
                self._running += 1
                while size < self.max_batch:
                    if self._pending:
                        if size + len(self._pending[0].texts) > self.max_batch:
                            break  # it does not fit: the next batch starts with it
                        batch.append(self._pending.popleft())
                        size += len(batch[-1].texts)
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._ready.wait(remaining)
            try:
                self._run(batch, size)
            finally:
                with self._ready:
                    self._running -= 1

    def _run(self, batch: list[_Request], size: int) -> None:
        try:
            vectors = self.inner.embed_batch([t for r in batch for t in r.texts])
        except Exception:  # noqa: BLE001 - one bad text must not fail the others: retry them one by one
            for request in batch:
                self._run_alone(request)
            return
        with self._ready:
            self._calls += 1
            self._texts += size
            self._largest = max(self._largest, size)
        row = 0
        for request in batch:
            request.future.set_result(vectors[row : row + len(request.texts)])
            row += len(request.texts)

    def _run_alone(self, request: _Request) -> None:
        try:
            request.future.set_result(self.inner.embed_batch(request.texts))
        except Exception as exc:  # noqa: BLE001 - the caller's own error, raised in its thread
            request.future.set_exception(exc)
