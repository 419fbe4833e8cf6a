"""Fit the re-ranker and the abstention model on the dev split: ``python -m eval.train``.

For every answerable dev question the first stage's top ``rerank_pool`` passages are described by
``retrieval.rerank.FEATURES`` and labelled relevant or not (the harness's span rule). A logistic
regression (standardised features, L2) is fitted; its regularisation is chosen by 5-fold
cross-validation over questions, on held-out recall@1 and MRR@10 of the re-ordered lists. The
model fitted on all dev questions is written to ``retrieval/reranker.json`` with the CV figures.

Then, with that re-ranker in place, every dev question (answerable or not) is described by
``retrieval.abstention.FEATURES`` and a logistic regression predicts whether it is answerable. The
threshold is the highest confidence that, on 5-fold out-of-fold predictions, flags at most 5% of
answerable questions; model and threshold go to ``retrieval/abstention.json``.

Only dev questions are read: the test split never reaches this script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from eval.dataset import read_questions
from eval.harness import QUESTIONS_DIR
from eval.metrics import Returned, judgements
from retrieval import abstention
from retrieval.rerank import FEATURES, MODEL_FILE, Candidate, LinearModel

FOLDS = 5
MAX_ANSWERABLE_ABSTENTION = 0.05


def collect(paths: list[Path]):
    from service.core.config import get_settings
    from service.core.resources import load_resources, retrieval_config

    settings = get_settings().model_copy(update={"rerank": False, "calibrated_abstention": False})
    resources = load_resources(settings)
    retriever = resources.retriever
    cfg = retrieval_config(settings)
    groups = []
    for q in read_questions(paths).questions:
        if q.evidence is None:
            continue
        result = retriever.search(q.question, cfg.rerank_pool, config=cfg)
        query = resources.embedder.embed_batch([q.question])[0]
        sentence_scores = resources.index.sentence_matrix @ query
        candidates = [Candidate(h.passage, h.score, h.rank, h.dense_score, h.bm25_score) for h in result.hits]
        x = retriever.candidate_features(q.question, candidates, sentence_scores)
        y = np.asarray(judgements([Returned(h.passage.doc_id, h.passage.start, h.passage.end) for h in result.hits],
                                  q.evidence), dtype=np.int8)
        groups.append((x, y))
    return groups


def ranking_metrics(groups, scorer) -> dict[str, float]:
    r1 = r5 = mrr = 0.0
    for x, y in groups:
        order = np.argsort(-scorer(x), kind="stable") if len(x) else np.arange(0)
        judged = y[order]
        r1 += float(judged[:1].any())
        r5 += float(judged[:5].any())
        hits = np.flatnonzero(judged[:10])
        mrr += 1.0 / (hits[0] + 1) if len(hits) else 0.0
    n = len(groups) or 1
    return {"recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4), "mrr@10": round(float(mrr) / n, 4)}


def fit(groups, c: float, names: tuple[str, ...] = FEATURES) -> LinearModel:
    x = np.vstack([g[0] for g in groups])
    y = np.concatenate([g[1] for g in groups])
    return fit_arrays(x, y, c, names)


def fit_arrays(x: np.ndarray, y: np.ndarray, c: float, names: tuple[str, ...]) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit((x - mean) / scale, y)
    return LinearModel(names, mean.astype(np.float32), scale.astype(np.float32),
                       model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def cross_validate(groups, c: float) -> dict[str, float]:
    rng = np.random.default_rng(7)
    fold_of = rng.permutation(len(groups)) % FOLDS
    held = []
    for f in range(FOLDS):
        train = [g for g, k in zip(groups, fold_of, strict=True) if k != f]
        test = [g for g, k in zip(groups, fold_of, strict=True) if k == f]
        model = fit(train, c)
        held += [(g, model) for g in test]
    out = {"recall@1": 0.0, "recall@5": 0.0, "mrr@10": 0.0}
    for g, model in held:
        m = ranking_metrics([g], model.score)
        for key in out:
            out[key] += m[key] / len(held)
    return {k: round(v, 4) for k, v in out.items()}


def collect_signals(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Abstention features of every dev question (the service configuration, re-ranker loaded anew)."""
    from service.core.config import get_settings
    from service.core.resources import load_resources, retrieval_config

    settings = get_settings().model_copy(update={"calibrated_abstention": False})
    resources = load_resources(settings)
    cfg = retrieval_config(settings)
    xs, ys = [], []
    for q in read_questions(paths).questions:
        result = resources.retriever.search(q.question, 5, config=cfg)
        xs.append(result.signals)
        ys.append(1 if q.answerable else 0)
    return np.vstack(xs), np.asarray(ys, dtype=np.int8)


def abstention_threshold(confidence: np.ndarray, answerable: np.ndarray) -> float:
    """The highest threshold that flags at most MAX_ANSWERABLE_ABSTENTION of answerable questions."""
    scores = np.sort(confidence[answerable == 1])
    allowed = int(np.floor(MAX_ANSWERABLE_ABSTENTION * len(scores)))
    return float(scores[allowed]) if len(scores) else 0.5


def train_abstention(paths: list[Path], out: Path) -> None:
    x, y = collect_signals(paths)
    rng = np.random.default_rng(11)
    fold_of = rng.permutation(len(y)) % FOLDS
    best = None
    for c in (0.01, 0.1, 1.0, 10.0):
        oof = np.zeros(len(y))
        for f in range(FOLDS):
            model = fit_arrays(x[fold_of != f], y[fold_of != f], c, abstention.FEATURES)
            oof[fold_of == f] = 1 / (1 + np.exp(-model.score(x[fold_of == f])))
        threshold = abstention_threshold(oof, y)
        flagged_unanswerable = float(np.mean(oof[y == 0] < threshold))
        flagged_answerable = float(np.mean(oof[y == 1] < threshold))
        print(f"abstention C={c}: out-of-fold at threshold {threshold:.3f}: flags {flagged_unanswerable:.3f} of "
              f"unanswerable, {flagged_answerable:.3f} of answerable")
        if best is None or flagged_unanswerable > best[1]:
            best = (c, flagged_unanswerable, flagged_answerable, oof)
    c, flagged_unanswerable, flagged_answerable, oof = best
    model = fit_arrays(x, y, c, abstention.FEATURES)
    threshold = abstention_threshold(oof, y)
    out.write_text(model.to_json({
        "threshold": round(threshold, 6),
        "trained_on": [p.name for p in paths],
        "questions": int(len(y)),
        "unanswerable": int((y == 0).sum()),
        "C": c,
        "cross_validated_dev": {"abstain_unanswerable": round(flagged_unanswerable, 4),
                                "abstain_answerable": round(flagged_answerable, 4)},
    }) + "\n")
    print(f"chose C={c}, threshold {threshold:.3f}; wrote {out}")
    for name, w in sorted(zip(abstention.FEATURES, model.coef, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:20s} {w:+.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.train", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="re-ranker file (default: %(default)s)")
    parser.add_argument("--abstention-out", type=Path, default=abstention.MODEL_FILE,
                        help="abstention model file (default: %(default)s)")
    args = parser.parse_args(argv)
    paths = sorted(QUESTIONS_DIR.glob("dev*.jsonl"))
    groups = collect(paths)
    first_stage = ranking_metrics(groups, lambda x: -np.arange(len(x), dtype=np.float32))
    print(f"{len(groups)} dev questions; first stage: {first_stage}")
    results = {}
    for c in (0.01, 0.1, 1.0, 10.0):
        results[c] = cross_validate(groups, c)
        print(f"C={c}: held-out {results[c]}")
    best = max(results, key=lambda c: (results[c]["mrr@10"], results[c]["recall@5"]))
    model = fit(groups, best)
    args.out.write_text(model.to_json({
        "trained_on": [p.name for p in paths],
        "questions": len(groups),
        "C": best,
        "first_stage_dev": first_stage,
        "cross_validated_dev": results[best],
    }) + "\n")
    print(f"chose C={best}; wrote {args.out}")
    for name, w in sorted(zip(FEATURES, model.coef, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:20s} {w:+.3f}")
    if args.out == MODEL_FILE:  # the abstention model is fitted with this re-ranker in place
        train_abstention(paths, args.abstention_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
