from __future__ import annotations

import json

import numpy as np
import pytest

from eval.train import abstention_threshold
from retrieval.abstention import FEATURES, MODEL_FILE, load_abstention
from retrieval.search import Retriever


def test_threshold_flags_at_most_five_percent_of_answerable_questions() -> None:
    confidence = np.array([0.1, 0.2] + [0.5 + i / 100 for i in range(40)])
    answerable = np.array([0, 0] + [1] * 40)
    threshold = abstention_threshold(confidence, answerable)
    assert threshold == pytest.approx(0.52)  # 2 of 40 answerable below it: exactly 5%
    assert np.mean(confidence[answerable == 1] < threshold) == 0.05
    assert np.all(confidence[answerable == 0] < threshold)


def test_shipped_abstention_model_matches_the_code() -> None:
    model = load_abstention()
    assert model is not None and model.model.names == FEATURES
    body = json.loads(MODEL_FILE.read_text())
    assert 0.0 < model.threshold < 1.0 and body["unanswerable"] > 0
    assert body["cross_validated_dev"]["abstain_answerable"] <= 0.05


def test_every_answer_carries_a_confidence_that_decides_supported(fixture_retriever: Retriever) -> None:
    for question in ("Who rebuilt the lantern room after the storm of 1895?", "javascript kubernetes recipe"):
        result = fixture_retriever.search(question, 3)
        assert result.confidence is not None and 0.0 <= result.confidence <= 1.0
        assert result.supported == (result.confidence >= fixture_retriever.abstention.threshold)
        assert result.signals.shape == (len(FEATURES),)


def test_off_topic_words_unknown_to_the_corpus_lower_confidence(fixture_retriever: Retriever) -> None:
    on = fixture_retriever.search("Who rebuilt the lantern room after the storm of 1895?", 3)
    off = fixture_retriever.search("javascript kubernetes recipe", 3)
    unknown = FEATURES.index("unknown_terms")
    assert off.signals[unknown] == 1.0 and on.signals[unknown] == 0.0
    assert off.confidence < on.confidence


def test_without_the_model_the_cosine_threshold_decides(fixture_retriever: Retriever) -> None:
    cfg = fixture_retriever.config.named(calibrated_abstention=False, abstain_threshold=2.0)
    result = fixture_retriever.search("Who rebuilt the lantern room after the storm of 1895?", 3, config=cfg)
    assert result.confidence is None and result.supported is False
