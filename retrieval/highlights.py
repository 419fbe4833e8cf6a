"""Evidence highlights: the passage's sentences nearest the question, as raw spans (nothing generated)."""

from __future__ import annotations

import numpy as np

MARGIN = 0.04  # sentences this close to the best one are highlighted too
MAX_HIGHLIGHTS = 2


def best_sentences(scores: np.ndarray, rows: np.ndarray, first: int, last: int) -> list[tuple[int, int]]:
    """Raw ``(start, end)`` of the best sentence(s) among rows ``[first, last)``, in text order.

    ``scores`` holds every sentence's cosine to the question; ``rows`` is the sentence table
    (document, raw start, raw end).
    """
    if last <= first:
        return []
    local = scores[first:last]
    order = np.argsort(-local, kind="stable")
    chosen = [int(order[0])]
    for i in order[1:MAX_HIGHLIGHTS]:
        if local[i] >= local[order[0]] - MARGIN:
            chosen.append(int(i))
    return sorted((int(rows[first + i][1]), int(rows[first + i][2])) for i in chosen)
