"""Reading a corpus folder into documents, refusing what cannot be cited exactly."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from verbatim.catalog import TEXT_SUFFIXES, document_id_for, load_catalog
from verbatim.errors import BadInputError

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


def read_document(path: Path, catalog_entry=None) -> Document:
    """Read one file; raise BadInputError naming the file and the reason."""
    data = path.read_bytes()
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


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.suffix in TEXT_SUFFIXES and not p.name.upper().startswith("README")
    )


def read_corpus(corpus_dir: Path, skip_bad: bool = False) -> list[Document]:
    """Every text document of the folder, in file-name order."""
    if not corpus_dir.is_dir():
        raise BadInputError(f"{corpus_dir}: corpus folder not found")
    paths = corpus_files(corpus_dir)
    if not paths:
        raise BadInputError(f"{corpus_dir}: no .txt or .md files in the corpus folder")
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
    if not docs:
        raise BadInputError(f"{corpus_dir}: every file was skipped; nothing to index")
    return docs
