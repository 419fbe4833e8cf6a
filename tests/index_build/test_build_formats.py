"""Every format through the build: each passage of a PDF, web page, Word file and EPUB is exact, and carries
the page and section its file gives it."""

from __future__ import annotations

from pathlib import Path

import pytest

from index_build.build import BuildOptions, build_index
from index_build.structure import SEPARATOR
from retrieval.index import load_index
from tests.fakes import FakeEmbedder
from tests.index_build.formats.builders import HTML_PAGE, docx_bytes, epub_bytes, pdf_bytes, pdf_with_labels

FILES = {
    "book.pdf": pdf_bytes,
    "labelled.pdf": pdf_with_labels,
    "page.html": lambda: HTML_PAGE,
    "report.docx": docx_bytes,
    "harbour.epub": epub_bytes,
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, make in FILES.items():
        (corpus / name).write_bytes(make())
    build_index(corpus, root / "index", FakeEmbedder(), BuildOptions(show_progress=False))
    return load_index(root / "index", corpus, FakeEmbedder.fingerprint)


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_passage_of_each_format_is_exact_with_its_files_page_and_section(index, name: str) -> None:
    doc_id = Path(name).stem
    doc = index.documents[doc_id]
    record = doc.record
    assert record.format == Path(name).suffix[1:] and record.stored_text
    passages = [p for p in index.passages if p.doc_id == doc_id]
    assert passages
    pages = [(number, label, start, end) for number, label, start, end in record.pages]
    for p in passages:
        cited = doc.text[p.start : p.end]
        assert cited and cited == cited.strip()
        assert p.line_start == doc.text.count("\n", 0, p.start) + 1
        if pages:
            first = next(pg for pg in pages if pg[2] <= p.start < pg[3])
            last = next(pg for pg in pages if pg[2] <= p.end - 1 < pg[3])
            assert (p.page, p.page_label, p.page_end, p.page_end_label) == (first[0], first[1], last[0], last[1])
        else:
            assert p.page is None and p.page_label is None


def test_pdf_page_labels_reach_the_passages(index) -> None:
    labels = {(p.page, p.page_label) for p in index.passages if p.doc_id == "labelled"}
    unlabelled = {(p.page, p.page_label) for p in index.passages if p.doc_id == "book"}
    assert labels and all(label is not None for _, label in labels)
    assert unlabelled and all(label is None for _, label in unlabelled)


def test_headings_become_the_passages_sections(index) -> None:
    sections = {p.section for p in index.passages if p.doc_id == "report"}
    assert sections <= {None, *(SEPARATOR.join(h) for h in [("Annual Report",), ("Annual Report", "Introduction"),
                        ("Annual Report", "Introduction", "Background"), ("Annual Report", "Ergebnisse")])}
    assert sections
