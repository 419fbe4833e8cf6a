"""Adding and removing documents of a published index: only new texts embedded, same result as a rebuild."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from index_build import store
from index_build.build import BuildOptions, build_index
from index_build.updates import change_library
from retrieval.index import load_index
from tests.fakes import FakeEmbedder
from verbatim.errors import BadInputError, DuplicateDocumentError

QUIET = BuildOptions(show_progress=False)
HARBOUR = (
    b"The Harbour Log\n\nThe harbour master logged the schooner Aurora at dawn. She carried salt and timber "
    b"from the northern mills, and her captain paid the dues in silver.\n\nA second schooner, the Gull, "
    b"was turned away for want of a pilot.\n"
)


class FailingEmbedder(FakeEmbedder):
    def embed_batch(self, texts):
        raise RuntimeError("the model fell over")


@pytest.fixture
def published(fixture_corpus: Path, tmp_path: Path):
    index_dir, cache = tmp_path / "index", tmp_path / "cache"
    build_index(fixture_corpus, index_dir, FakeEmbedder(), QUIET, cache_dir=cache)
    return fixture_corpus, tmp_path / "sources", index_dir, cache


def contents(index_dir: Path) -> tuple[list[str], np.ndarray, list]:
    folder = index_dir.resolve()
    passages = [store.passage_to_json(p) for p in store.read_passages(folder)]
    return passages, np.load(folder / store.PASSAGE_VECTORS), store.read_documents(folder)


def test_adding_a_document_embeds_only_its_texts(published) -> None:
    corpus, sources, index_dir, cache = published
    embedder = FakeEmbedder()
    summary = change_library(index_dir, corpus, sources, embedder, cache_dir=cache, add=[(HARBOUR, "harbour.txt")])
    index = load_index(index_dir, corpus, FakeEmbedder.fingerprint)
    new = [p for p in index.passages if p.doc_id == "harbour"]
    sentences = sum(1 for d, _, _ in index.sentences if list(index.documents)[int(d)] == "harbour")
    assert new and summary.added[0].id == "harbour"
    assert len(embedder.embedded) == len(new) + sentences
    words = set(re.findall(r"\w+", HARBOUR.decode()))
    assert all(set(re.findall(r"\w+", t)) <= words for t in embedder.embedded)  # its texts, no other's
    assert summary.build.embedded_new == len(embedder.embedded)
    for p in new:
        assert index.documents["harbour"].text[p.start : p.end] in HARBOUR.decode()


def test_an_added_document_gives_what_a_full_rebuild_gives(published, tmp_path: Path) -> None:
    corpus, sources, index_dir, cache = published
    change_library(index_dir, corpus, sources, FakeEmbedder(), cache_dir=cache, add=[(HARBOUR, "harbour.txt")])
    rebuilt = tmp_path / "rebuilt"
    build_index(corpus, rebuilt, FakeEmbedder(), QUIET, sources_dir=sources)
    added, vectors, documents = contents(index_dir)
    again, vectors_again, documents_again = contents(rebuilt)
    assert added == again
    np.testing.assert_array_equal(vectors, vectors_again)
    assert documents == documents_again


def test_a_removed_document_gives_what_a_rebuild_without_it_gives(published, tmp_path: Path) -> None:
    corpus, sources, index_dir, cache = published
    summary = change_library(index_dir, corpus, sources, FakeEmbedder(), cache_dir=cache, remove=["canal"])
    assert summary.removed == ["canal"] and summary.build.embedded_new == 0
    index = load_index(index_dir, corpus, FakeEmbedder.fingerprint)
    assert list(index.documents) == ["lighthouse"]
    alone = tmp_path / "alone"
    alone.mkdir()
    for name in ("a_lighthouse.txt", "catalog.json"):
        (alone / name).write_bytes((corpus / name).read_bytes())
    build_index(alone, tmp_path / "rebuilt", FakeEmbedder(), QUIET)
    assert contents(index_dir)[0] == contents(tmp_path / "rebuilt")[0]


def test_a_failed_build_changes_nothing(published) -> None:
    corpus, sources, index_dir, cache = published
    version = store.read_manifest(index_dir).build_id
    with pytest.raises(RuntimeError, match="fell over"):
        change_library(index_dir, corpus, sources, FailingEmbedder(), cache_dir=cache, add=[(HARBOUR, "h.txt")])
    assert store.read_manifest(index_dir).build_id == version
    assert not any(sources.glob("*.txt"))


def test_a_duplicate_is_refused_and_the_index_keeps_its_version(published) -> None:
    corpus, sources, index_dir, cache = published
    version = store.read_manifest(index_dir).build_id
    with pytest.raises(DuplicateDocumentError, match="same file as document 'lighthouse'"):
        change_library(index_dir, corpus, sources, FakeEmbedder(), cache_dir=cache,
                       add=[((corpus / "a_lighthouse.txt").read_bytes(), "copy.txt")])
    assert store.read_manifest(index_dir).build_id == version


def test_a_change_keeps_the_build_options_of_the_published_index(fixture_corpus: Path, tmp_path: Path) -> None:
    index_dir, cache = tmp_path / "index", tmp_path / "cache"
    build_index(fixture_corpus, index_dir, FakeEmbedder(), BuildOptions(show_progress=False, bm25_ngrams=False,
                contextual_headers=False), cache_dir=cache)
    change_library(index_dir, fixture_corpus, tmp_path / "sources", FakeEmbedder(), cache_dir=cache,
                   add=[(HARBOUR, "harbour.txt")])
    manifest = store.read_manifest(index_dir)
    assert manifest.index["bm25_ngrams"] is False and manifest.chunking["contextual_headers"] is False


def test_nothing_to_change_is_refused(published) -> None:
    corpus, sources, index_dir, cache = published
    with pytest.raises(BadInputError, match="nothing to add or remove"):
        change_library(index_dir, corpus, sources, FakeEmbedder(), cache_dir=cache)


def test_an_added_document_never_changes_how_another_is_read(published) -> None:
    """Its words could make "moved / earth" in the canal book look like one broken word; the canal
    book's line joins come from the corpus folder's words alone, so none of its texts is embedded again."""
    corpus, sources, index_dir, cache = published
    before = [p for p in store.read_passages(index_dir) if p.doc_id == "canal"]
    wrapped = "".join(f"The crew movedearth and stone {n} times\nalong the towpath before the {n}th lock.\n"
                      for n in range(12)).encode()
    embedder = FakeEmbedder()
    change_library(index_dir, corpus, sources, embedder, cache_dir=cache, add=[(wrapped, "towpath.txt")])
    after = [p for p in store.read_passages(index_dir) if p.doc_id == "canal"]
    assert [p.text for p in after] == [p.text for p in before]
    words = set(re.findall(r"\w+", wrapped.decode())) | {"towpath"}
    assert embedder.embedded and all(set(re.findall(r"\w+", t)) <= words for t in embedder.embedded)
