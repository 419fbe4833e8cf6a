"""Reading a corpus folder into documents, refusing what cannot be cited exactly."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from index_build.formats.record import ExtractionLimits, Heading, PageSpan
from verbatim.catalog import TEXT_SUFFIXES, document_id_for, load_catalog
from verbatim.errors import BadInputError

# what each extracted format is called where a document has no catalog kind
FORMAT_KINDS = {"pdf": "PDF", "html": "web page", "docx": "Word document", "epub": "EPUB"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    id: str
    file: str
    title: str
    author: str | None
    kind: str | None
    text: str
    sha256: str
    size: int  # bytes of the file
    lines: int  # 1-based number of the last line
    format: str = "text"  # "text" (read as it is), or the format it was extracted from: pdf, html, docx, epub
    pages: tuple[PageSpan, ...] = ()  # the file's own pages (PDF), offsets into ``text``
    headings: tuple[Heading, ...] = ()  # the file's own headings (PDF outline, HTML, DOCX, EPUB)
    origin: str = "corpus"  # "corpus": the corpus folder; "sources": the readers' own files (verbatim add)

    @property
    def chars(self) -> int:
        return len(self.text)


def line_count(text: str) -> int:
    """Lines as an editor numbers them: a final line without a newline still counts."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _title_from_text(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())[:120]
    return fallback


def read_document(path: Path, catalog_entry=None, limits: ExtractionLimits | None = None) -> Document:
    """Read one file; raise BadInputError naming the file and the reason."""
    data = path.read_bytes()
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return extracted_document(data, path.name, catalog_entry, limits or ExtractionLimits())
    if not data.strip():
        raise BadInputError(f"{path}: empty file")
    if b"\x00" in data:
        raise BadInputError(f"{path}: binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path}: not UTF-8 (byte {exc.start})") from exc
    if text.startswith("\ufeff"):
        raise BadInputError(f"{path}: starts with a byte-order mark; save it as UTF-8 without BOM")
    doc_id = catalog_entry.id if catalog_entry else document_id_for(path.name)
    title = (catalog_entry.title if catalog_entry else None) or _title_from_text(text, doc_id)
    return Document(
        id=doc_id,
        file=path.name,
        title=title,
        author=catalog_entry.author if catalog_entry else None,
        kind=catalog_entry.kind if catalog_entry else None,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        lines=line_count(text),
    )


def extracted_document(data: bytes, file_name: str, catalog_entry, limits: ExtractionLimits) -> Document:
    """A PDF, web page, Word file or EPUB: its extracted text is the document text."""
    from index_build.formats import extract

    found = extract(data, file_name, limits)
    doc_id = catalog_entry.id if catalog_entry else document_id_for(file_name)
    title = (catalog_entry.title if catalog_entry else None) or found.title or _title_from_text(found.text, doc_id)
    return Document(
        id=doc_id,
        file=file_name,
        title=title,
        author=(catalog_entry.author if catalog_entry else None) or found.author,
        kind=(catalog_entry.kind if catalog_entry else None) or FORMAT_KINDS.get(found.format),
        text=found.text,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        lines=line_count(found.text),
        format=found.format,
        pages=found.pages,
        headings=found.headings,
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    from index_build.formats import SUFFIXES

    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not p.name.upper().startswith("README")
        and not p.name.startswith(".")
    )


def read_corpus(corpus_dir: Path, skip_bad: bool = False, may_be_empty: bool = False) -> list[Document]:
    """Every document of the folder, in file-name order (``may_be_empty``: [] rather than an error)."""
    if not corpus_dir.is_dir():
        raise BadInputError(f"{corpus_dir}: corpus folder not found")
    paths = corpus_files(corpus_dir)
    if not paths and not may_be_empty:
        raise BadInputError(f"{corpus_dir}: no documents in the corpus folder (.txt, .md, .pdf, .html, .docx, .epub)")
    catalog = load_catalog(corpus_dir)
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            doc = read_document(path, catalog.get(path.name))
        except BadInputError as exc:
            if not skip_bad:
                raise
            log.warning("skipped %s", exc.message)
            continue
        if doc.id in seen:
            raise BadInputError(f"{path}: document id {doc.id!r} is also used by {seen[doc.id]}")
        seen[doc.id] = path.name
        docs.append(doc)
    if not docs and paths and not may_be_empty:
        raise BadInputError(f"{corpus_dir}: every file was skipped; nothing to index")
    return docs
