"""UTF-8 text and Markdown: the text as the file has it (line endings read as LF); Markdown's ATX headings."""

from __future__ import annotations

import codecs
import re

from index_build.formats.record import ExtractedDocument, ExtractionLimits, Heading
from verbatim.errors import NoTextError, UnreadableFileError, UnsupportedFormatError

ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF8, "UTF-8 with a byte-order mark"),
        (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def decode(data: bytes, filename: str) -> str:
    """The file's text, refusing anything but plain UTF-8: every character is the file's own (CRLF, CR read as LF)."""
    for bom, name in BOMS:
        if data.startswith(bom):
            raise UnreadableFileError(f"{filename}: the file is encoded as {name}; save it as plain UTF-8 "
                                      "(without a byte-order mark) and upload it again")
    if b"\x00" in data:
        raise UnsupportedFormatError(f"{filename}: the file contains NUL bytes, so it is binary data, not text; "
                                     "upload a UTF-8 text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFileError(f"{filename}: the file is not valid UTF-8 (byte {error.start} cannot be decoded); "
                                  "save it as UTF-8 and upload it again") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # the one change: line endings become \n


def markdown_headings(text: str) -> list[Heading]:
    """ATX headings outside fenced code blocks; a heading starts at its text (after the ``#`` marks)."""
    fenced: list[tuple[int, int]] = []
    opened: re.Match[str] | None = None
    for fence in FENCE.finditer(text):
        if opened is None:
            opened = fence
        elif fence.group(1)[0] == opened.group(1)[0] and len(fence.group(1)) >= len(opened.group(1)):
            fenced.append((opened.start(), fence.end()))
            opened = None
    if opened is not None:
        fenced.append((opened.start(), len(text)))
    headings: list[Heading] = []
    stack: list[tuple[int, str]] = []
    for match in ATX.finditer(text):
        title = match.group(2).strip()
        if not title or any(start <= match.start() < end for start, end in fenced):
            continue
        level = len(match.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        headings.append(Heading(match.start(2), tuple(t for _, t in stack)))
    return headings


def extract(data: bytes, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
    text = decode(data, filename)
    if not text.strip():
        raise NoTextError(f"{filename}: the file is empty; upload a file that has text")
    headings = markdown_headings(text) if filename.lower().endswith(".md") else []
    first_line = next(line.strip() for line in text.splitlines() if line.strip())
    return ExtractedDocument(text=text, format="text", title=headings[0].path[-1] if headings else first_line,
                             headings=tuple(headings))
