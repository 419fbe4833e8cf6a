"""Builders of the format tests' files: every file is written by the tests, none is committed."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from index_build.formats.record import ExtractedDocument

# the sentence each physical page of the PDF holds (page 3 is blank)
PDF_PAGES = {1: "The first page tells of the harbour.", 2: "The second page tells of the storm.", 3: None,
             4: "Tables of tides."}


def pdf_bytes() -> bytes:
    """Four pages (the third blank), title and author, an outline with a nested bookmark."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.set_title("The Harbour Book")
    pdf.set_author("Ann Smith")

    def line(text: str) -> None:
        pdf.cell(text=text, new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    pdf.start_section("Chapter One")
    line("Chapter One")
    line(PDF_PAGES[1])
    pdf.add_page()
    pdf.start_section("CHAPTER   TWO")  # the bookmark differs in case and spacing from the printed heading
    line("Chapter Two")
    line(PDF_PAGES[2])
    pdf.start_section("The  Wreck", level=1)
    line("The Wreck")
    line("A ship ran aground.")
    pdf.add_page()
    pdf.add_page()
    line("The fourth page opens with a note.")
    pdf.start_section("Appendix")
    line("Appendix")
    line(PDF_PAGES[4])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.add_outline_item(title="Back matter", page_number=3)  # a bookmark whose title the page does not print
    return _written(writer)


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_labels() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.set_page_label(0, 0, style="/r")  # i
    writer.set_page_label(1, 3, style="/D", start=1)  # 1, 2, 3
    return _written(writer)


def pdf_encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password, owner_password="owner")
    return _written(writer)


def blank_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_page()
    return bytes(pdf.output())


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="windows-1252"><title>Caf\u00e9 \u2013 the page</title>
<meta name="author" content="Ann Smith"><style>p { color: red }</style></head>
<body>
<header><a href="/">Home</a> <a href="/about">About</a></header>
<nav><ul><li>Menu item</li></ul></nav>
<div role="banner">Site banner</div>
<main>
<h1>The caf\u00e9</h1>
<p>First   paragraph
   with <b>bold</b> text.</p>
<p>Line one<br>line two</p>
<h2>Part A</h2>
<h3>Detail</h3>
<pre>  code
    indented</pre>
<div>direct text <span>in a span</span><p>an inner paragraph</p></div>
<table><tr><th>Name</th><th>Value</th></tr><tr><td>tide</td><td>high</td></tr></table>
<h2>Part B</h2>
<ul><li>item one</li><li>item <em>two</em></li></ul>
<aside>An aside.</aside><script>var hidden = 1;</script>
<p hidden>Hidden text.</p><p aria-hidden="true">Also hidden.</p>
<form><label>Search</label><input name="q"></form>
</main>
<footer>Copyright</footer>
</body></html>
""".encode("cp1252")

HTML_TEXT = (
    "The caf\u00e9\n\nFirst paragraph with bold text.\n\nLine one\nline two\n\nPart A\n\nDetail\n\n"
    "  code\n    indented\n\ndirect text in a span\n\nan inner paragraph\n\nName | Value\n\ntide | high\n\n"
    "Part B\n\nitem one\n\nitem two"
)


def docx_bytes(*, core_title: str | None = "Report 2026") -> bytes:
    document = docx.Document()
    if core_title:
        document.core_properties.title = core_title
    document.core_properties.author = "Ann Smith"
    document.add_heading("Annual Report", 0)
    document.add_heading("Introduction", 1)
    document.add_paragraph("The year began quietly.")
    document.add_heading("Background", 2)
    document.add_paragraph("Tides were high.")
    table = document.add_table(rows=2, cols=2)
    for row, values in zip(table.rows, (("Month", "Height"), ("May", "4 m")), strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    kapitel = document.styles.add_style("Kapitel", WD_STYLE_TYPE.PARAGRAPH)  # a heading by outline level only
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "0")
    kapitel.element.get_or_add_pPr().append(outline)
    document.add_paragraph("Ergebnisse", style="Kapitel")
    document.add_paragraph("Results were good.")
    document.add_paragraph("")  # an empty paragraph leaves no trace
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DOCX_TEXT = ("Annual Report\n\nIntroduction\n\nThe year began quietly.\n\nBackground\n\nTides were high.\n\n"
             "Month | Height\n\nMay | 4 m\n\nErgebnisse\n\nResults were good.")


def zip_bytes(members: dict[str, bytes | str], *, stored: tuple[str, ...] = ("mimetype",)) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def _chapter(body: str) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            f'xmlns:epub="http://www.idpf.org/2007/ops"><head><title/></head><body>{body}</body></html>')


def epub_bytes(*, toc: str = "nav", encryption: str | None = None) -> bytes:
    """Two chapters (spine order differs from manifest order); labels from a nav document, toc.ncx or neither."""
    nav_item = '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
    opf = f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:x</dc:identifier>
<dc:title>The  Harbour</dc:title><dc:creator>Ann Smith</dc:creator><dc:creator>Bo Lee</dc:creator></metadata>
<manifest>
<item id="c2" href="text/chapter%202.xhtml" media-type="application/xhtml+xml"/>
<item id="c1" href="text/chapter1.xhtml" media-type="application/xhtml+xml"/>
{nav_item if toc == "nav" else ""}
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
<item id="css" href="style.css" media-type="text/css"/>
</manifest>
<spine toc="ncx"><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>"""
    nav = _chapter('<nav epub:type="toc"><ol><li><a href="text/chapter1.xhtml">Chapter 1: The Harbour</a>'
                   '<ol><li><a href="text/chapter1.xhtml#m">Morning</a></li></ol></li>'
                   '<li><a href="text/chapter%202.xhtml">Chapter 2: Storm</a></li></ol></nav>')
    ncx = """<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
<navPoint id="n1"><navLabel><text>Chapter 1: The Harbour</text></navLabel><content src="text/chapter1.xhtml"/></navPoint>
<navPoint id="n2"><navLabel><text>Chapter 2: Storm</text></navLabel><content src="text/chapter%202.xhtml"/></navPoint>
</navMap></ncx>"""
    members: dict[str, bytes | str] = {
        "mimetype": "application/epub+zip",
        "META-INF/container.xml": CONTAINER,
        "OEBPS/content.opf": opf,
        "OEBPS/text/chapter1.xhtml": _chapter('<h1>Chapter 1:  The Harbour</h1><p>Boats came in.</p>'
                                              '<a id="m"/><h2>Morning</h2><p>The fog lifted.</p>'),
        "OEBPS/text/chapter 2.xhtml": _chapter('<p class="epigraph">Wind, then rain.</p><h2>Night</h2>'
                                               '<p>The storm broke.</p>'),
        "OEBPS/style.css": "p { margin: 0 }",
    }
    if toc == "nav":
        members["OEBPS/nav.xhtml"] = nav
    if toc == "ncx":
        members["OEBPS/toc.ncx"] = ncx
    if encryption:
        members["META-INF/encryption.xml"] = (
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
            f'<enc:EncryptionMethod Algorithm="{encryption}"/><enc:CipherData>'
            '<enc:CipherReference URI="OEBPS/text/chapter1.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>')
    return zip_bytes(members)


EPUB_TEXT = "Chapter 1: The Harbour\n\nBoats came in.\n\nMorning\n\nThe fog lifted.\n\nWind, then rain.\n\nNight\n\nThe storm broke."

MARKDOWN = """# Guide

Intro text.

## Install #

```sh
# not a heading
pip install x
```

### Linux
Run it.

## Use
Done.
"""


def assert_invariants(document: ExtractedDocument) -> None:
    """What every extractor promises about pages and headings."""
    text = document.text
    assert "\r" not in text
    previous_end = 0
    for number, page in enumerate(document.pages, start=1):
        assert page.number == number
        assert previous_end <= page.start <= page.end <= len(text)
        previous_end = page.end
    starts = [h.start for h in document.headings]
    assert starts == sorted(set(starts))
    assert all(0 <= start < len(text) for start in starts)
    flat = " ".join(text.split()).casefold()
    for heading in document.headings:
        title = " ".join(heading.path[-1].split()).casefold()
        found = " ".join(text[heading.start:].split()).casefold().startswith(title)
        page = document.page_of(heading.start)
        assert found or (page is not None and page.start == heading.start) or title not in flat, heading
