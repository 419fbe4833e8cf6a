from __future__ import annotations

import pytest

from retrieval.search import Retriever
from retrieval.windows import SentenceLexicon, WindowConfig


def test_lexicon_coverage_is_the_share_of_the_question_idf_weight() -> None:
    lexicon = SentenceLexicon(["the storm destroyed the lantern", "ships passed", "storm"])
    cover = lexicon.coverage("storm lantern")
    assert cover[0] == pytest.approx(1.0)
    assert cover[1] == 0.0
    assert 0.0 < cover[2] < 0.5  # "storm" is commoner than "lantern", so weighs less
    best, whole = lexicon.shares("storm lantern")(1, 3)
    assert best == pytest.approx(cover[2]) and whole == pytest.approx(cover[2])


@pytest.mark.parametrize("max_chars", [60, 120, 400])
def test_recut_passages_are_exact_spans_within_the_limit(fixture_retriever: Retriever, max_chars: int) -> None:
    cfg = fixture_retriever.config.named(recut=True, rerank=False, window=WindowConfig(max_chars=max_chars))
    result = fixture_retriever.search("Who rebuilt the lantern room after the storm?", 5, config=cfg)
    assert result.hits
    spans = []
    for hit in result.hits:
        p = hit.passage
        text = fixture_retriever.index.documents[p.doc_id].text
        sentences = fixture_retriever.index.sentences[p.sentence_first : p.sentence_last]
        # boundaries are sentence boundaries of the build; one sentence is never cut even when longer
        assert p.start == int(sentences[0][1]) and p.end == int(sentences[-1][2])
        assert p.end - p.start <= max_chars or p.sentence_last - p.sentence_first == 1
        assert p.line_start == text.count("\n", 0, p.start) + 1
        assert p.line_end == text.count("\n", 0, p.end - 1) + 1
        spans.append((p.doc_id, p.start, p.end))
    for i, (d, s, e) in enumerate(spans):
        assert not any(d == d2 and s < e2 and s2 < e for d2, s2, e2 in spans[i + 1 :])


def test_recut_centres_on_the_sentence_that_answers(fixture_retriever: Retriever) -> None:
    cfg = fixture_retriever.config.named(recut=True, rerank=False, window=WindowConfig(max_chars=130))
    hit = fixture_retriever.search("storm destroyed the lantern room 1895", 1, config=cfg).hits[0]
    text = fixture_retriever.index.documents[hit.passage.doc_id].text[hit.passage.start : hit.passage.end]
    assert "In 1895 a storm destroyed the lantern room." in text
