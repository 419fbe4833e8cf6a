"""What every extractor promises, checked on each format's fixture."""

from __future__ import annotations

import pytest

from index_build.formats import extract
from tests.index_build.formats import builders

FILES = {
    "book.pdf": builders.pdf_bytes,
    "labelled.pdf": builders.pdf_with_labels,
    "open.pdf": lambda: builders.pdf_encrypted(""),
    "page.html": lambda: builders.HTML_PAGE,
    "report.docx": builders.docx_bytes,
    "book.epub": builders.epub_bytes,
    "toc.epub": lambda: builders.epub_bytes(toc="ncx"),
    "guide.md": lambda: builders.MARKDOWN.encode(),
    "notes.txt": lambda: b"one\r\ntwo\n",
}


@pytest.mark.parametrize("filename", FILES)
def test_pages_and_headings_point_into_the_text_in_order(filename: str) -> None:
    document = extract(FILES[filename](), filename)
    builders.assert_invariants(document)
    assert document.headings or filename == "notes.txt"


@pytest.mark.parametrize("filename", FILES)
def test_same_bytes_give_an_equal_record(filename: str) -> None:
    data = FILES[filename]()
    assert extract(data, filename) == extract(data, filename)
