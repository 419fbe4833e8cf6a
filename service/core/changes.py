"""Uploads and removals while serving: checked in the request, indexed by a job, swapped in when published.

The job embeds passages with the build's backend (torch under ``auto``), loaded on the first job and
kept, so an added document's vectors are the ones a full rebuild gives.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from embeddings.base import Embedder
from index_build.corpus import Document
from index_build.formats.record import ExtractionLimits
from index_build.library import Library
from index_build.updates import change_library
from service.core.config import Settings
from service.core.jobs import Job, JobRunner, Progress
from service.core.resources import ResourceHolder, load_published


class PassageEmbedder:
    """The embedder for passages, loaded once on first use (tests pass their own)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self._settings = settings
        self._embedder = embedder
        self._lock = threading.Lock()

    def get(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from embeddings.backends import load_embedder

                s = self._settings
                self._embedder = load_embedder(s.model_path, s.embedding_backend, s.cache_dir,
                                               batch_size=s.embed_batch_size, threads=s.threads)
            return self._embedder


def limits_of(settings: Settings) -> ExtractionLimits:
    return ExtractionLimits.for_files_up_to(settings.upload_max_bytes)


def library_of(settings: Settings) -> Library:
    return Library(settings.corpus_dir, settings.sources_dir)


def check_upload(settings: Settings, data: bytes, file_name: str) -> Document:
    """The upload read as the build will read it; a bad file raises its 4xx error here."""
    return library_of(settings).check(data, file_name, limits_of(settings))


def _work(settings: Settings, holder: ResourceHolder, embedder: PassageEmbedder,
          add: list[tuple[bytes, str]], remove: list[str]) -> Callable[[Job, Progress], tuple[str | None, str]]:
    def work(job: Job, progress: Progress) -> tuple[str | None, str]:
        summary = change_library(
            settings.index_dir, settings.corpus_dir, settings.sources_dir, embedder.get(),
            cache_dir=settings.cache_dir, add=add, remove=remove, limits=limits_of(settings), on_progress=progress,
        )
        progress("loading", 0, 0)
        current = holder.current
        if current is not None:
            holder.swap(load_published(current, settings))  # this worker at once; the others by their watchers
        document_id = summary.added[0].id if summary.added else (remove[0] if remove else None)
        return document_id, summary.build.build_id

    return work


def submit_upload(jobs: JobRunner, settings: Settings, holder: ResourceHolder, embedder: PassageEmbedder,
                  data: bytes, file_name: str, expected_id: str) -> Job:
    return jobs.submit("add", _work(settings, holder, embedder, [(data, file_name)], []),
                       file_name=file_name, document_id=expected_id)


def submit_removal(jobs: JobRunner, settings: Settings, holder: ResourceHolder, embedder: PassageEmbedder,
                   doc_id: str) -> Job:
    return jobs.submit("remove", _work(settings, holder, embedder, [], [doc_id]), document_id=doc_id)
