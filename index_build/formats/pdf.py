"""PDF (pypdf): each page's text layer, pages separated by a blank line, headings from the outline."""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader
from pypdf.generic import Destination

from index_build.formats.record import ExtractedDocument, ExtractionLimits, Heading, PageSpan
from verbatim.errors import FileTooLargeError, NoTextError, UnreadableFileError

SEPARATOR = "\n\n"  # between two pages; it belongs to neither


DAMAGED = "the PDF is damaged or truncated and cannot be read; save or export it again and upload the new file"


def _open(data: bytes, filename: str) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception:  # pypdf raises PdfReadError, but also plain errors, on damaged files
        raise UnreadableFileError(f"{filename}: {DAMAGED}") from None
    if encrypted:
        try:
            opened = bool(reader.decrypt(""))  # an empty user password opens many "encrypted" PDFs
        except Exception:
            opened = False
        if not opened:
            raise UnreadableFileError(f"{filename}: the PDF is encrypted with a password; remove the password "
                                      "(e.g. qpdf --decrypt) and upload it again")
    return reader


def _page_texts(reader: PdfReader, filename: str, limits: ExtractionLimits) -> list[str]:
    try:
        count = len(reader.pages)
    except Exception:
        raise UnreadableFileError(f"{filename}: {DAMAGED}") from None
    if count > limits.max_pages:
        raise FileTooLargeError(f"{filename}: the PDF has {count:,} pages, more than the {limits.max_pages:,} "
                                "allowed; split it into smaller files and upload those")
    try:
        texts = [page.extract_text() for page in reader.pages]
    except Exception:
        raise UnreadableFileError(f"{filename}: {DAMAGED}") from None
    return [text.replace("\r\n", "\n").replace("\r", "\n").rstrip() for text in texts]


def _labels(reader: PdfReader) -> list[str | None]:
    """The page labels the PDF defines (/PageLabels in its catalog); None for each page when it defines none."""
    try:
        if "/PageLabels" in reader.trailer["/Root"]:
            return list(reader.page_labels)
    except Exception:  # a broken label tree leaves the pages unlabelled rather than the file unreadable
        logging.getLogger(__name__).debug("unreadable /PageLabels", exc_info=True)
    return [None] * len(reader.pages)


def _outline(reader: PdfReader) -> list[tuple[tuple[str, ...], int]]:
    """Every bookmark as (heading path, 0-based page index), in outline order; bookmarks to no page are left out."""
    found: list[tuple[tuple[str, ...], int]] = []

    def walk(items: list, outer: tuple[str, ...]) -> None:
        path = outer
        for item in items:
            if isinstance(item, list):
                walk(item, path)  # the children of the bookmark just before
            elif isinstance(item, Destination):
                title = " ".join(str(item.title or "").split())
                if not title:
                    continue
                path = (*outer, title)
                try:
                    page = reader.get_destination_page_number(item)
                except Exception:  # a bookmark to a broken destination costs that heading only
                    page = None
                if page is not None and page >= 0:
                    found.append((path, page))

    try:
        walk(reader.outline, ())
    except Exception:  # a broken outline costs the headings, not the text
        logging.getLogger(__name__).debug("unreadable outline", exc_info=True)
    return found


def _find(title: str, text: str, start: int, end: int) -> int | None:
    """Where ``title`` occurs in ``text[start:end]``, ignoring case and whitespace."""
    pattern = r"\s*".join(re.escape(c) for c in title if not c.isspace())
    match = re.compile(pattern, re.IGNORECASE).search(text, start, end)
    return match.start() if match else None


def _metadata(reader: PdfReader) -> tuple[str | None, str | None]:
    """/Title and /Author, whitespace collapsed; None when missing, empty or unreadable."""
    try:
        meta = reader.metadata
        title, author = (meta.title, meta.author) if meta else (None, None)
    except Exception:
        return None, None
    return " ".join(str(title or "").split()) or None, " ".join(str(author or "").split()) or None


def extract(data: bytes, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
    reader = _open(data, filename)
    texts = _page_texts(reader, filename, limits)
    if not any(texts):
        raise NoTextError(f"{filename}: the PDF has no text layer (it is probably scanned); run OCR on it first "
                          "(e.g. ocrmypdf) and upload the result")
    parts: list[str] = []
    pages: list[PageSpan] = []
    position = 0
    for number, (text, label) in enumerate(zip(texts, _labels(reader), strict=True), start=1):
        if text:
            if parts:
                parts.append(SEPARATOR)
                position += len(SEPARATOR)
            parts.append(text)
        pages.append(PageSpan(number, label, position, position + len(text)))
        position += len(text)
    full = "".join(parts)
    starts: dict[int, tuple[str, ...]] = {}
    for path, index in _outline(reader):
        page = next((p for p in pages[index:] if p.end > p.start), None)  # an empty page's section opens on the next
        if page is not None:
            start = _find(path[-1], full, page.start, page.end) if page is pages[index] else None
            starts[page.start if start is None else start] = path  # two bookmarks at one place: the later, deeper
    title, author = _metadata(reader)
    return ExtractedDocument(text=full, format="pdf", title=title, author=author, pages=tuple(pages),
                             headings=tuple(Heading(start, starts[start]) for start in sorted(starts)))
