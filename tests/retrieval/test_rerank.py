from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval.rerank import FEATURES, MODEL_FILE, LinearModel, load_reranker, question_names
from retrieval.search import Retriever


def test_question_names_are_the_capitalised_words_after_the_first() -> None:
    assert question_names("When did Martha Quill rebuild the Lantern room?") == ["lantern", "martha", "quill"]
    assert question_names("Who kept it?") == []


def test_linear_model_survives_its_json_round_trip() -> None:
    model = LinearModel(("a", "b"), np.array([1.0, 2.0], np.float32), np.array([2.0, 4.0], np.float32),
                        np.array([0.5, -1.0], np.float32), 0.25)
    again = LinearModel.from_json(model.to_json({"note": "x"}), ("a", "b"))
    x = np.array([[3.0, 6.0], [1.0, 2.0]], np.float32)
    # ((3-1)/2)*0.5 + ((6-2)/4)*-1 + 0.25 = -0.25; the means score the intercept
    assert again.score(x) == pytest.approx([-0.25, 0.25])


def test_a_model_for_other_features_is_refused() -> None:
    body = json.loads(MODEL_FILE.read_text())
    body["features"] = body["features"][::-1]
    with pytest.raises(ValueError, match="differ from the code's"):
        LinearModel.from_json(json.dumps(body), FEATURES)


def test_shipped_reranker_matches_the_code_and_records_its_dev_figures() -> None:
    model = load_reranker()
    assert model is not None and model.names == FEATURES
    body = json.loads(MODEL_FILE.read_text())
    assert all(name.startswith("dev") for name in body["trained_on"])
    assert body["cross_validated_dev"]["mrr@10"] > body["first_stage_dev"]["mrr@10"]


def test_features_describe_each_candidate(fixture_retriever: Retriever) -> None:
    question = "Who rebuilt the lantern room after the storm of 1895?"
    cfg = fixture_retriever.config.named(rerank=False)
    result = fixture_retriever.search(question, 5, config=cfg)
    from retrieval.rerank import Candidate

    candidates = [Candidate(h.passage, h.score, h.rank, h.dense_score, h.bm25_score) for h in result.hits]
    scores = fixture_retriever.index.sentence_matrix @ fixture_retriever.embedder.embed_batch([question])[0]
    x = fixture_retriever.candidate_features(question, candidates, scores)
    assert x.shape == (len(candidates), len(FEATURES))
    col = {name: i for i, name in enumerate(FEATURES)}
    assert x[0, col["inverse_rank"]] == 1.0 and x[0, col["fused"]] == pytest.approx(1.0)
    assert x[:, col["best_sentence_gap"]].max() == pytest.approx(0.0)
    storm = next(i for i, c in enumerate(candidates) if "1895" in fixture_retriever.index.documents[
        c.passage.doc_id].text[c.passage.start : c.passage.end])
    # the passage holding "storm", "1895", "lantern", "rebuilt" holds most of the question's weight
    assert x[storm, col["passage_coverage"]] > 0.8
    assert np.all((x[:, col["passage_coverage"]] >= 0) & (x[:, col["passage_coverage"]] <= 1))


def test_reranking_reorders_by_the_model(fixture_retriever: Retriever) -> None:
    question = "storm lantern 1895"
    col = FEATURES.index("length")
    # a model that only likes long passages puts the longest candidate first
    coef = np.zeros(len(FEATURES), np.float32)
    coef[col] = 1.0
    saved = fixture_retriever.reranker
    try:
        fixture_retriever.reranker = LinearModel(FEATURES, np.zeros(len(FEATURES), np.float32),
                                                 np.ones(len(FEATURES), np.float32), coef, 0.0)
        hits = fixture_retriever.search(question, 3).hits
        plain = fixture_retriever.search(question, 20, config=fixture_retriever.config.named(rerank=False)).hits
    finally:
        fixture_retriever.reranker = saved
    longest = max(plain, key=lambda h: h.passage.end - h.passage.start)
    assert (hits[0].passage.start, hits[0].passage.end) == (longest.passage.start, longest.passage.end)
    lengths = [h.passage.end - h.passage.start for h in hits]
    assert lengths == sorted(lengths, reverse=True)


def test_an_unusable_model_file_is_a_clear_error_naming_the_fix(tmp_path) -> None:
    from retrieval.abstention import load_abstention
    from verbatim.errors import ModelUnavailableError

    bad = tmp_path / "model.json"
    bad.write_text(json.dumps({"features": ["other"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0}))
    with pytest.raises(ModelUnavailableError, match="refit it: python -m eval.train"):
        load_reranker(bad)
    with pytest.raises(ModelUnavailableError, match="unusable abstention model"):
        load_abstention(bad)
    assert load_reranker(tmp_path / "none.json") is None
