from __future__ import annotations

import pytest

from index_build.formats import extract
from index_build.formats.record import ExtractionLimits, Heading, PageSpan
from tests.index_build.formats import builders
from verbatim.errors import FileTooLargeError, NoTextError, UnreadableFileError

PDF_TEXT = ("Chapter One\nThe first page tells of the harbour.\n\n"
            "Chapter Two\nThe second page tells of the storm.\nThe Wreck\nA ship ran aground.\n\n"
            "The fourth page opens with a note.\nAppendix\nTables of tides.")


def test_pdf_text_is_each_page_text_joined_by_a_blank_line(pdf_file: bytes) -> None:
    document = extract(pdf_file, "book.pdf")
    assert document.format == "pdf"
    assert document.text == PDF_TEXT
    assert (document.title, document.author) == ("The Harbour Book", "Ann Smith")


def test_pdf_page_of_every_character_is_its_physical_page(pdf_file: bytes) -> None:
    document = extract(pdf_file, "book.pdf")
    assert document.pages == (PageSpan(1, None, 0, 48), PageSpan(2, None, 50, 127), PageSpan(3, None, 127, 127),
                              PageSpan(4, None, 129, 189))
    for span in document.pages:
        page_text = document.text[span.start:span.end]
        for number, sentence in builders.PDF_PAGES.items():
            if sentence:
                assert (sentence in page_text) == (number == span.number)
    for offset, char in enumerate(document.text):
        page = document.page_of(offset)
        assert (page is None) == (offset in (48, 49, 127, 128)), offset  # the separators belong to no page
        assert page is None or char in document.text[page.start:page.end]


def test_pdf_blank_page_has_a_zero_length_span_between_its_neighbours(pdf_file: bytes) -> None:
    pages = extract(pdf_file, "book.pdf").pages
    assert pages[2].start == pages[2].end == pages[1].end


def test_pdf_without_page_labels_reports_none_not_pypdfs_default_numbers(pdf_file: bytes) -> None:
    assert [p.label for p in extract(pdf_file, "book.pdf").pages] == [None] * 4


def test_pdf_page_labels_are_the_ones_the_pdf_defines() -> None:
    document = extract(builders.pdf_with_labels(), "book.pdf")
    assert [(p.number, p.label) for p in document.pages] == [(1, "i"), (2, "1"), (3, "2"), (4, "3")]


def test_pdf_headings_come_from_the_outline_at_their_title_on_the_page(pdf_file: bytes) -> None:
    document = extract(pdf_file, "book.pdf")
    assert document.headings == (
        Heading(0, ("Chapter One",)),
        Heading(50, ("CHAPTER TWO",)),  # found case- and whitespace-insensitively
        Heading(document.text.index("The Wreck"), ("CHAPTER TWO", "The Wreck")),
        Heading(129, ("Back matter",)),  # its title is not on the page: the page's start
        Heading(document.text.index("Appendix"), ("Appendix",)),
    )


@pytest.mark.parametrize("password", ["", "secret"])
def test_pdf_encrypted_opens_with_an_empty_password_and_refuses_a_real_one(password: str) -> None:
    data = builders.pdf_encrypted(password)
    if password:
        with pytest.raises(UnreadableFileError, match=r"^locked\.pdf: the PDF is encrypted with a password; remove"):
            extract(data, "locked.pdf")
    else:
        assert extract(data, "locked.pdf").text == PDF_TEXT


def scanned_with_ocr_layer() -> bytes:
    """A scan as OCR tools leave it: a page image with the recognised words under it, invisible."""
    from fpdf import FPDF
    from fpdf.enums import TextMode

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 190, 270, style="F")  # stands for the scanned image
    pdf.set_font("helvetica", size=12)
    pdf.text_mode = TextMode.INVISIBLE
    pdf.text(20, 30, "The recognised words of the scanned page.")
    return bytes(pdf.output())


def test_pdf_scanned_with_an_ocr_text_layer_is_read_like_any_other() -> None:
    found = extract(scanned_with_ocr_layer(), "scan.pdf")
    assert found.text == "The recognised words of the scanned page."
    assert found.pages == (PageSpan(1, None, 0, len(found.text)),)


def test_pdf_without_a_text_layer_needs_ocr() -> None:
    with pytest.raises(NoTextError, match=r"^scan\.pdf: the PDF has no text layer .* \(e\.g\. ocrmypdf\)"):
        extract(builders.blank_pdf(), "scan.pdf")


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_pdf_damaged_is_unreadable(pdf_file: bytes, damage: str) -> None:
    data = pdf_file[: len(pdf_file) // 2] if damage == "truncated" else b"%PDF-1.7\n" + bytes(range(256)) * 20
    with pytest.raises(UnreadableFileError, match=r"^broken\.pdf: the PDF is damaged or truncated"):
        extract(data, "broken.pdf")


def test_pdf_with_more_pages_than_the_limit_is_too_large(pdf_file: bytes) -> None:
    with pytest.raises(FileTooLargeError, match=r"^book\.pdf: the PDF has 4 pages, more than the 3 allowed"):
        extract(pdf_file, "book.pdf", ExtractionLimits(max_pages=3))
