"""The library: the corpus folder (never written) plus the readers' own files in the sources folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index_build.formats.record import ExtractionLimits
from index_build.library import REMOVED_FILE, Library, safe_id, safe_suffix
from verbatim.errors import BadInputError, DuplicateDocumentError, NotFoundError

LIMITS = ExtractionLimits()
NOTE = b"The harbour master logged the schooner Aurora at dawn.\n\nShe carried salt and timber.\n"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("name", "doc_id", "suffix"),
    [
        ("Harbour Log 1902.txt", "harbour-log-1902", ".txt"),
        ("../../etc/passwd.txt", "passwd", ".txt"),
        ("..\\..\\windows\\win.ini.TXT", "win-ini", ".txt"),
        ("/abs/path/report.pdf", "report", ".pdf"),
        ("evil\x00name.pd f", "evil-name", ".pdf"),
        ("....", "document", ""),
        ("Записка.md", "document", ".md"),
        ("Café Müller – notes.html", "cafe-muller-notes", ".html"),
    ],
)
def test_an_uploaded_name_gives_a_safe_id_and_suffix(name: str, doc_id: str, suffix: str) -> None:
    assert safe_id(name) == doc_id
    assert safe_suffix(name) == suffix


def test_adding_a_file_writes_only_into_the_sources_folder(fixture_corpus: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    corpus_before = tree(fixture_corpus)
    doc, _ = Library(fixture_corpus, sources).add(NOTE, "../../../outside/harbour.txt", LIMITS)
    assert doc.id == "harbour" and doc.origin == "sources" and doc.file == "harbour.txt"
    assert tree(fixture_corpus) == corpus_before
    assert sorted(tree(sources)) == ["catalog.json", "harbour.txt"]
    assert not (tmp_path / "outside").exists()
    assert [d.id for d in Library(fixture_corpus, sources).documents()] == ["lighthouse", "canal", "harbour"]


def test_a_taken_id_gets_a_number(fixture_corpus: Path, tmp_path: Path) -> None:
    doc, _ = Library(fixture_corpus, tmp_path / "s").add(NOTE, "canal.txt", LIMITS)
    assert doc.id == "canal-2"


def test_the_same_file_twice_is_refused_naming_the_document_it_duplicates(fixture_corpus: Path, tmp_path: Path) -> None:
    library = Library(fixture_corpus, tmp_path / "sources")
    library.add(NOTE, "harbour.txt", LIMITS)
    with pytest.raises(DuplicateDocumentError, match=r"copy\.txt is the same file as document 'harbour'"):
        library.add(NOTE, "copy.txt", LIMITS)
    corpus_file = (fixture_corpus / "a_lighthouse.txt").read_bytes()
    with pytest.raises(DuplicateDocumentError, match="'lighthouse'"):
        library.add(corpus_file, "again.txt", LIMITS)


def test_a_bad_file_is_refused_and_leaves_nothing_behind(fixture_corpus: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    with pytest.raises(BadInputError, match=r"notes\.txt: binary file"):
        Library(fixture_corpus, sources).add(b"abc\x00def", "notes.txt", LIMITS)
    assert tree(sources) == {}


def test_undo_of_an_addition_restores_the_sources_folder(fixture_corpus: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    library = Library(fixture_corpus, sources)
    library.add(NOTE, "first.txt", LIMITS)
    before = tree(sources)
    _, undo = library.add(NOTE.replace(b"salt", b"coal"), "second.txt", LIMITS)
    undo()
    assert tree(sources) == before


def test_removing_an_added_document_deletes_its_file(fixture_corpus: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    library = Library(fixture_corpus, sources)
    library.add(NOTE, "harbour.txt", LIMITS)
    undo = library.remove("harbour")
    assert not (sources / "harbour.txt").exists()
    assert "harbour" not in {d.id for d in library.documents()}
    undo()
    assert (sources / "harbour.txt").read_bytes() == NOTE


def test_removing_a_corpus_document_withholds_it_without_touching_the_corpus(fixture_corpus: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    before = tree(fixture_corpus)
    library = Library(fixture_corpus, sources)
    undo = library.remove("canal")
    assert tree(fixture_corpus) == before
    assert json.loads((sources / REMOVED_FILE).read_text()) == ["canal"]
    assert [d.id for d in library.documents()] == ["lighthouse"]
    undo()
    assert [d.id for d in library.documents()] == ["lighthouse", "canal"]


def test_removing_an_unknown_or_the_last_document_is_refused(fixture_corpus: Path, tmp_path: Path) -> None:
    library = Library(fixture_corpus, tmp_path / "sources")
    with pytest.raises(NotFoundError, match="no document 'nope'; known ids: canal, lighthouse"):
        library.remove("nope")
    library.remove("canal")
    with pytest.raises(BadInputError, match="'lighthouse' is the last document"):
        library.remove("lighthouse")
