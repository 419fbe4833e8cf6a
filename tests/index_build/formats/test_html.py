from __future__ import annotations

import pytest

from index_build.formats import extract
from tests.index_build.formats import builders
from verbatim.errors import NoTextError


def test_html_main_text_is_one_paragraph_per_block_without_the_boilerplate() -> None:
    document = extract(builders.HTML_PAGE, "page.html")
    assert document.format == "html"
    assert document.text == builders.HTML_TEXT
    for boilerplate in ("Home", "Menu item", "Site banner", "An aside", "hidden", "Search", "Copyright", "color"):
        assert boilerplate.casefold() not in document.text.casefold()


def test_html_declared_charset_decodes_the_page() -> None:
    document = extract(builders.HTML_PAGE, "page.html")
    assert (document.title, document.author) == ("Caf\u00e9 \u2013 the page", "Ann Smith")
    assert document.text.startswith("The caf\u00e9")


def test_html_heading_paths_follow_the_heading_levels() -> None:
    document = extract(builders.HTML_PAGE, "page.html")
    assert [(document.text[h.start:].split("\n")[0], h.path) for h in document.headings] == [
        ("The caf\u00e9", ("The caf\u00e9",)),
        ("Part A", ("The caf\u00e9", "Part A")),
        ("Detail", ("The caf\u00e9", "Part A", "Detail")),
        ("Part B", ("The caf\u00e9", "Part B")),  # a new h2 closes the old h2 and its h3
    ]


@pytest.mark.parametrize(
    ("page", "text"),
    [
        (b"<html><body><nav>Menu</nav><article><p>Only this.</p></article><p>Not this.</p></body></html>",
         "Only this."),
        (b"<html><body><div role='main'><p>Main.</p></div><p>Side.</p></body></html>", "Main."),
        (b"<html><body><article><p>One.</p></article><article><p>Two.</p></article></body></html>", "One.\n\nTwo."),
        (b"<html><body><p>Unclosed <b>bold<p>next</div></span>", "Unclosed bold\n\nnext"),
        (b"<?xml version='1.0' encoding='iso-8859-1'?><html><body><p>Gr\xfc\xdfe \x93quoted\x94</p></body></html>",
         "Gr\u00fc\u00dfe \u201cquoted\u201d"),  # latin-1 is read as windows-1252, as browsers do
        (b"<html><body><p>Bad \xff byte</p></body></html>", "Bad \ufffd byte"),
        (b"<html><body><article><header><h1>Kept</h1></header><p>Body.</p></article></body></html>", "Kept\n\nBody."),
        (b"<html><body><p>con\x01trol\x0cchars</p><nav>x</nav></body></html>", "control chars"),
    ],
    ids=["single-article", "role-main", "two-articles-take-body", "broken-markup", "xml-declaration",
         "invalid-utf8", "article-header-kept", "control-characters"],
)
def test_html_main_content_selection_and_decoding(page: bytes, text: str) -> None:
    assert extract(page, "page.html").text == text


def test_html_title_falls_back_to_the_first_h1() -> None:
    document = extract(b"<html><body><h2>Sub</h2><h1>Top</h1><p>x</p></body></html>", "page.htm")
    assert document.title == "Top"
    assert document.author is None


@pytest.mark.parametrize("page", [b"", b"  \n", b"<html><body><nav>Menu</nav><script>x()</script></body></html>"])
def test_html_without_main_text_has_no_text(page: bytes) -> None:
    with pytest.raises(NoTextError, match=r"^empty\.html: the HTML page"):
        extract(page, "empty.html")
