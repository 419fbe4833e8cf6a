"""Evidence highlights: the passage's sentences nearest the question, as raw spans (nothing generated)."""

from __future__ import annotations

import numpy as np

MARGIN = 0.04  # sentences this close to the best one are highlighted too
MAX_HIGHLIGHTS = 2


def best_sentences(
    query: np.ndarray, rows: np.ndarray, vectors: np.ndarray, first: int, last: int
) -> list[tuple[int, int]]:
    """Raw ``(start, end)`` of the best sentence(s) among sentence rows ``[first, last)``, in text order."""
    if last <= first:
        return []
    scores = np.asarray(vectors[first:last], dtype=np.float32) @ query
    order = np.argsort(-scores, kind="stable")
    chosen = [int(order[0])]
    for i in order[1:MAX_HIGHLIGHTS]:
        if scores[i] >= scores[order[0]] - MARGIN:
            chosen.append(int(i))
    return sorted((int(rows[first + i][1]), int(rows[first + i][2])) for i in chosen)
