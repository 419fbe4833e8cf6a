"""EPUB (zipfile + lxml): the spine's XHTML documents in reading order, each read as HTML, one chapter each.

A chapter's heading path starts with its table-of-contents label (nav document, else toc.ncx), else its
first heading; the chapter's own h1-h6 nest under it. An EPUB has no fixed pages, so none are reported.
"""

from __future__ import annotations

import posixpath
import zipfile
from urllib.parse import unquote

from lxml import etree

from index_build.formats import html
from index_build.formats.record import ExtractedDocument, ExtractionLimits, Heading
from index_build.formats.zip_safety import check_zip
from verbatim.errors import NoTextError, UnreadableFileError

XHTML_TYPES = {"application/xhtml+xml", "text/html"}
# font obfuscation, which ordinary (DRM-free) EPUBs use for embedded fonts; anything else is DRM
FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
XML = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)


def _read(archive: zipfile.ZipFile, name: str, filename: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise UnreadableFileError(f"{filename}: the EPUB has no {name}, so it is damaged or not an EPUB; "
                                  "export it again and upload the new file") from None
    except Exception:  # bad CRC, broken deflate data, an unknown compression method, an encrypted member
        raise UnreadableFileError(f"{filename}: the EPUB's {name} is damaged and cannot be unpacked; "
                                  "export it again and upload the new file") from None


def _xml(archive: zipfile.ZipFile, name: str, filename: str) -> etree._Element:
    try:
        root = etree.fromstring(_read(archive, name, filename), XML)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise UnreadableFileError(f"{filename}: the EPUB's {name} cannot be parsed; export it again and upload the new file")
    return root


def _local(root: etree._Element, path: str) -> list:
    """XPath with namespaces ignored: ``//rootfile`` matches any namespace's rootfile."""
    steps = "/".join(f"*[local-name()='{s}']" if s.isalpha() else s for s in path.split("/"))
    return root.xpath(steps)


def _resolve(base: str, href: str) -> str:
    """The zip member an href in the member ``base`` points to (fragment dropped)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(href.split("#")[0])))


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _labels(archive: zipfile.ZipFile, filename: str, manifest: dict[str, tuple[str, str, str]], toc_id: str | None) -> dict[str, str]:
    """Each spine document's table-of-contents label (its first entry), from the nav document, else toc.ncx."""
    labels: dict[str, str] = {}
    nav = next((path for path, _, props in manifest.values() if "nav" in props.split()), None)
    if nav in archive.namelist() and (root := html.parse(_read(archive, nav, filename))) is not None:
        navs = root.xpath("//nav")
        tocs = [n for n in navs if "toc" in (n.get("epub:type") or "").split()] or navs[:1]
        for link in tocs[0].iter("a") if tocs else ():
            label = " ".join(link.text_content().split())
            if label and link.get("href"):
                labels.setdefault(_resolve(nav, link.get("href")), label)
    ncx = manifest.get(toc_id or "", ("", "", ""))[0] or next(
        (path for path, kind, _ in manifest.values() if kind == "application/x-dtbncx+xml"), "")
    try:
        root = etree.fromstring(_read(archive, ncx, filename), XML) if not labels and ncx in archive.namelist() else None
    except etree.XMLSyntaxError:  # a broken toc.ncx costs the labels, not the book
        root = None
    if root is not None:
        for point in _local(root, "//navPoint"):
            label = " ".join("".join(_local(point, "navLabel/text/text()")).split())
            src = _local(point, "content/@src")
            if label and src:
                labels.setdefault(_resolve(ncx, src[0]), label)
    return labels


def _check_drm(archive: zipfile.ZipFile, filename: str) -> None:
    if "META-INF/encryption.xml" not in archive.namelist():
        return
    algorithms = _local(_xml(archive, "META-INF/encryption.xml", filename), "//EncryptedData/EncryptionMethod/@Algorithm")
    if set(algorithms) - FONT_OBFUSCATION or "META-INF/rights.xml" in archive.namelist():
        raise UnreadableFileError(f"{filename}: the EPUB is DRM-encrypted, so its text cannot be read; "
                                  "upload a DRM-free copy of the book")


def extract(data: bytes, filename: str, limits: ExtractionLimits) -> ExtractedDocument:
    archive = check_zip(data, filename, limits)
    _check_drm(archive, filename)
    opf = next(iter(_local(_xml(archive, "META-INF/container.xml", filename), "//rootfile/@full-path")), None)
    if not opf:
        raise UnreadableFileError(f"{filename}: the EPUB's container.xml names no package (.opf) file; "
                                  "export it again and upload the new file")
    package = _xml(archive, opf, filename)
    manifest = {item.get("id"): (_resolve(opf, item.get("href", "")), item.get("media-type", ""), item.get("properties", ""))
                for item in _local(package, "//manifest/item")}
    spine = _local(package, "//spine")
    labels = _labels(archive, filename, manifest, spine[0].get("toc") if spine else None)
    paragraphs: list[tuple[int, str]] = []
    paths: dict[int, tuple[str, ...]] = {}  # paragraph index -> heading path
    spine_ids = _local(package, "//spine/itemref/@idref")
    if not spine_ids:
        raise UnreadableFileError(f"{filename}: the EPUB's {opf} lists no chapters (its spine is empty or unreadable); "
                                  "export it again and upload the new file")
    for idref in spine_ids:
        path, kind, _ = manifest.get(idref, ("", "", ""))
        if kind not in XHTML_TYPES:
            continue
        root = html.parse(_read(archive, path, filename))
        chapter = html.blocks(html.main_content(root)) if root is not None else []
        if not chapter:
            continue
        first = len(paragraphs)
        marks = [(first + i, level, text) for i, (level, text) in enumerate(chapter) if level]
        title = labels.get(path) or (marks[0][2] if marks else None)
        outer: tuple[str, ...] = ()
        if title is not None:
            outer = (title,)
            paths[first] = outer
            if marks and _same(marks[0][2], title):  # the chapter's own heading repeats its title
                marks = marks[1:]
        for (index, _, _), heading in zip(marks, html.heading_paths([m[1] for m in marks], [m[2] for m in marks], outer),
                                          strict=True):
            paths[index] = heading  # at the chapter's start, the chapter's first heading wins over the bare title
        paragraphs += chapter
    if not paragraphs:
        raise NoTextError(f"{filename}: the EPUB has no text in its chapters; upload a book that has text")
    text, starts = html.join(paragraphs)
    title = " ".join("".join(_local(package, "//metadata/title/text()")[:1]).split())
    authors = [" ".join(a.split()) for a in _local(package, "//metadata/creator/text()") if a.strip()]
    return ExtractedDocument(text=text, format="epub", title=title or None, author=", ".join(authors) or None,
                             headings=tuple(Heading(starts[i], paths[i]) for i in sorted(paths)))
