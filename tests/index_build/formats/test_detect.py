from __future__ import annotations

import pytest

from index_build.formats import SUFFIXES, extract, format_of
from index_build.formats.record import ExtractionLimits
from tests.index_build.formats import builders
from verbatim.errors import FileTooLargeError, UnsupportedFormatError


@pytest.mark.parametrize(
    ("build", "filename", "expected"),
    [
        (lambda: b"hello", "a.txt", "text"),
        (lambda: b"# hi", "a.MD", "text"),
        (builders.pdf_bytes, "a.pdf", "pdf"),
        (lambda: b"\n junk\n" + builders.blank_pdf(), "a.pdf", "pdf"),  # junk before %PDF-, which readers allow
        (lambda: builders.HTML_PAGE, "a.htm", "html"),
        (lambda: b"<p>no doctype</p>", "a.html", "html"),
        (lambda: b"<?xml version='1.0'?><html/>", "a.xhtml", "html"),
        (builders.docx_bytes, "a.docx", "docx"),
        (builders.epub_bytes, "a.epub", "epub"),
    ],
)
def test_format_is_told_by_the_content_and_agrees_with_the_suffix(build, filename: str, expected: str) -> None:
    assert format_of(build(), filename) == expected


@pytest.mark.parametrize(
    ("build", "filename", "message"),
    [
        (builders.pdf_bytes, "report.docx", r"the name ends in \.docx but the content is a PDF; rename it to end in \.pdf"),
        (lambda: b"MZ\x90\x00binary", "setup.pdf", r"the name ends in \.pdf but the content is a Windows program, not a PDF"),
        (builders.docx_bytes, "book.epub", r"the name ends in \.epub but the content is a Word document \(DOCX\); rename it to end in \.docx"),
        (lambda: builders.zip_bytes({"a.txt": "x"}), "a.docx", r"the name ends in \.docx but the content is a zip archive that is neither a DOCX nor an EPUB"),
        (lambda: builders.zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text"}), "a.epub",
         r"the name ends in \.epub but the content is a zip archive of type application/vnd\.oasis\.opendocument\.text, not an EPUB book"),
        (lambda: b"<!DOCTYPE html><html></html>", "page.txt", r"the name ends in \.txt but the content is an HTML page; rename it to end in \.html"),
        (lambda: b"\x89PNG\r\n\x1a\n", "scan.html", r"the name ends in \.html but the content is a PNG image, not an HTML page"),
        (lambda: b"just some text", "a.pdf", r"the name ends in \.pdf but the content is text; rename it to end in \.txt"),
    ],
)
def test_suffix_that_contradicts_the_content_is_unsupported(build, filename: str, message: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=rf"^{filename.replace('.', '[.]')}: {message}"):
        extract(build(), filename)


@pytest.mark.parametrize("filename", ["slides.pptx", "README", "archive.zip"])
def test_unknown_suffix_is_unsupported_and_the_accepted_ones_are_listed(filename: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=rf"^{filename}: files ending in .* cannot be read") as raised:
        extract(b"hello", filename)
    assert ", ".join(SUFFIXES) in raised.value.message


def test_file_over_the_byte_limit_is_too_large_before_it_is_parsed() -> None:
    with pytest.raises(FileTooLargeError, match=r"^big\.pdf: the file is 11 bytes, more than the 10 allowed"):
        extract(b"not parsed!", "big.pdf", ExtractionLimits(max_bytes=10))
