"""Reads an uploaded file into an ExtractedDocument: the format is told by the content, checked against the name."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from index_build.formats import docx, epub, html, pdf, plain_text
from index_build.formats.record import ExtractedDocument, ExtractionLimits
from verbatim.errors import FileTooLargeError, UnreadableFileError, UnsupportedFormatError

SUFFIXES = (".txt", ".md", ".pdf", ".html", ".htm", ".xhtml", ".docx", ".epub")
FORMAT_OF_SUFFIX = {".txt": "text", ".md": "text", ".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html",
                    ".docx": "docx", ".epub": "epub"}
EXTRACTORS: dict[str, Callable[[bytes, str, ExtractionLimits], ExtractedDocument]] = {
    "text": plain_text.extract, "pdf": pdf.extract, "html": html.extract, "docx": docx.extract, "epub": epub.extract}
DESCRIPTIONS = {"text": "text", "pdf": "a PDF", "html": "an HTML page", "docx": "a Word document (DOCX)",
                "epub": "an EPUB book"}
# content Verbatim does not read, told by its first bytes, so a refusal can say what the file is
OTHER_MAGIC = ((b"MZ", "a Windows program"), (b"\x7fELF", "a Linux program"), (b"\x89PNG", "a PNG image"),
               (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"),
               (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"), (b"{\\rtf", "an RTF document"),
               (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.doc, .xls or .ppt)"))
DEFAULT_LIMITS = ExtractionLimits()


def _zip_kind(data: bytes) -> str:
    """"epub", "docx", or what other kind of zip archive this is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.open("mimetype").read(100).decode("ascii", "replace").strip() if "mimetype" in names else ""
    except Exception:  # damaged: let the suffix's reader say so
        return "damaged zip"
    if mimetype == "application/epub+zip":
        return "epub"
    if "word/document.xml" in names:
        return "docx"
    if mimetype:
        return f"a zip archive of type {mimetype}"
    return "an Excel workbook" if "xl/workbook.xml" in names else "a zip archive that is neither a DOCX nor an EPUB"


def _content(data: bytes) -> str:
    """What the bytes are: a format name from FORMAT_OF_SUFFIX, or a description of something else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    for magic, description in OTHER_MAGIC:
        if data.startswith(magic):
            return description
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 or UTF-32 text: the reader says to save it as UTF-8
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "binary data" if b"\x00" in data[:8192] else "text"


def format_of(data: bytes, filename: str) -> str:
    """The format ("text", "pdf", "html", "docx", "epub") of a file, when its content agrees with its suffix."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix not in FORMAT_OF_SUFFIX:
        raise UnsupportedFormatError(f"{filename}: files ending in {suffix or '(no suffix)'} cannot be read; "
                                     f"upload one of {', '.join(SUFFIXES)}")
    expected, content = FORMAT_OF_SUFFIX[suffix], _content(data)
    if content == "damaged zip" and expected in ("docx", "epub"):
        raise UnreadableFileError(f"{filename}: the file is damaged or truncated (its zip archive cannot be read); "
                                  "save or export it again and upload the new file")
    if expected == "pdf" and content != "pdf" and b"%PDF-" in data[:1024]:
        return "pdf"  # a few bytes of junk before the header, which PDF readers allow
    if expected == "html" and content == "text":
        return "html"  # a page without a doctype: the name says HTML and the content does not contradict it
    if content == expected:
        return expected
    if content in DESCRIPTIONS:
        fix = f"rename it to end in {next(s for s, f in FORMAT_OF_SUFFIX.items() if f == content)}"
        raise UnsupportedFormatError(f"{filename}: the name ends in {suffix} but the content is {DESCRIPTIONS[content]}; "
                                     f"{fix} and upload it again")
    if content == "damaged zip":
        content = "a damaged zip archive"
    raise UnsupportedFormatError(f"{filename}: the name ends in {suffix} but the content is {content}, "
                                 f"not {DESCRIPTIONS[expected]}; upload a real {suffix} file")


def extract(data: bytes, filename: str, limits: ExtractionLimits = DEFAULT_LIMITS) -> ExtractedDocument:
    """The text of a file with its pages, headings, title and author; raises a VerbatimError it cannot read."""
    if len(data) > limits.max_bytes:
        raise FileTooLargeError(f"{filename}: the file is {len(data):,} bytes, more than the {limits.max_bytes:,} "
                                "allowed; split it or upload a smaller file")
    return EXTRACTORS[format_of(data, filename)](data, filename, limits)
