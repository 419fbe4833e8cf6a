"""Choosing the abstention threshold: the support score below which an answer is `supported: false`.

The support score is the best cosine between the question and a sentence of the top passages.
Telling a reader "the corpus does not support an answer" when it does is the costlier mistake, so
the threshold is the highest one that abstains on at most ``max_answerable`` (10%) of answerable
questions; among those it abstains on the most unanswerable ones.
"""

from __future__ import annotations

MAX_ANSWERABLE_ABSTENTION = 0.10


def calibrate(
    answerable: list[float], unanswerable: list[float], max_answerable: float = MAX_ANSWERABLE_ABSTENTION
) -> dict[str, float]:
    """Best threshold with the abstention rates it gives on each kind of question."""

    def rates(threshold: float) -> tuple[float, float]:
        return (
            sum(s < threshold for s in unanswerable) / len(unanswerable),
            sum(s < threshold for s in answerable) / len(answerable),
        )

    best_threshold, best_rates = 0.0, (0.0, 0.0)
    for threshold in sorted({round(s + 1e-6, 6) for s in answerable + unanswerable}):
        on_unanswerable, on_answerable = rates(threshold)
        if on_answerable <= max_answerable and on_unanswerable >= best_rates[0]:
            best_threshold, best_rates = threshold, (on_unanswerable, on_answerable)
    return {
        "best_threshold": round(best_threshold, 4),
        "max_answerable_abstention": max_answerable,
        "abstain_unanswerable": round(best_rates[0], 4),
        "abstain_answerable": round(best_rates[1], 4),
    }
