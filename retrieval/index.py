"""A loaded, checked, read-only index: passages, vectors, FAISS, BM25 and the documents' raw text."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index_build import store
from index_build.corpus import read_document
from verbatim.catalog import load_catalog
from verbatim.errors import IndexUnavailableError


@dataclass(frozen=True)
class SourceDocument:
    record: store.DocumentRecord
    text: str


def _stored_text(folder: Path, record: store.DocumentRecord, shown: Path) -> str:
    """An extracted or added document's text, kept in the index and checked against its hash."""
    import hashlib

    path = folder / store.TEXTS / f"{record.id}.txt"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IndexUnavailableError(f"{shown}: the text of {record.id!r} is missing ({exc.strerror}); {store.FIX_HINT}") from None
    if hashlib.sha256(data).hexdigest() != record.text_sha256:
        raise IndexUnavailableError(f"{shown}: the text of {record.id!r} changed since the index was built; {store.FIX_HINT}")
    return data.decode("utf-8")


class LoadedIndex:
    def __init__(
        self,
        folder: Path,
        manifest: store.Manifest,
        documents: dict[str, SourceDocument],
        passages: list[store.PassageRecord],
        dense,
        bm25,
        sentences: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.documents = documents
        self.passages = passages
        self.dense = dense
        self.bm25 = bm25
        self.sentences = sentences
        self.sentence_vectors = sentence_vectors
        self.doc_ids = [p.doc_id for p in passages]
        vocab = getattr(bm25, "vocab_dict", None) or {}
        self.bm25_vocab: dict[str, int] = vocab
        # float32 for fast scoring of every sentence at query time (float16 on disk)
        self.sentence_matrix = np.asarray(sentence_vectors, dtype=np.float32)
        owners: list[list[int]] = [[] for _ in range(len(sentences))]
        for i, p in enumerate(passages):
            for row in range(p.sentence_first, p.sentence_last):
                owners[row].append(i)
        self.sentence_owners = owners

    def sentence_texts(self) -> list[str]:
        """Each sentence's raw text (the sentence table holds document order numbers and raw offsets)."""
        order = list(self.documents)
        return [self.documents[order[int(d)]].text[int(a) : int(b)] for d, a, b in self.sentences]

    @property
    def version(self) -> str:
        return self.manifest.build_id


def load_index(
    index_dir: Path,
    corpus_dir: Path,
    model_fingerprint: str | None,
    mmap: bool = True,
) -> LoadedIndex:
    """Load the published index and refuse one that no longer fits the corpus or the model.

    Every failure is an IndexUnavailableError whose message names the command that fixes it.
    """
    import bm25s
    import faiss

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG
    folder = index_dir.resolve()
    manifest = store.read_manifest(folder)
    if model_fingerprint and manifest.model.get("fingerprint") != model_fingerprint:
        raise IndexUnavailableError(
            f"{index_dir} was built with another embedding model ({manifest.model.get('name')}, "
            f"fingerprint {str(manifest.model.get('fingerprint'))[:12]}); {store.FIX_HINT}"
        )
    try:
        records = store.read_documents(folder)
        passages = store.read_passages(folder)
        flags = faiss.IO_FLAG_MMAP if mmap else 0
        dense = faiss.read_index(str(folder / store.DENSE), flags)
        bm25 = bm25s.BM25.load(str(folder / store.BM25_DIR), mmap=mmap)
        sentences = store.load_array(folder, store.SENTENCES, mmap)
        sentence_vectors = store.load_array(folder, store.SENTENCE_VECTORS, mmap)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexUnavailableError(f"{index_dir}: index incomplete or corrupt ({exc}); {store.FIX_HINT}") from exc
    if dense.ntotal != len(passages) or len(sentence_vectors) != len(sentences):
        raise IndexUnavailableError(f"{index_dir}: index files disagree on their sizes; {store.FIX_HINT}")

    catalog = load_catalog(corpus_dir)
    documents: dict[str, SourceDocument] = {}
    for record in records:
        if record.stored_text:
            documents[record.id] = SourceDocument(record, _stored_text(folder, record, index_dir))
            continue
        path = corpus_dir / record.file
        if not path.is_file():
            raise IndexUnavailableError(f"{path}: indexed document is missing from the corpus; {store.FIX_HINT}")
        doc = read_document(path, catalog.get(record.file))
        if doc.sha256 != record.sha256:
            raise IndexUnavailableError(f"{path} changed since the index was built; {store.FIX_HINT}")
        documents[record.id] = SourceDocument(record, doc.text)
    return LoadedIndex(folder, manifest, documents, passages, dense, bm25, sentences, sentence_vectors)
