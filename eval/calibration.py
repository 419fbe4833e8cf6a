"""Choosing the abstention threshold: the support score below which an answer is `supported: false`.

The support score is the best cosine between the question and a sentence of the top passages. The
threshold chosen maximises balanced accuracy (Youden's J: the share of unanswerable questions
abstained on, plus the share of answerable questions answered, minus one) on the questions given.
"""

from __future__ import annotations


def calibrate(answerable: list[float], unanswerable: list[float]) -> dict[str, float]:
    """Best threshold with the abstention rates it gives on each kind of question."""
    best = (-2.0, 0.0)
    for threshold in sorted({round(s + 1e-6, 6) for s in answerable + unanswerable}):
        abstain_unanswerable = sum(s < threshold for s in unanswerable) / len(unanswerable)
        abstain_answerable = sum(s < threshold for s in answerable) / len(answerable)
        j = abstain_unanswerable - abstain_answerable
        if j > best[0] + 1e-12:
            best = (j, threshold)
    threshold = best[1]
    return {
        "best_threshold": round(threshold, 4),
        "youden_j": round(best[0], 4),
        "abstain_unanswerable": round(sum(s < threshold for s in unanswerable) / len(unanswerable), 4),
        "abstain_answerable": round(sum(s < threshold for s in answerable) / len(answerable), 4),
    }
