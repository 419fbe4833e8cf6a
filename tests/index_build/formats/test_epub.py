from __future__ import annotations

import io
import zipfile

import pytest

from index_build.formats import extract
from index_build.formats.record import ExtractionLimits
from tests.index_build.formats import builders
from verbatim.errors import FileTooLargeError, NoTextError, UnreadableFileError


def test_epub_text_is_the_spine_chapters_in_reading_order(epub_file: bytes) -> None:
    document = extract(epub_file, "book.epub")
    assert document.format == "epub"
    assert document.text == builders.EPUB_TEXT
    assert (document.title, document.author, document.pages) == ("The Harbour", "Ann Smith, Bo Lee", ())


@pytest.mark.parametrize("toc", ["nav", "ncx"])
def test_epub_chapter_heading_is_its_toc_label_and_its_headings_nest_under_it(toc: str) -> None:
    document = extract(builders.epub_bytes(toc=toc), "book.epub")
    text = document.text
    assert [(h.start, h.path) for h in document.headings] == [
        (0, ("Chapter 1: The Harbour",)),  # the chapter's h1 repeats its label: not repeated in the path
        (text.index("Morning"), ("Chapter 1: The Harbour", "Morning")),
        (text.index("Wind, then rain."), ("Chapter 2: Storm",)),
        (text.index("Night"), ("Chapter 2: Storm", "Night")),
    ]


def test_epub_without_a_toc_names_a_chapter_by_its_first_heading() -> None:
    document = extract(builders.epub_bytes(toc="none"), "book.epub")
    assert [h.path for h in document.headings] == [
        ("Chapter 1: The Harbour",), ("Chapter 1: The Harbour", "Morning"), ("Night",)]


def test_epub_with_only_font_obfuscation_is_read() -> None:
    data = builders.epub_bytes(encryption="http://www.idpf.org/2008/embedding")
    assert extract(data, "book.epub").text == builders.EPUB_TEXT


def test_epub_with_drm_is_unreadable() -> None:
    data = builders.epub_bytes(encryption="http://www.w3.org/2001/04/xmlenc#aes128-cbc")
    with pytest.raises(UnreadableFileError, match=r"^drm\.epub: the EPUB is DRM-encrypted"):
        extract(data, "drm.epub")


@pytest.mark.parametrize(
    ("members", "error", "message"),
    [
        ({"META-INF/container.xml": None}, UnreadableFileError, r"^book\.epub: the EPUB has no META-INF/container\.xml"),
        ({"OEBPS/text/chapter1.xhtml": None}, UnreadableFileError, r"^book\.epub: the EPUB has no OEBPS/text/chapter1\.xhtml, so it is damaged"),
        ({"OEBPS/content.opf": "<package"}, UnreadableFileError, r"^book\.epub: the EPUB's OEBPS/content\.opf lists no chapters"),
        ({"OEBPS/text/chapter1.xhtml": "<html><body><nav>x</nav></body></html>",
          "OEBPS/text/chapter 2.xhtml": "<html/>"}, NoTextError, r"^book\.epub: the EPUB has no text"),
    ],
    ids=["no-container", "missing-chapter", "broken-opf", "empty-chapters"],
)
def test_epub_broken_or_empty_is_refused(members: dict[str, str | None], error: type[Exception], message: str) -> None:
    with zipfile.ZipFile(io.BytesIO(builders.epub_bytes())) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for name, content in members.items():
        if content is None:
            files.pop(name)
        else:
            files[name] = content
    with pytest.raises(error, match=message):
        extract(builders.zip_bytes(files), "book.epub")


def test_epub_unpacking_past_the_limit_is_too_large(epub_file: bytes) -> None:
    with pytest.raises(FileTooLargeError, match=r"^book\.epub: the archive unpacks to"):
        extract(epub_file, "book.epub", ExtractionLimits(max_unpacked_bytes=1000))


def test_epub_with_a_damaged_chapter_is_unreadable(epub_file: bytes) -> None:
    info = zipfile.ZipFile(io.BytesIO(epub_file)).getinfo("OEBPS/text/chapter1.xhtml")
    data = bytearray(epub_file)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)  # the member's packed bytes
    data[start:start + info.compress_size] = bytes(info.compress_size)
    with pytest.raises(UnreadableFileError, match=r"^book\.epub: the EPUB's OEBPS/text/chapter1\.xhtml is damaged"):
        extract(bytes(data), "book.epub")
