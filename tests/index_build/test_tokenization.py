from __future__ import annotations

import pytest

from index_build.tokenization import bm25_tokens, transliteration_key, words


@pytest.mark.parametrize(
    "spellings",
    [
        ("Yezhov", "Ezhov"),
        ("Tukhachevsky", "Tukhachevskii", "Tukhachevskiy"),
        ("Zinoviev", "Zinovyev", "Zinov'ev"),
        ("Ordzhonikidze", "Orjonikidze"),
        ("Iagoda", "Yagoda", "Jagoda"),
        ("Beria", "Beriia", "Beriya"),
        ("Ignat'ev", "Ignatev"),
        ("Aleksandr", "Alexandr"),
    ],
)
def test_romanisations_of_one_russian_name_share_one_key(spellings: tuple[str, ...]) -> None:
    keys = {tuple(words(s)) for s in spellings}
    assert len(keys) == 1 and len(next(iter(keys))) == 1


@pytest.mark.parametrize(("a", "b"), [("Ezhov", "Eikhe"), ("Kirov", "Kerov"), ("Beria", "Berlin"), ("Molotov", "Mikoian")])
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert words(a) != words(b)


def test_keys_are_stable_under_a_second_pass() -> None:
    for word in ("ezhov", "tukhachevski", "zinovev", "orjonikidze", "agoda", "beria"):
        assert transliteration_key(word) == word


def test_bm25_tokens_add_character_grams_of_the_folded_word() -> None:
    assert bm25_tokens("Yezhov") == ["ezhov", "#_ezh", "#ezho", "#zhov", "#hov_"]


def test_an_index_made_with_another_tokeniser_is_stale(tmp_path, fixture_corpus, monkeypatch) -> None:
    import json

    from index_build.build import BuildOptions, build_index
    from index_build.freshness import index_is_fresh
    from tests.fakes import FakeEmbedder

    options = BuildOptions(show_progress=False)
    build_index(fixture_corpus, tmp_path / "index", FakeEmbedder(), options)
    manifest = tmp_path / "index" / "manifest.json"
    body = json.loads(manifest.read_text())
    assert body["index"]["bm25_tokenizer"]
    body["index"]["bm25_tokenizer"] = "words-4grams-1"
    manifest.write_text(json.dumps(body))
    # the fake model is not the bundled one: skip the model check, keep the tokeniser check
    from index_build import freshness

    monkeypatch.setattr(freshness, "serving_problem", lambda *a, **k: None)
    assert index_is_fresh(tmp_path / "index", fixture_corpus, options) == "BM25 tokeniser changed"
