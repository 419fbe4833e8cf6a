from __future__ import annotations

import pytest

from index_build.formats import extract
from index_build.formats.record import Heading
from tests.index_build.formats import builders
from verbatim.errors import NoTextError, UnreadableFileError, UnsupportedFormatError


def test_text_is_the_file_unchanged() -> None:
    data = "  Caf\u00e9 notes\n\n\tindented \u2013 line  \n".encode()
    document = extract(data, "notes.txt")
    assert (document.text, document.format, document.title) == (data.decode(), "text", "Caf\u00e9 notes")
    assert (document.pages, document.headings, document.author) == ((), (), None)


def test_text_line_endings_are_read_as_newlines() -> None:
    assert extract(b"one\r\ntwo\rthree\n", "notes.txt").text == "one\ntwo\nthree\n"


def test_markdown_atx_headings_outside_code_fences_become_heading_paths() -> None:
    document = extract(builders.MARKDOWN.encode(), "guide.md")
    text = builders.MARKDOWN
    assert document.text == text
    assert document.title == "Guide"
    assert document.headings == (
        Heading(text.index("Guide"), ("Guide",)),
        Heading(text.index("Install"), ("Guide", "Install")),  # the closing #s are not part of it
        Heading(text.index("Linux"), ("Guide", "Install", "Linux")),
        Heading(text.index("Use"), ("Guide", "Use")),
    )


def test_headings_of_a_txt_file_are_not_read() -> None:
    assert extract(b"# Not a heading\ntext\n", "notes.txt").headings == ()


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"\xef\xbb\xbfhello", UnreadableFileError, r"encoded as UTF-8 with a byte-order mark; save it as plain UTF-8"),
        ("hello".encode("utf-16"), UnreadableFileError, r"encoded as UTF-16; save it as plain UTF-8"),
        (b"caf\xe9", UnreadableFileError, r"not valid UTF-8 \(byte 3 cannot be decoded\)"),
        (b"a\x00b", UnsupportedFormatError, r"the content is binary data, not text"),
        (b" \n\t\n", NoTextError, r"the file is empty"),
    ],
    ids=["utf8-bom", "utf16", "invalid-utf8", "nul-bytes", "blank"],
)
def test_text_that_is_not_plain_utf8_is_refused(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=rf"^notes\.md: .*{message}"):
        extract(data, "notes.md")
