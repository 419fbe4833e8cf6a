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


def weighted(dense: dict[int, float], sparse: dict[int, float], dense_weight: float) -> dict[int, float]:
    """``w * minmax(dense) + (1 - w) * minmax(sparse)``; an item absent from one list scores 0 there."""
    d, s = min_max(dense), min_max(sparse)
    return {item: dense_weight * d.get(item, 0.0) + (1 - dense_weight) * s.get(item, 0.0) for item in d.keys() | s.keys()}


def ranked(scores: dict[int, float]) -> list[tuple[int, float]]:
    """Items by descending score; ties by ascending id so results are deterministic."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
