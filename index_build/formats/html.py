"""HTML: the page's main text (not its navigation), one paragraph per block, headings from h1-h6.

``blocks`` is the walker the EPUB reader reuses for its chapters.
"""

from __future__ import annotations

import codecs
import contextlib
import re

import lxml.html
from lxml import etree

from index_build.formats.record import ExtractedDocument, ExtractionLimits, Heading
from verbatim.errors import NoTextError

# never part of the main text (header/footer only at page level, see _boilerplate)
DROPPED = {"head", "script", "style", "noscript", "template", "nav", "aside", "form", "svg", "iframe", "object",
           "canvas", "button", "select", "textarea"}
DROPPED_ROLES = {"navigation", "banner", "contentinfo", "complementary"}
# a header/footer inside one of these is the article's own (its h1, its byline), not the site's
SECTIONING = {"article", "aside", "main", "nav", "section"}
BLOCKS = {"address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
          "dl", "dt", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "hr", "legend", "li",
          "main", "menu", "ol", "p", "section", "summary", "table", "tbody", "tfoot", "thead", "ul"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""",
                     re.IGNORECASE)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters lxml cannot hold in a tree
BR = "\x00"  # stands for a <br> while a paragraph's whitespace is collapsed (parse removes real NULs)


def decode(data: bytes) -> str:
    """The page as text: by its byte-order mark, else its declared charset, else UTF-8 (bad bytes replaced)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    encoding = "utf-8"
    if match := CHARSET.search(data[:4096]):
        label = (match.group(1) or match.group(2)).decode("ascii").lower()
        with contextlib.suppress(LookupError):
            encoding = codecs.lookup(label).name
        if encoding in ("latin-1", "iso8859-1", "ascii"):  # browsers read these labels as windows-1252
            encoding = "cp1252"
        if encoding.startswith("utf-16"):  # declared but not BOM-marked: the bytes are ASCII-compatible
            encoding = "utf-8"
    return data.decode(encoding, errors="replace")


def parse(data: bytes) -> lxml.html.HtmlElement | None:
    """The document tree, or None for a page with no markup at all. Broken markup is repaired, never fatal."""
    text = NOT_XML.sub("", decode(data).replace("\r\n", "\n").replace("\r", "\n").replace("\f", " "))
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except etree.ParserError:
        return None


def _tag(element: etree._Element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _boilerplate(element: etree._Element) -> bool:
    tag = _tag(element)
    if tag in DROPPED or (element.get("role") or "").strip().lower() in DROPPED_ROLES:
        return True
    if element.get("aria-hidden", "").strip().lower() == "true" or element.get("hidden") is not None:
        return True
    if tag in ("header", "footer"):
        return not any(_tag(a) in SECTIONING for a in element.iterancestors())
    return False


def main_content(root: lxml.html.HtmlElement) -> etree._Element:
    """Drop boilerplate, then the <main> (or role=main, or the single <article>), else the body."""
    for element in [e for e in root.iter() if isinstance(e.tag, str) and _boilerplate(e)]:
        if element.getparent() is not None:
            element.drop_tree()
    for path in ("//main", "//*[@role='main']"):
        if found := root.xpath(path):
            return found[0]
    articles = root.xpath("//article")
    if len(articles) == 1:
        return articles[0]
    body = root.find("body")
    return body if body is not None else root


def _collapse(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.split(BR))
    return "\n".join(lines).strip()


def _inline(element: etree._Element) -> str:
    """An element's text with <br> kept as a line break marker, comments left out."""
    parts = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        tag = _tag(child)
        spaced = tag in BLOCKS or tag in HEADINGS or tag in ("td", "th", "tr", "pre")
        parts.append(BR if tag == "br" else f" {_inline(child)} " if spaced else _inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def blocks(root: etree._Element) -> list[tuple[int, str]]:
    """The paragraphs under ``root`` in document order: (heading level 1-6, or 0 for text, paragraph)."""
    out: list[tuple[int, str]] = []
    buffer: list[str] = []

    def flush() -> None:
        if paragraph := _collapse("".join(buffer)):
            out.append((0, paragraph))
        buffer.clear()

    def walk(element: etree._Element) -> None:
        tag = _tag(element)
        if tag in HEADINGS:
            flush()
            if heading := " ".join(_inline(element).replace(BR, " ").split()):
                out.append((HEADINGS[tag], heading))
        elif tag == "pre":
            flush()
            text = _inline(element).replace(BR, "\n").removeprefix("\n").rstrip()
            if text.strip():
                out.append((0, text))
        elif tag == "tr":
            flush()
            cells = [" ".join(_inline(c).replace(BR, " ").split()) for c in element if _tag(c) in ("td", "th")]
            if any(cells):
                out.append((0, " | ".join(cells)))
        elif tag == "br":
            buffer.append(BR)
        elif tag:
            block = tag in BLOCKS
            if block:
                flush()
            buffer.append(element.text or "")
            for child in element:
                walk(child)
                buffer.append(child.tail or "")
            if block:
                flush()

    walk(root)
    flush()
    return out


def heading_paths(levels: list[int], titles: list[str], outer: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Each heading's path: an h3 under an h2 under an h1 is (h1, h2, h3); a new h2 closes the old h2 and h3."""
    stack: list[tuple[int, str]] = []
    paths = []
    for level, title in zip(levels, titles, strict=True):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        paths.append(outer + tuple(t for _, t in stack))
    return paths


def join(paragraphs: list[tuple[int, str]]) -> tuple[str, list[int]]:
    """The paragraphs separated by blank lines, and where each one starts."""
    starts, position = [], 0
    for _, paragraph in paragraphs:
        starts.append(position)
        position += len(paragraph) + 2
    return "\n\n".join(p for _, p in paragraphs), starts


def extract(data: bytes, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
    root = parse(data)
    if root is None:
        raise NoTextError(f"{filename}: the HTML page is empty; upload a page that has text")
    title_element = root.find("head/title")
    title = " ".join(title_element.text_content().split()) if title_element is not None else ""
    author = " ".join(root.xpath("string(//meta[translate(@name, 'AUTHOR', 'author')='author']/@content)").split())
    paragraphs = blocks(main_content(root))
    if not paragraphs:
        raise NoTextError(f"{filename}: the HTML page has no text outside its navigation and scripts; "
                          "upload a page with the text itself")
    text, starts = join(paragraphs)
    marks = [(start, level, p) for start, (level, p) in zip(starts, paragraphs, strict=True) if level]
    paths = heading_paths([level for _, level, _ in marks], [p for _, _, p in marks])
    first_h1 = next((p for _, level, p in marks if level == 1), None)
    return ExtractedDocument(
        text=text, format="html", title=title or first_h1, author=author or None,
        headings=tuple(Heading(start, path) for (start, _, _), path in zip(marks, paths, strict=True)),
    )
