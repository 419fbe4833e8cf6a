from __future__ import annotations

import json
from pathlib import Path

import pytest

from index_build import store
from index_build.build import BuildOptions, build_index
from retrieval.index import load_index
from tests.fakes import FakeEmbedder
from verbatim.errors import BadInputError, IndexUnavailableError

QUIET = BuildOptions(show_progress=False)


def build(corpus: Path, index_dir: Path, embedder: FakeEmbedder | None = None, cache: Path | None = None):
    return build_index(corpus, index_dir, embedder or FakeEmbedder(), QUIET, cache_dir=cache)


def test_every_passage_cites_its_raw_span_with_the_right_lines(fixture_corpus: Path, tmp_path: Path) -> None:
    build(fixture_corpus, tmp_path / "index")
    index = load_index(tmp_path / "index", fixture_corpus, FakeEmbedder.fingerprint)
    assert len(index.passages) >= 3
    for p in index.passages:
        raw = index.documents[p.doc_id].text
        cited = raw[p.start : p.end]
        assert cited and cited == cited.strip()
        assert p.line_start == raw.count("\n", 0, p.start) + 1
        assert p.line_end == raw.count("\n", 0, p.end - 1) + 1


def test_fixture_passages_carry_sections_and_source_attributions(fixture_corpus: Path, tmp_path: Path) -> None:
    build(fixture_corpus, tmp_path / "index")
    passages = store.read_passages(tmp_path / "index")
    letter = next(p for p in passages if "accountants" in p.text)
    assert letter.attribution == "(2) Martha Quill, letter to her sister (1902)"
    storm = next(p for p in passages if "lantern room" in p.text)
    assert storm.attribution is None


def test_ocr_break_is_joined_for_indexing_but_cited_raw(fixture_corpus: Path, tmp_path: Path) -> None:
    build(fixture_corpus, tmp_path / "index")
    index = load_index(tmp_path / "index", fixture_corpus, FakeEmbedder.fingerprint)
    p = next(p for p in index.passages if "engineers measured" in p.text)
    assert "The en\ngineers measured" in index.documents["canal"].text[p.start : p.end]


def test_same_corpus_and_options_give_identical_passages(fixture_corpus: Path, tmp_path: Path) -> None:
    build(fixture_corpus, tmp_path / "one")
    build(fixture_corpus, tmp_path / "two")
    one = (tmp_path / "one" / store.PASSAGES).read_text()
    two = (tmp_path / "two" / store.PASSAGES).read_text()
    assert one == two
    assert [p.id for p in store.read_passages(tmp_path / "one")] == [p.id for p in store.read_passages(tmp_path / "two")]


def test_rebuild_after_one_document_changes_reembeds_only_that_document(fixture_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = FakeEmbedder()
    build(fixture_corpus, tmp_path / "index", first, cache)
    assert first.embedded
    path = fixture_corpus / "a_lighthouse.txt"
    path.write_text(path.read_text().replace("two fishermen", "three fishermen"))
    second = FakeEmbedder()
    summary = build(fixture_corpus, tmp_path / "index", second, cache)
    assert second.embedded, "the changed document was not re-embedded"
    canal_texts = [t for t in first.embedded if "canal" in t.lower() or "Canal Works" in t]
    assert canal_texts and not any(t in second.embedded for t in canal_texts)
    assert all("Lighthouse" in t or "fishermen" in t or "lantern" in t for t in second.embedded if "|" in t)
    assert summary.embedded_cached > 0


def test_crash_mid_build_leaves_the_previous_index_loadable(fixture_corpus: Path, tmp_path: Path, monkeypatch) -> None:
    index_dir = tmp_path / "index"
    build(fixture_corpus, index_dir)
    before = store.read_manifest(index_dir).build_id
    (fixture_corpus / "a_lighthouse.txt").write_text("Changed text. It is new.\n")

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("faiss.write_index", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        build(fixture_corpus, index_dir)
    assert store.read_manifest(index_dir).build_id == before
    assert not [p for p in (tmp_path / "index.builds").iterdir() if p.name.startswith(".tmp-")]
    # the old index still loads against its own corpus
    monkeypatch.undo()
    (fixture_corpus / "a_lighthouse.txt").unlink()
    with pytest.raises(IndexUnavailableError, match="missing from the corpus"):
        load_index(index_dir, fixture_corpus, FakeEmbedder.fingerprint)


def test_manifest_describes_the_build(fixture_corpus: Path, tmp_path: Path) -> None:
    summary = build(fixture_corpus, tmp_path / "index")
    manifest = json.loads((tmp_path / "index" / store.MANIFEST).read_text())
    assert manifest["model"]["name"] == FakeEmbedder.name
    assert manifest["model"]["dimension"] == FakeEmbedder.dimension
    assert manifest["chunking"]["target_tokens"] == 200
    assert set(manifest["corpus"]["sha256"]) == {"lighthouse", "canal"}
    assert manifest["counts"]["passages"] == summary.passages
    assert manifest["index"]["faiss_factory"] == "auto"
    assert manifest["index"]["faiss_index"] == "Flat"  # a corpus this small is searched exactly


def test_index_built_with_another_model_is_refused(fixture_corpus: Path, tmp_path: Path) -> None:
    build(fixture_corpus, tmp_path / "index")
    with pytest.raises(IndexUnavailableError, match="built with another embedding model"):
        load_index(tmp_path / "index", fixture_corpus, "another-fingerprint")


def test_index_of_a_changed_corpus_is_refused(fixture_corpus: Path, tmp_path: Path) -> None:
    build(fixture_corpus, tmp_path / "index")
    (fixture_corpus / "b_canal.txt").write_text("edited\n")
    with pytest.raises(IndexUnavailableError, match="changed since the index was built; run `verbatim index`"):
        load_index(tmp_path / "index", fixture_corpus, FakeEmbedder.fingerprint)


def test_missing_index_names_the_command_that_builds_it(fixture_corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError, match="no index at .*run `verbatim index`"):
        load_index(tmp_path / "nothing", fixture_corpus, None)


@pytest.mark.parametrize("factory", ["Flat", "HNSW8"])
def test_faiss_index_type_is_chosen_by_factory_string(fixture_corpus: Path, tmp_path: Path, factory: str) -> None:
    build_index(fixture_corpus, tmp_path / "index", FakeEmbedder(), BuildOptions(show_progress=False, faiss_factory=factory))
    index = load_index(tmp_path / "index", fixture_corpus, FakeEmbedder.fingerprint, mmap=False)
    assert index.dense.ntotal == len(index.passages)
    assert store.read_manifest(tmp_path / "index").index["faiss_factory"] == factory


def test_unknown_faiss_factory_is_a_readable_error(fixture_corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="--faiss-factory 'Nonsense9' is not a FAISS index factory string"):
        build_index(fixture_corpus, tmp_path / "index", FakeEmbedder(), BuildOptions(show_progress=False, faiss_factory="Nonsense9"))


def test_bad_file_writes_nothing(fixture_corpus: Path, tmp_path: Path) -> None:
    (fixture_corpus / "z.txt").write_bytes(b"\xff\xfe")
    with pytest.raises(BadInputError, match="z.txt: not UTF-8"):
        build(fixture_corpus, tmp_path / "index")
    assert not (tmp_path / "index").exists()


def test_a_rebuild_found_whole_in_the_cache_says_so_instead_of_an_empty_progress_bar(
        fixture_corpus: Path, tmp_path: Path, capsys) -> None:
    shown = BuildOptions(show_progress=True)
    first = build_index(fixture_corpus, tmp_path / "index", FakeEmbedder(), shown, cache_dir=tmp_path / "cache")
    assert first.embedded_new > 0 and first.embedded_cached == 0
    capsys.readouterr()
    again = FakeEmbedder()
    second = build_index(fixture_corpus, tmp_path / "index", again, shown, cache_dir=tmp_path / "cache")
    err = capsys.readouterr().err
    assert again.embedded == [] and second.embedded_new == 0 and second.embedded_cached == first.embedded_new
    assert f"embedding: all {first.embedded_new} texts from the cache" in err
    assert f"0/{first.embedded_new}" not in err


def test_the_build_prints_no_debug_notes_of_its_libraries(fixture_corpus: Path, tmp_path: Path, capsys) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s", force=True)  # as the CLI does
    try:
        summary = build(fixture_corpus, tmp_path / "index")
        for line in summary.lines():
            print(line)
        out = capsys.readouterr()
    finally:
        logging.basicConfig(force=True)
    assert "DEBUG" not in out.out + out.err
    assert "Building index from tokens" not in out.out + out.err
