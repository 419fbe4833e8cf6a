"""Does the corpus support an answer? A calibrated decision over several signals, not one cosine.

On-topic questions about facts the texts never state look close to real answers to a small
embedding model, so the best sentence cosine alone cannot tell them apart. Here a logistic
regression fitted on the dev split (``python -m eval.train``) combines it with lexical evidence:
how much of the question's rare-term weight the best passages hold, whether its names occur there,
how many of its words the corpus never uses, the re-ranker's top score and its lead over the
second. Its probability is the response's ``confidence``; ``supported`` is ``confidence`` at or
above the threshold chosen on dev to flag at most 5% of answerable questions. The model and the
threshold are saved in ``retrieval/abstention.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index_build.tokenization import words
from retrieval.rerank import Candidate, LinearModel, question_names
from verbatim.errors import ModelUnavailableError

MODEL_FILE = Path(__file__).resolve().parent / "abstention.json"
FEATURES = (
    "top_score",  # re-ranker (or fused) score of the first passage
    "score_gap",  # its lead over the second
    "best_sentence",  # best sentence cosine in the first three passages
    "sentence_coverage",  # best share of the question's idf weight held by one of their sentences
    "passage_coverage",  # best share held by one of the three passages
    "names",  # share of the question's names found in the first three passages
    "unknown_terms",  # share of the question's words the corpus never uses
    "bm25_top",  # log(1 + best BM25 score)
    "dense_top",  # best passage cosine
)
TOP = 3


def question_features(
    question: str,
    top: list[Candidate],
    scores: list[float],
    sentence_scores: np.ndarray,
    shares,  # (first, last) -> (best sentence share, range share)
    folded_text,  # passage -> its raw text, folded
    vocabulary: dict[str, int],
    bm25_top: float,
    dense_top: float,
) -> np.ndarray:
    terms = words(question)
    names = question_names(question)
    best_sentence = sentence_share = passage_share = 0.0
    found_names: set[str] = set()
    for c in top[:TOP]:
        p = c.passage
        if p.sentence_last > p.sentence_first:
            best_sentence = max(best_sentence, float(sentence_scores[p.sentence_first : p.sentence_last].max()))
        s_share, p_share = shares(p.sentence_first, p.sentence_last)
        sentence_share, passage_share = max(sentence_share, s_share), max(passage_share, p_share)
        text = folded_text(p)
        found_names.update(n for n in names if n in text)
    first = scores[0] if scores else 0.0
    gap = scores[0] - scores[1] if len(scores) > 1 else 0.0
    unknown = sum(t not in vocabulary for t in terms) / len(terms) if terms else 1.0
    return np.asarray([
        first,
        gap,
        best_sentence,
        sentence_share,
        passage_share,
        len(found_names) / len(names) if names else 1.0,
        unknown,
        math.log1p(max(bm25_top, 0.0)),
        dense_top,
    ], dtype=np.float32)


@dataclass(frozen=True)
class AbstentionModel:
    model: LinearModel
    threshold: float  # confidence below this: not supported

    def confidence(self, x: np.ndarray) -> float:
        """Probability (0..1) that the corpus answers the question, from the fitted model."""
        z = float(self.model.score(x.reshape(1, -1))[0])
        return 1.0 / (1.0 + math.exp(-z))


def load_abstention(path: Path = MODEL_FILE) -> AbstentionModel | None:
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
        return AbstentionModel(LinearModel.from_json(text, FEATURES), float(json.loads(text)["threshold"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailableError(
            f"{path.name}: unusable abstention model ({exc}); refit it: python -m eval.train") from exc
