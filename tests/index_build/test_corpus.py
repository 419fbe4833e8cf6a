from __future__ import annotations

from pathlib import Path

import pytest

from index_build.corpus import line_count, read_corpus
from verbatim.errors import BadInputError


def test_catalogued_documents_get_their_ids_titles_and_kinds(fixture_corpus: Path) -> None:
    docs = read_corpus(fixture_corpus)
    assert [(d.id, d.title, d.kind) for d in docs] == [
        ("lighthouse", "The Lighthouse Keeper", "web page"),
        ("canal", "Canal Works", "OCR book"),
    ]


def test_document_without_catalog_entry_is_titled_from_its_first_line(fixture_corpus: Path) -> None:
    (fixture_corpus / "c_extra.md").write_text("\n  A Note on Tides  \nbody text\n", encoding="utf-8")
    doc = read_corpus(fixture_corpus)[-1]
    assert (doc.id, doc.title, doc.kind) == ("c_extra", "A Note on Tides", None)


def test_hashes_sizes_and_line_counts_are_recorded(fixture_corpus: Path) -> None:
    import hashlib

    doc = read_corpus(fixture_corpus)[0]
    data = (fixture_corpus / "a_lighthouse.txt").read_bytes()
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size == len(data)
    assert doc.lines == 15


@pytest.mark.parametrize(("text", "lines"), [("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("\n\n", 2)])
def test_line_count_counts_a_last_line_without_newline(text: str, lines: int) -> None:
    assert line_count(text) == lines


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n ", "empty file"),
        (b"abc\x00def", "binary file (contains NUL bytes)"),
        (b"caf\xe9 au lait", "not UTF-8 (byte 3)"),
        (b"\xef\xbb\xbfhello", "starts with a byte-order mark; save it as UTF-8 without BOM"),
    ],
)
def test_bad_file_stops_the_build_with_one_line_naming_it(fixture_corpus: Path, content: bytes, reason: str) -> None:
    bad = fixture_corpus / "z_bad.txt"
    bad.write_bytes(content)
    with pytest.raises(BadInputError) as caught:
        read_corpus(fixture_corpus)
    assert caught.value.message == f"{bad}: {reason}"


def test_skip_bad_turns_a_bad_file_into_a_warning(fixture_corpus: Path, caplog) -> None:
    (fixture_corpus / "z_bad.txt").write_bytes(b"\x00\x01")
    docs = read_corpus(fixture_corpus, skip_bad=True)
    assert [d.id for d in docs] == ["lighthouse", "canal"]
    assert "z_bad.txt: binary file" in caplog.text


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="corpus folder not found"):
        read_corpus(tmp_path / "nope")


def test_folder_without_texts_is_refused(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(BadInputError, match=r"no documents in the corpus folder"):
        read_corpus(tmp_path)
