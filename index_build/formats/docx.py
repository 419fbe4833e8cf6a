"""DOCX (python-docx): the body's paragraphs and table rows in order, headings from Title / Heading N styles.

A DOCX has no fixed pages (Word lays them out when it opens the file), so no pages are reported.
"""

from __future__ import annotations

import io
import re

import docx
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from index_build.formats.html import heading_paths
from index_build.formats.record import ExtractedDocument, ExtractionLimits, Heading
from index_build.formats.zip_safety import check_zip
from verbatim.errors import NoTextError, UnreadableFileError

HEADING_STYLE = re.compile(r"heading ?([1-9])", re.IGNORECASE)


def _outline_level(element: BaseOxmlElement) -> int | None:
    values = element.xpath("./w:pPr/w:outlineLvl/@w:val")
    return int(values[0]) + 1 if values and values[0].isdigit() and int(values[0]) < 9 else None


def heading_level(paragraph: Paragraph) -> int | None:
    """0 for a Title, N for Heading N (by style name, built-in style id, or outline level), None for text."""
    style = paragraph.style
    for name in (style.name or "", style.style_id or "") if style is not None else ():
        if name.lower() == "title":
            return 0
        if match := HEADING_STYLE.fullmatch(name):
            return int(match.group(1))
    level = _outline_level(paragraph._p)
    while level is None and style is not None:
        level = _outline_level(style.element)
        style = style.base_style
    return level


def _row(cells: list[_Cell]) -> str:
    unique = [cell for i, cell in enumerate(cells) if i == 0 or cell._tc is not cells[i - 1]._tc]  # merged cells
    return " | ".join(_cell_text(cell) for cell in unique)


def _cell_text(cell: _Cell) -> str:
    parts = [" ".join(item.text.split()) if isinstance(item, Paragraph) else "; ".join(_row(r.cells) for r in item.rows)
             for item in cell.iter_inner_content()]
    return " ".join(p for p in parts if p)


def extract(data: bytes, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
    check_zip(data, filename, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs: list[tuple[int | None, str]] = []  # (heading level or None, text)
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                rows = [_row(row.cells) for row in item.rows]
                paragraphs += [(None, row) for row in rows if row.replace("|", "").strip()]
            elif text := item.text.replace("\r\n", "\n").replace("\r", "\n").strip():
                level = heading_level(item)
                paragraphs.append((level, text if level is None else " ".join(text.split())))
        core = document.core_properties
        title, author = (core.title or "").strip(), (core.author or "").strip()
    except Exception:
        raise UnreadableFileError(f"{filename}: the Word document is damaged and cannot be read; "
                                  "save it again from Word (as .docx) and upload the new file") from None
    if not paragraphs:
        raise NoTextError(f"{filename}: the Word document has no text; upload a document that has text")
    text = "\n\n".join(p for _, p in paragraphs)
    marks, position = [], 0
    for level, paragraph in paragraphs:
        if level is not None:
            marks.append((position, level, paragraph))
        position += len(paragraph) + 2
    paths = heading_paths([level for _, level, _ in marks], [p for _, _, p in marks])
    first = next((p for _, level, p in marks if level == 0), None) or next((p for _, level, p in marks if level == 1), None)
    return ExtractedDocument(
        text=text, format="docx", title=title or first, author=author or None,
        headings=tuple(Heading(start, path) for (start, _, _), path in zip(marks, paths, strict=True)),
    )
