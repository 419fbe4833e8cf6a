"""Second stage: the fused candidates re-ranked by a linear model learned on the dev questions.

Each candidate passage is described by a few signals the first stage already has (its fused score
and rank, passage cosine, BM25 score, best sentence cosine) and some it does not use (how much of
the question's rare-term weight the passage and its best sentence hold, whether the question's
names occur in it, whether its section or source heading matches the question). A logistic
regression over them, fitted on the dev split by ``python -m eval.train_reranker`` and saved with its
feature names in ``retrieval/reranker.json``, orders the candidates. Nothing is generated: the model
only changes the order of passages that the index already holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index_build.store import PassageRecord
from index_build.tokenization import fold, words
from verbatim.errors import ModelUnavailableError

MODEL_FILE = Path(__file__).resolve().parent / "reranker.json"
FEATURES = (
    "fused",  # fused score / best fused score
    "inverse_rank",  # 1 / first-stage rank
    "dense",  # passage cosine (0 when not among the dense candidates)
    "bm25",  # BM25 score / best BM25 score among the candidates
    "best_sentence",  # best sentence cosine in the passage
    "best_sentence_gap",  # that minus the best over all candidates
    "sentence_coverage",  # best share of the question's idf weight held by one sentence
    "passage_coverage",  # share of the question's idf weight held by the passage
    "names",  # share of the question's capitalised names found in the passage
    "heading",  # share of the question's terms in the section and source headings
    "length",  # passage length, thousands of characters
)
_NAME = re.compile(r"\b[A-Z][\w'\-]{2,}")


@dataclass(frozen=True)
class Candidate:
    passage: PassageRecord
    fused: float
    rank: int  # 1-based first-stage rank
    dense: float | None
    bm25: float | None


def question_names(question: str) -> list[str]:
    """Capitalised words other than the question's first word, folded (names, places, titles)."""
    found = _NAME.findall(question)
    first = question.split(maxsplit=1)[0] if question.split() else ""
    return sorted({fold(w) for w in found if w != first and fold(w) not in {"what", "who", "why", "how"}})


@lru_cache(maxsize=4096)
def heading_words(section: str | None, attribution: str | None) -> frozenset[str]:
    """The terms of a passage's section heading and quoted source (few: one set each, kept)."""
    return frozenset(words(" ".join(x for x in (section, attribution) if x)))


def features(
    question: str,
    candidates: list[Candidate],
    sentence_scores: np.ndarray,
    coverage_rows,  # callable: (first, last) -> (best sentence share, passage share)
    folded_text,  # callable: passage -> its raw text, folded (index_build.tokenization.fold)
) -> np.ndarray:
    """One row of ``FEATURES`` per candidate."""
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    top_fused = max(c.fused for c in candidates) or 1.0
    top_bm25 = max((c.bm25 or 0.0) for c in candidates) or 1.0
    names = question_names(question)
    terms = set(words(question))
    best = []
    for c in candidates:
        p = c.passage
        best.append(float(sentence_scores[p.sentence_first : p.sentence_last].max())
                    if p.sentence_last > p.sentence_first else 0.0)
    best_all = max(best)
    rows = []
    for c, best_sentence in zip(candidates, best, strict=True):
        p = c.passage
        sentence_share, passage_share = coverage_rows(p.sentence_first, p.sentence_last)
        text = folded_text(p)
        name_share = sum(n in text for n in names) / len(names) if names else 0.0
        heading_terms = heading_words(p.section, p.attribution)
        heading_share = len(terms & heading_terms) / len(terms) if terms else 0.0
        rows.append([
            c.fused / top_fused,
            1.0 / c.rank,
            c.dense or 0.0,
            (c.bm25 or 0.0) / top_bm25,
            best_sentence,
            best_sentence - best_all,
            sentence_share,
            passage_share,
            name_share,
            heading_share,
            (p.end - p.start) / 1000.0,
        ])
    return np.asarray(rows, dtype=np.float32)


@dataclass(frozen=True)
class LinearModel:
    """A standardised linear scorer: ``((x - mean) / scale) @ coef + intercept``."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def score(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def to_json(self, extra: dict | None = None) -> str:
        body = {
            "features": list(self.names),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(float(self.intercept), 6),
            **(extra or {}),
        }
        return json.dumps(body, indent=1)

    @classmethod
    def from_json(cls, text: str, expected: tuple[str, ...]) -> LinearModel:
        body = json.loads(text)
        names = tuple(body["features"])
        if names != expected:
            raise ValueError(f"model features {names} differ from the code's {expected}")
        return cls(names, np.asarray(body["mean"], np.float32), np.asarray(body["scale"], np.float32),
                   np.asarray(body["coef"], np.float32), float(body["intercept"]))


def load_reranker(path: Path = MODEL_FILE) -> LinearModel | None:
    """The saved re-ranker, or None when there is none (the first-stage order is kept)."""
    if not path.is_file():
        return None
    try:
        return LinearModel.from_json(path.read_text(encoding="utf-8"), FEATURES)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailableError(f"{path.name}: unusable re-ranker ({exc}); refit it: python -m eval.train") from exc
