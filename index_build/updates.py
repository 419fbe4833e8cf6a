"""Adding and removing documents of a published index: the library changed, the index rebuilt from
the embedding cache (only the new texts are embedded), a new version published atomically.

BM25's statistics are corpus-wide (a new document changes every term's IDF), so every structure is
derived again from the documents (seconds); the costly part, embedding, is done only for texts the
cache has not seen, which are the new document's: the line joins of hard-wrapped text use the corpus
folder's vocabulary (plus, for an added document, its own words), so no other document's text
changes. A full rebuild of the same library therefore gives the same passages, vectors and ids. One change at a
time: a lock file next to the index serialises ``verbatim add``, ``verbatim remove`` and uploads.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from embeddings.base import Embedder
from index_build import store
from index_build.build import BuildOptions, BuildSummary, build_index
from index_build.chunking import ChunkParams
from index_build.corpus import Document
from index_build.formats.record import ExtractionLimits
from index_build.library import Library
from verbatim.errors import BadInputError, IndexUnavailableError


@dataclass(frozen=True)
class UpdateSummary:
    build: BuildSummary
    added: list[Document]
    removed: list[str]

    def lines(self) -> list[str]:
        said = [f"added {d.id!r}: {d.title} ({describe(d)})" for d in self.added]
        said += [f"removed {doc_id!r}" for doc_id in self.removed]
        return said + self.build.lines()


def describe(doc: Document) -> str:
    pages = f", {len(doc.pages)} pages" if doc.pages else ""
    return f"{doc.kind or doc.format}{pages}, {doc.chars:,} characters"


def options_of(manifest: store.Manifest, show_progress: bool) -> BuildOptions:
    """The options the published index was built with: a change keeps them, whatever today's settings."""
    chunking, index = manifest.chunking, manifest.index
    return BuildOptions(
        chunk=ChunkParams(target_tokens=chunking["target_tokens"], overlap_tokens=chunking["overlap_tokens"]),
        faiss_factory=index.get("faiss_factory", "auto"),
        contextual_headers=chunking.get("contextual_headers", True),
        bm25_ngrams=index.get("bm25_ngrams", True),
        skip_bad=manifest.corpus.get("skip_bad", False),
        show_progress=show_progress,
    )


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """One change of this index at a time, across processes."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with (index_dir.parent / f".{index_dir.name}.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def change_library(
    index_dir: Path,
    corpus_dir: Path,
    sources_dir: Path,
    embedder: Embedder,
    *,
    cache_dir: Path | None,
    add: list[tuple[bytes, str]] = (),  # (file content, file name as the reader named it)
    remove: list[str] = (),
    limits: ExtractionLimits | None = None,
    show_progress: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> UpdateSummary:
    """Add files and remove document ids, then publish the new index; on any failure nothing changes."""
    if not add and not remove:
        raise BadInputError("nothing to add or remove")
    with index_lock(index_dir):
        manifest = store.read_manifest(index_dir)
        if manifest.model.get("fingerprint") != embedder.fingerprint:
            raise IndexUnavailableError(
                f"{index_dir} was built with another embedding model ({manifest.model.get('name')}); "
                f"add with that model, or rebuild with `verbatim index`")
        library = Library(corpus_dir, sources_dir)
        undos = []
        added: list[Document] = []
        try:
            for data, name in add:
                doc, undo = library.add(data, name, limits or ExtractionLimits())
                undos.append(undo)
                added.append(doc)
            for doc_id in remove:
                undos.append(library.remove(doc_id))
            summary = build_index(corpus_dir, index_dir, embedder, options_of(manifest, show_progress),
                                  cache_dir=cache_dir, sources_dir=sources_dir, on_progress=on_progress)
        except BaseException:
            for undo in reversed(undos):
                undo()
            raise
    return UpdateSummary(summary, added, list(remove))
