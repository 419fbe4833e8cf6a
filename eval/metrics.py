"""Retrieval metrics over span-judged questions.

A returned passage is relevant when it is in the evidence's document and its raw span covers at
least half of the evidence's character span (of any one occurrence, when the evidence occurs more
than once). Gold labels are spans, so re-chunking never
invalidates them. nDCG uses binary gains; its ideal ranking puts every relevant passage returned
(at least one) first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from eval.dataset import Evidence

RELEVANT_SHARE = 0.5


@dataclass(frozen=True)
class Returned:
    doc_id: str
    start: int
    end: int


def is_relevant(passage: Returned, evidence: Evidence) -> bool:
    """Covers at least half of any one occurrence of the evidence."""
    for doc_id, start, end in evidence.spans:
        if passage.doc_id != doc_id:
            continue
        covered = min(passage.end, end) - max(passage.start, start)
        if covered >= RELEVANT_SHARE * (end - start):
            return True
    return False


def judgements(passages: Sequence[Returned], evidence: Evidence) -> list[bool]:
    return [is_relevant(p, evidence) for p in passages]


def recall_at(relevant: Sequence[bool], k: int) -> float:
    """1 if a relevant passage is among the first k, else 0 (one evidence span per question)."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool], k: int = 10) -> float:
    for rank, hit in enumerate(relevant[:k], start=1):
        if hit:
            return 1.0 / rank
    return 0.0


def ndcg_at(relevant: Sequence[bool], k: int = 10) -> float:
    gains = [1.0 if r else 0.0 for r in relevant[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal_count = max(1, int(sum(gains)))
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(ideal_count, k)))
    return dcg / idcg


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
