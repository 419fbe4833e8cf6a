from __future__ import annotations

import io
import zipfile

import docx
import pytest

from index_build.formats import extract
from index_build.formats.record import ExtractionLimits
from tests.index_build.formats import builders
from verbatim.errors import FileTooLargeError, NoTextError, UnreadableFileError


def test_docx_text_is_body_paragraphs_and_table_rows_in_order(docx_file: bytes) -> None:
    document = extract(docx_file, "report.docx")
    assert document.format == "docx"
    assert document.text == builders.DOCX_TEXT
    assert document.pages == ()


def test_docx_heading_paths_follow_title_and_heading_levels(docx_file: bytes) -> None:
    document = extract(docx_file, "report.docx")
    assert [(document.text[h.start:].split("\n")[0], h.path) for h in document.headings] == [
        ("Annual Report", ("Annual Report",)),
        ("Introduction", ("Annual Report", "Introduction")),
        ("Background", ("Annual Report", "Introduction", "Background")),
        ("Ergebnisse", ("Annual Report", "Ergebnisse")),  # a custom style with outline level 1
    ]


@pytest.mark.parametrize(("core_title", "title"), [("Report 2026", "Report 2026"), (None, "Annual Report")])
def test_docx_title_is_the_core_title_else_the_title_paragraph(core_title: str | None, title: str) -> None:
    document = extract(builders.docx_bytes(core_title=core_title), "report.docx")
    assert (document.title, document.author) == (title, "Ann Smith")


def test_docx_merged_cells_appear_once() -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "wide"
    table.cell(0, 2).text = "narrow"
    out = io.BytesIO()
    document.save(out)
    assert extract(out.getvalue(), "t.docx").text == "wide | narrow"


def test_docx_without_text_has_no_text() -> None:
    out = io.BytesIO()
    docx.Document().save(out)
    with pytest.raises(NoTextError, match=r"^empty\.docx: the Word document has no text"):
        extract(out.getvalue(), "empty.docx")


def test_docx_unpacking_past_the_limit_is_too_large(docx_file: bytes) -> None:
    with pytest.raises(FileTooLargeError, match=r"^report\.docx: the archive unpacks to [\d,]+ bytes, more than the 10,000"):
        extract(docx_file, "report.docx", ExtractionLimits(max_unpacked_bytes=10_000))


def test_docx_member_compressed_past_the_ratio_is_a_zip_bomb() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("word/document.xml", "w") as member:
        for _ in range(5):
            member.write(bytes(1024 * 1024))  # 5 MiB of zeros, packed about 1000:1
    with pytest.raises(FileTooLargeError, match=r"^bomb\.docx: the member 'word/document\.xml' .* \(a zip bomb\)"):
        extract(out.getvalue(), "bomb.docx")


@pytest.mark.parametrize("name", ["../evil", "/etc/evil", "word/../../evil"])
def test_docx_member_pointing_outside_the_archive_is_refused(name: str) -> None:
    data = builders.zip_bytes({"word/document.xml": "<w:document/>", name: "x"})
    with pytest.raises(UnreadableFileError, match=r"^evil\.docx: the archive has a member named .* outside the archive"):
        extract(data, "evil.docx")


def test_docx_with_too_many_members_is_refused() -> None:
    data = builders.zip_bytes({"word/document.xml": "", **{f"m/{i}": "" for i in range(10_001)}})
    with pytest.raises(FileTooLargeError, match=r"^many\.docx: the archive has 10,002 members"):
        extract(data, "many.docx")


@pytest.mark.parametrize("damage", ["truncated", "not-a-document"])
def test_docx_damaged_is_unreadable(docx_file: bytes, damage: str) -> None:
    data = docx_file[: len(docx_file) // 2] if damage == "truncated" else builders.zip_bytes({"word/document.xml": "<x"})
    with pytest.raises(UnreadableFileError, match=r"^broken\.docx: the (file|Word document) is damaged"):
        extract(data, "broken.docx")
