"""The index folder: what it holds, how it is written atomically, and how it is loaded and checked.

A build is written to ``<index_dir>.builds/<build id>/`` and published by atomically pointing the
``<index_dir>`` symlink at it, so a crash mid-build leaves the previous index intact and loadable.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from verbatim.errors import IndexUnavailableError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.json"
PASSAGES = "passages.jsonl"
PASSAGE_VECTORS = "passage_vectors.npy"
SENTENCES = "sentences.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
DENSE = "dense.faiss"
BM25_DIR = "bm25"
TEXTS = "texts"  # the document text of each extracted or added document, <id>.txt
KEEP_OLD_BUILDS = 2
FIX_HINT = "run `verbatim index` (or `make run`) to build it"


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    file: str
    title: str
    author: str | None
    kind: str | None
    sha256: str
    size: int
    chars: int
    lines: int
    format: str = "text"  # the file's format: text, pdf, html, docx, epub
    origin: str = "corpus"  # corpus folder, or the sources folder (verbatim add, uploads)
    stored_text: bool = False  # the text is kept in the index (texts/<id>.txt), checked by text_sha256
    text_sha256: str | None = None  # of the document text (UTF-8); sha256 is the file's
    pages: list[list[Any]] = field(default_factory=list)  # [number, label, start, end] of each page (PDF)


def document_record(doc, stored_text: bool) -> DocumentRecord:
    """The index's record of a ``corpus.Document``."""
    import hashlib

    return DocumentRecord(
        id=doc.id, file=doc.file, title=doc.title, author=doc.author, kind=doc.kind,
        sha256=doc.sha256, size=doc.size, chars=doc.chars, lines=doc.lines,
        format=doc.format, origin=doc.origin, stored_text=stored_text,
        text_sha256=hashlib.sha256(doc.text.encode("utf-8")).hexdigest() if stored_text else None,
        pages=[[p.number, p.label, p.start, p.end] for p in doc.pages],
    )


@dataclass(frozen=True)
class PassageRecord:
    id: str
    doc_id: str
    start: int  # raw character offsets, end exclusive
    end: int
    line_start: int  # 1-based, inclusive
    line_end: int
    section: str | None
    attribution: str | None
    page: int | None
    page_end: int | None
    tokens: int  # tiktoken cl100k tokens of the normalised text
    sentence_first: int  # rows [first, last) of the sentence table
    sentence_last: int
    text: str  # normalised text: what BM25 indexes (the cited text is the raw span)
    embedded: str = field(default="", compare=False)  # header + text, what the model saw; not stored
    page_label: str | None = None  # the file's label of ``page`` (a PDF's /PageLabels), when it defines one
    page_end_label: str | None = None


@dataclass(frozen=True)
class Manifest:
    format_version: int
    build_id: str
    built_at: str
    model: dict[str, Any]
    chunking: dict[str, Any]
    index: dict[str, Any]
    corpus: dict[str, Any]
    counts: dict[str, int]
    versions: dict[str, str]


def passage_to_json(p: PassageRecord) -> str:
    row = asdict(p)
    row.pop("embedded")
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def write_build(
    index_dir: Path,
    write_contents,
    build_id: str,
) -> Path:
    """Write a build with ``write_contents(folder)`` and publish it; return the build folder.

    ``write_contents`` fills a fresh temporary folder; only a complete folder is ever published.
    """
    builds = index_dir.parent / f"{index_dir.name}.builds"
    builds.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    tmp.chmod(0o755)
    try:
        write_contents(tmp)
        final = builds / build_id
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    publish(index_dir, final)
    _prune(builds, keep={final.name, *_current_target_names(index_dir)})
    return final


def publish(index_dir: Path, build: Path) -> None:
    """Point ``index_dir`` at ``build`` in one atomic rename."""
    link_tmp = index_dir.parent / f".{index_dir.name}.link-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(os.path.relpath(build, index_dir.parent))
    if index_dir.exists() and not index_dir.is_symlink():
        # an index folder from elsewhere: move it aside once, then switch to the symlink layout
        index_dir.rename(index_dir.parent / f"{index_dir.name}.builds" / f"moved-{os.getpid()}")
    os.replace(link_tmp, index_dir)


def _current_target_names(index_dir: Path) -> set[str]:
    return {index_dir.resolve().name} if index_dir.is_symlink() else set()


def _prune(builds: Path, keep: set[str]) -> None:
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    old = [p for p in done if p.name not in keep]
    for path in old[: max(0, len(old) - KEEP_OLD_BUILDS)]:
        shutil.rmtree(path, ignore_errors=True)


def read_manifest(index_dir: Path) -> Manifest:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexUnavailableError(f"no index at {index_dir}: {FIX_HINT}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise IndexUnavailableError(f"{path}: unreadable manifest ({exc}); {FIX_HINT}") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexUnavailableError(
            f"{index_dir}: index format {manifest.format_version}, this version reads {FORMAT_VERSION}; {FIX_HINT}"
        )
    return manifest


def read_documents(index_dir: Path) -> list[DocumentRecord]:
    rows = json.loads((index_dir / DOCUMENTS).read_text(encoding="utf-8"))
    return [DocumentRecord(**row) for row in rows]


def read_passages(index_dir: Path) -> list[PassageRecord]:
    with (index_dir / PASSAGES).open(encoding="utf-8") as fh:
        return [PassageRecord(**json.loads(line)) for line in fh if line.strip()]


def load_array(index_dir: Path, name: str, mmap: bool) -> np.ndarray:
    return np.load(index_dir / name, mmap_mode="r" if mmap else None)
