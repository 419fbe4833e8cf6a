"""``verbatim add`` and ``verbatim remove``: change the published index; bad input is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from index_build import store
from index_build.build import BuildOptions, build_index
from tests.fakes import FakeEmbedder
from tests.index_build.formats.builders import pdf_bytes, pdf_encrypted
from verbatim.cli import main


@pytest.fixture
def published(fixture_corpus: Path, tmp_path: Path, monkeypatch):
    build_index(fixture_corpus, tmp_path / "index", FakeEmbedder(), BuildOptions(show_progress=False),
                cache_dir=tmp_path / "cache")
    monkeypatch.setattr("embeddings.backends.load_embedder", lambda *args, **kwargs: FakeEmbedder())
    folders = ["--corpus", str(fixture_corpus), "--index-dir", str(tmp_path / "index"),
               "--cache-dir", str(tmp_path / "cache"), "--sources-dir", str(tmp_path / "sources"), "--quiet"]
    return tmp_path, folders


def test_add_then_remove_a_pdf(published, capsys) -> None:
    tmp_path, folders = published
    (tmp_path / "Harbour Book.pdf").write_bytes(pdf_bytes())
    assert main(["add", str(tmp_path / "Harbour Book.pdf"), *folders]) == 0
    out = capsys.readouterr().out
    assert out.startswith("added 'harbour-book': The Harbour Book (PDF, 4 pages, ")
    docs = {d.id: d for d in store.read_documents(tmp_path / "index")}
    assert docs["harbour-book"].format == "pdf" and docs["harbour-book"].stored_text
    assert main(["remove", "harbour-book", *folders]) == 0
    assert "removed 'harbour-book'" in capsys.readouterr().out
    assert [d.id for d in store.read_documents(tmp_path / "index")] == ["lighthouse", "canal"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (lambda t: ["add", str(t / "missing.pdf")], "missing.pdf: no such file"),
        (lambda t: ["add", str(t / "locked.pdf")], "locked.pdf: the PDF is encrypted"),
        (lambda t: ["remove", "nope"], "no document 'nope'; known ids: canal, lighthouse"),
    ],
)
def test_bad_changes_are_one_line_and_exit_2(published, capsys, command, message: str) -> None:
    tmp_path, folders = published
    (tmp_path / "locked.pdf").write_bytes(pdf_encrypted("secret"))
    version = store.read_manifest(tmp_path / "index").build_id
    assert main([*command(tmp_path), *folders]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("verbatim: error: ") and message in err, err
    assert store.read_manifest(tmp_path / "index").build_id == version
