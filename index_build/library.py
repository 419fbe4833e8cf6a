"""What the index is built from: the corpus folder, plus the readers' own files in the sources folder.

The corpus folder is read as it is and never written (the default corpus is shipped byte for byte).
``verbatim add`` and uploads copy a file into the sources folder under a safe name made from its id;
``verbatim remove`` deletes it there, or, for a document of the corpus folder, lists its id in
``removed.json`` of the sources folder so builds leave it out. Every change can be undone, so a
failed build leaves the library as the published index saw it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from index_build.corpus import Document, corpus_files, read_corpus, read_document
from index_build.formats.record import ExtractionLimits
from verbatim.catalog import CATALOG_FILE, CatalogEntry, document_id_for, load_catalog
from verbatim.errors import BadInputError, DuplicateDocumentError, NotFoundError

REMOVED_FILE = "removed.json"
MAX_ID_CHARS = 60
Undo = Callable[[], None]


def safe_id(file_name: str) -> str:
    """An id from an uploaded file's name: its last path part, lower-case letters, digits and dashes."""
    base = re.split(r"[\\/]", file_name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()  # "Café" -> "cafe"
    slug = "-".join(re.findall(r"[a-z0-9]+", folded))[:MAX_ID_CHARS].strip("-")
    return slug or "document"


def shown_name(file_name: str) -> str:
    """How a reader's file is named in messages: its last path part, never a server path."""
    return re.split(r"[\\/]", file_name)[-1].replace("\x00", "") or "the file"


def safe_suffix(file_name: str) -> str:
    base = re.split(r"[\\/]", file_name)[-1]
    suffix = re.sub(r"[^a-z0-9]", "", base.rsplit(".", 1)[1].lower()) if "." in base.strip(".") else ""
    return f".{suffix}" if suffix else ""


@dataclass(frozen=True)
class Library:
    corpus_dir: Path
    sources_dir: Path | None = None

    def _removed(self) -> list[str]:
        path = self.sources_dir / REMOVED_FILE if self.sources_dir else None
        if not path or not path.is_file():
            return []
        try:
            return list(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise BadInputError(f"{path}: not a JSON list of document ids ({exc})") from exc

    def _sources(self, skip_bad: bool) -> list[Document]:
        if not self.sources_dir or not self.sources_dir.is_dir():
            return []
        docs = read_corpus(self.sources_dir, skip_bad=skip_bad, may_be_empty=True)
        return [replace(d, origin="sources") for d in docs]

    def files(self) -> dict[str, tuple[Path, str]]:
        """Each document's id, file and file hash, without reading it as a document (cheap)."""
        removed = set(self._removed())
        found: dict[str, tuple[Path, str]] = {}
        for folder in (self.corpus_dir, self.sources_dir):
            if folder is None or not folder.is_dir():
                continue
            catalog = load_catalog(folder)
            for path in corpus_files(folder):
                entry = catalog.get(path.name)
                doc_id = entry.id if entry else document_id_for(path.name)
                if folder == self.corpus_dir and doc_id in removed:
                    continue
                found[doc_id] = (path, hashlib.sha256(path.read_bytes()).hexdigest())
        return found

    def documents(self, skip_bad: bool = False) -> list[Document]:
        """The corpus folder's documents (less the removed ones), then the sources folder's."""
        removed = set(self._removed())
        corpus = [d for d in read_corpus(self.corpus_dir, skip_bad=skip_bad) if d.id not in removed]
        docs = corpus + self._sources(skip_bad)
        seen: dict[str, str] = {}
        for doc in docs:
            if doc.id in seen:
                raise BadInputError(f"document id {doc.id!r} is used by two files: {seen[doc.id]} and {doc.file}")
            seen[doc.id] = doc.file
        if not docs:
            raise BadInputError("every document was removed; nothing to index (add one first)")
        return docs

    def check(self, data: bytes, file_name: str, limits: ExtractionLimits) -> Document:
        """``data`` read as a build would read it, under the id it would get; nothing is kept.

        Only the last part of ``file_name`` is used, and only to make the id: what ``add`` writes is
        ``<sources>/<id><suffix>``, whatever the name holds (``../``, backslashes, NUL bytes).
        """
        sources = self._sources_dir_or_refuse()
        shown = shown_name(file_name)
        digest = hashlib.sha256(data).hexdigest()
        current = self.files()
        for other_id, (_, other_hash) in current.items():
            if other_hash == digest:
                raise DuplicateDocumentError(
                    f"{shown} is the same file as document {other_id!r}; it is already in the index")
        taken = set(current) | set(self._removed())
        base = safe_id(file_name)
        doc_id, n = base, 1
        while doc_id in taken:
            n += 1
            doc_id = f"{base}-{n}"
        stored = f"{doc_id}{safe_suffix(file_name)}"
        sources.mkdir(parents=True, exist_ok=True)
        probe = sources / f".probe-{os.getpid()}-{threading.get_ident()}-{stored}"
        probe.write_bytes(data)
        try:
            doc = read_document(probe, CatalogEntry(id=doc_id, file=stored), limits)
        except BadInputError as exc:
            raise type(exc)(exc.message.replace(str(probe), shown).replace(probe.name, shown)) from None
        finally:
            probe.unlink(missing_ok=True)
        title = doc.title if doc.title != doc_id else shown
        return replace(doc, file=stored, title=title, origin="sources")

    def add(self, data: bytes, file_name: str, limits: ExtractionLimits) -> tuple[Document, Undo]:
        """Check ``data`` as a document and copy it into the sources folder; return it and how to undo it."""
        doc = self.check(data, file_name, limits)
        sources = self._sources_dir_or_refuse()
        catalog_before = self._read_catalog_text()
        entries = load_catalog(sources)
        entries[doc.file] = CatalogEntry(id=doc.id, file=doc.file, title=doc.title, author=doc.author, kind=doc.kind)
        target = sources / doc.file
        _write_atomically(target, data)
        self._write_catalog(entries)

        def undo() -> None:
            target.unlink(missing_ok=True)
            self._restore_catalog(catalog_before)

        return doc, undo

    def remove(self, doc_id: str) -> Undo:
        """Leave ``doc_id`` out of the next build; return how to undo it."""
        docs = self.files()
        if doc_id not in docs:
            raise NotFoundError(f"no document {doc_id!r}; known ids: {', '.join(sorted(docs))}")
        if len(docs) == 1:
            raise BadInputError(f"{doc_id!r} is the last document; an index needs at least one")
        sources = self._sources_dir_or_refuse()
        path = docs[doc_id][0]
        if path.parent == sources:
            data = path.read_bytes()
            catalog_before = self._read_catalog_text()
            entries = load_catalog(sources)
            entries.pop(path.name, None)
            self._write_catalog(entries)
            path.unlink()

            def undo_added() -> None:
                path.write_bytes(data)
                self._restore_catalog(catalog_before)

            return undo_added
        removed = self._removed()
        sources.mkdir(parents=True, exist_ok=True)
        _write_atomically(sources / REMOVED_FILE, json.dumps(sorted({*removed, doc_id}), indent=1))

        def undo_withheld() -> None:
            _write_atomically(sources / REMOVED_FILE, json.dumps(sorted(removed), indent=1))

        return undo_withheld

    def _sources_dir_or_refuse(self) -> Path:
        if self.sources_dir is None:
            raise BadInputError("no sources folder is configured: set VERBATIM_SOURCES_DIR")
        return self.sources_dir

    def _read_catalog_text(self) -> str | None:
        path = self.sources_dir / CATALOG_FILE
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def _restore_catalog(self, text: str | None) -> None:
        path = self.sources_dir / CATALOG_FILE
        if text is None:
            path.unlink(missing_ok=True)
        else:
            _write_atomically(path, text)

    def _write_catalog(self, entries: dict[str, CatalogEntry]) -> None:
        rows = [asdict(e) for e in sorted(entries.values(), key=lambda e: e.file)]
        _write_atomically(self.sources_dir / CATALOG_FILE, json.dumps({"documents": rows}, ensure_ascii=False, indent=1))


def _write_atomically(path: Path, content: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    if isinstance(content, bytes):
        tmp.write_bytes(content)
    else:
        tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)
