"""Fusing dense and BM25 candidate lists into one ranking."""

from __future__ import annotations

import numpy as np


def rrf(rankings: list[list[int]], k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    """Reciprocal rank fusion: ``sum(w / (k + rank))`` over the lists each item is in (rank from 1)."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


def min_max(scores: dict[int, float]) -> dict[int, float]:
    """Scale to [0, 1] over the candidates; all-equal scores become 1."""
    if not scores:
        return {}
    values = np.fromiter(scores.values(), dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {item: (score - low) / (high - low) for item, score in scores.items()}


def weighted(score_lists: list[dict[int, float]], weights: list[float]) -> dict[int, float]:
    """``sum(w * minmax(scores))`` over the lists; an item absent from a list scores 0 there."""
    scaled = [min_max(scores) for scores in score_lists]
    items = set().union(*(s.keys() for s in scaled)) if scaled else set()
    return {item: sum(w * s.get(item, 0.0) for s, w in zip(scaled, weights, strict=True)) for item in items}


def ranked(scores: dict[int, float]) -> list[tuple[int, float]]:
    """Items by descending score; ties by ascending id so results are deterministic."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
