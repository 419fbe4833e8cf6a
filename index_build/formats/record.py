"""What every input format is read into: the exact text Verbatim cites, with a map back to the file.

The text is the document text: citations are offsets into it, and ``text[start:end]`` is what a
reader is shown. Pages and headings point into the same text, so a citation's page and section are
read off the file's own structure, never estimated.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PageSpan:
    number: int  # 1-based physical page of the file (the PDF page a viewer opens)
    label: str | None  # the page label the file defines for it ("iv", "12"), None when it defines none
    start: int  # character offsets into ExtractedDocument.text, end exclusive
    end: int


@dataclass(frozen=True)
class Heading:
    start: int  # offset into the text where the section under this heading begins
    path: tuple[str, ...]  # the heading path, outermost first: ("Part One", "Chapter 2", "The arrest")


@dataclass(frozen=True)
class ExtractionLimits:
    max_bytes: int = 50 * 1024 * 1024  # the file itself
    max_unpacked_bytes: int = 200 * 1024 * 1024  # everything a zip (DOCX, EPUB) unpacks to
    max_ratio: int = 100  # per zip member: unpacked size / packed size
    max_pages: int = 5000

    @classmethod
    def for_files_up_to(cls, max_bytes: int) -> ExtractionLimits:
        """The limits for files of at most ``max_bytes`` (VERBATIM_UPLOAD_MAX_BYTES): a zip may unpack to 4 times."""
        return cls(max_bytes=max_bytes, max_unpacked_bytes=4 * max_bytes)


@dataclass(frozen=True)
class ExtractedDocument:
    text: str
    format: str  # "text", "pdf", "html", "docx" or "epub"
    title: str | None = None  # from the file's metadata or first heading; None when it has neither
    author: str | None = None
    pages: tuple[PageSpan, ...] = field(default=())  # in order, covering the text; () for formats without fixed pages
    headings: tuple[Heading, ...] = field(default=())  # in text order, starts strictly increasing

    def page_of(self, offset: int) -> PageSpan | None:
        """The page holding character ``offset`` (separators between pages belong to none)."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page
        return None
