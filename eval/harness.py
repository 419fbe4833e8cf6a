"""``verbatim eval`` / ``python -m eval``: measure retrieval accuracy, several configurations side by side.

In-process by default (the same ``Retriever.search`` the HTTP endpoint calls), or against a running
server with ``--url``. ``--json`` prints one JSON object: the service configuration's metrics at the
top level, the others under ``configurations``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.calibration import calibrate
from eval.dataset import Question, read_questions
from eval.metrics import Returned, judgements, ndcg_at, percentile, recall_at, reciprocal_rank

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
SERVICE = "verbatim"
DEFAULT_KS = (1, 3, 5, 10)

# question text, k -> (passages in rank order, supported, their texts, support score if known)
SearchFn = Callable[[str, int], tuple[list[Returned], bool, list[str], float | None]]


@dataclass(frozen=True)
class Outcome:
    question: Question
    returned: list[Returned]
    texts: list[str]
    supported: bool
    ms: float
    support: float | None = None


def run_questions(search: SearchFn, questions: list[Question], k: int) -> list[Outcome]:
    outcomes = []
    for q in questions:
        began = time.perf_counter()
        returned, supported, texts, support = search(q.question, k)
        outcomes.append(Outcome(q, returned, texts, supported, (time.perf_counter() - began) * 1000, support))
    return outcomes


def _recalls(outcomes: list[Outcome], ks: tuple[int, ...]) -> dict[str, float]:
    answerable = [o for o in outcomes if o.question.evidence is not None]
    out: dict[str, float] = {}
    for k in ks:
        hits = [recall_at(judgements(o.returned, o.question.evidence), k) for o in answerable]
        out[f"recall@{k}"] = round(sum(hits) / len(hits), 4) if hits else 0.0
    out["count"] = len(answerable)
    return out


def summarize(outcomes: list[Outcome], ks: tuple[int, ...] = DEFAULT_KS) -> dict[str, Any]:
    ks = tuple(sorted(set(ks) | set(DEFAULT_KS)))
    answerable = [o for o in outcomes if o.question.evidence is not None]
    unanswerable = [o for o in outcomes if o.question.evidence is None]
    judged = [judgements(o.returned, o.question.evidence) for o in answerable]
    n = len(answerable) or 1
    metrics: dict[str, Any] = _recalls(outcomes, ks)
    metrics.pop("count")
    metrics["mrr@10"] = round(sum(reciprocal_rank(j, 10) for j in judged) / n, 4)
    metrics["ndcg@10"] = round(sum(ndcg_at(j, 10) for j in judged) / n, 4)
    lengths = [o_end - o_start for o in outcomes for (o_start, o_end) in ((r.start, r.end) for r in o.returned[:5])]
    metrics["mean_passage_chars"] = round(sum(lengths) / len(lengths), 1) if lengths else 0.0
    metrics["abstain_unanswerable"] = (
        round(sum(not o.supported for o in unanswerable) / len(unanswerable), 4) if unanswerable else None
    )
    metrics["abstain_answerable"] = round(sum(not o.supported for o in answerable) / n, 4) if answerable else None
    times = [o.ms for o in outcomes]
    metrics["p50_ms"] = round(percentile(times, 50), 2)
    metrics["p95_ms"] = round(percentile(times, 95), 2)
    by_type: dict[str, list[Outcome]] = defaultdict(list)
    by_doc: dict[str, list[Outcome]] = defaultdict(list)
    for o in answerable:
        by_type[o.question.type].append(o)
        by_doc[o.question.evidence.doc_id].append(o)
    metrics["by_type"] = {t: _recalls(v, ks) for t, v in sorted(by_type.items())}
    metrics["by_document"] = {d: _recalls(v, ks) for d, v in sorted(by_doc.items())}
    metrics["failures"] = [
        {
            "id": o.question.id,
            "type": o.question.type,
            "question": o.question.question,
            "expected": {
                "doc": o.question.evidence.doc_id,
                "start": o.question.evidence.start,
                "end": o.question.evidence.end,
            },
            "returned": [
                {"doc": r.doc_id, "start": r.start, "end": r.end, "text": t[:160]}
                for r, t in zip(o.returned[:3], o.texts[:3], strict=False)
            ],
        }
        for o, j in zip(answerable, judged, strict=True)
        if not any(j[:5])
    ]
    metrics["questions"] = len(outcomes)
    scores = [(o.support, o.question.evidence is None) for o in outcomes if o.support is not None]
    if scores and unanswerable and answerable:
        metrics["abstention_calibration"] = calibrate(
            [s for s, unanswerable_q in scores if not unanswerable_q], [s for s, unanswerable_q in scores if unanswerable_q]
        )
    return metrics


# ---- searchers ------------------------------------------------------------------------------------


def in_process_searchers(include: set[str] | None = None) -> dict[str, SearchFn]:
    """The service configuration first, then the comparisons, all on the published index."""
    from retrieval.search import RetrievalConfig
    from service.core.config import get_settings
    from service.core.resources import load_resources, retrieval_config

    settings = get_settings()
    resources = load_resources(settings)
    retriever = resources.retriever
    service_cfg = retrieval_config(settings)
    configs: dict[str, RetrievalConfig] = {
        SERVICE: service_cfg,
        "bm25": service_cfg.named(mode="bm25"),
        "dense": service_cfg.named(mode="dense"),
        "sentences": service_cfg.named(mode="sentences"),
        "hybrid-weighted": service_cfg.named(mode="hybrid", fusion="weighted", rerank=False),
        "hybrid-equal-weights": service_cfg.named(dense_weight=1.0, sentence_weight=0.0, bm25_weight=1.0, rerank=False),
        "hybrid-with-sentences": service_cfg.named(sentence_weight=1.0, rerank=False),
        "hybrid-no-dedupe": service_cfg.named(dedupe=False, rerank=False),
        "no-rerank": service_cfg.named(rerank=False),
        "recut-windows": service_cfg.named(recut=True),
        "cosine-abstention": service_cfg.named(calibrated_abstention=False),
        "dense-feedback": service_cfg.named(feedback_docs=3, dense_feedback=0.5),
        "bm25-feedback": service_cfg.named(feedback_docs=3, bm25_feedback=0.3),
    }

    def searcher(cfg: RetrievalConfig) -> SearchFn:
        def search(question: str, k: int):
            result = retriever.search(question, k, config=cfg)
            docs = resources.index.documents
            returned = [Returned(h.passage.doc_id, h.passage.start, h.passage.end) for h in result.hits]
            texts = [docs[r.doc_id].text[r.start : r.end] for r in returned]
            return returned, result.supported, texts, result.support_score

        return search

    out = {name: searcher(cfg) for name, cfg in configs.items() if include is None or name in include or name == SERVICE}
    if include is None or "reference" in include:
        from eval.reference import ReferencePipeline

        out["reference"] = ReferencePipeline(resources.index, resources.embedder, settings.cache_dir).search
    return out


def http_searcher(url: str, client=None) -> SearchFn:
    """Ask a running server; ``client`` (an ``httpx.Client``) lets tests pass an in-process one."""
    import httpx

    client = client or httpx.Client(base_url=url.rstrip("/"), timeout=60)

    def search(question: str, k: int):
        response = client.post("/v1/ask", json={"question": question, "k": k})
        response.raise_for_status()
        body = response.json()
        returned = [
            Returned(p["document"]["id"], p["citation"]["start"], p["citation"]["end"]) for p in body["passages"]
        ]
        return returned, body["supported"], [p["text"] for p in body["passages"]], None

    return search


# ---- reports -------------------------------------------------------------------------------------


METRIC_KEYS = (
    "recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10", "mean_passage_chars",
    "abstain_unanswerable", "abstain_answerable", "p50_ms", "p95_ms",
)


def table(results: dict[str, dict[str, Any]]) -> str:
    header = "| configuration | " + " | ".join(METRIC_KEYS) + " |"
    rule = "|" + "---|" * (len(METRIC_KEYS) + 1)
    rows = [header, rule]
    for name, m in results.items():
        rows.append(f"| {name} | " + " | ".join("-" if m.get(k) is None else str(m.get(k)) for k in METRIC_KEYS) + " |")
    return "\n".join(rows)


def markdown_report(report: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    service = results[SERVICE]
    lines = [
        f"# Verbatim retrieval evaluation, {report['date']}",
        "",
        f"Questions: {', '.join(report['question_files'])} ({service['questions']} questions).",
        "",
        table(results),
        "",
        "## Recall by question type (service configuration)",
        "",
        "| type | n | recall@1 | recall@5 | recall@10 |",
        "|---|---|---|---|---|",
    ]
    for t, m in service["by_type"].items():
        lines.append(f"| {t} | {m['count']} | {m['recall@1']} | {m['recall@5']} | {m['recall@10']} |")
    lines += ["", "## Recall by document", "", "| document | n | recall@1 | recall@5 | recall@10 |", "|---|---|---|---|---|"]
    for d, m in service["by_document"].items():
        lines.append(f"| {d} | {m['count']} | {m['recall@1']} | {m['recall@5']} | {m['recall@10']} |")
    lines += ["", f"## Failures (no relevant passage in the top 5): {len(service['failures'])}", ""]
    for f in service["failures"]:
        got = "; ".join(f"{r['doc']}[{r['start']}:{r['end']}] {r['text'][:80]!r}" for r in f["returned"])
        lines.append(f"- `{f['id']}` ({f['type']}) {f['question']} — expected {f['expected']['doc']}"
                     f"[{f['expected']['start']}:{f['expected']['end']}]; got {got}")
    return "\n".join(lines) + "\n"


def plot(results: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, m in results.items():
        ks = sorted(int(key.split("@")[1]) for key in m if key.startswith("recall@"))
        ax.plot(ks, [m[f"recall@{k}"] for k in ks], marker="o", label=name)
    ax.set_xlabel("k")
    ax.set_ylabel("recall@k")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Recall@k per configuration")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- command line ------------------------------------------------------------------------------


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--questions", type=Path, action="append",
                        help="question file (JSON lines); repeatable (default: eval/questions/dev.jsonl)")
    parser.add_argument("--split", choices=["dev", "test", "all"], help="use the project's dev or test split (every eval/questions/SPLIT*.jsonl), or both")
    parser.add_argument("--k", type=int, nargs="+", default=list(DEFAULT_KS), help="k values (default: 1 3 5 10)")
    parser.add_argument("--url", help="evaluate a running server (e.g. http://127.0.0.1:8000) instead of in-process")
    parser.add_argument("--configs", nargs="+", help="only these configurations besides the service's")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--strict", action="store_true",
                        help="refuse the question files if any record cannot be used (default: skip it with a warning)")
    parser.add_argument("--conversations", type=Path, action="append", metavar="FILE",
                        help="conversation file (JSON lines, eval/conversations/README.md): follow-up recall as "
                             "typed with history, without it, and written out; repeatable")
    parser.add_argument("--quotes", type=Path, action="append", metavar="FILE",
                        help="quotation file (JSON lines, eval/quotes/README.md): share located, absent ones "
                             "wrongly found; repeatable")
    parser.add_argument("--out", type=Path, default=Path("var/eval"), help="folder for results.json, report.md, recall.png")


def question_paths(args: argparse.Namespace) -> list[Path]:
    if args.questions:
        return list(args.questions)
    split = args.split or "dev"
    names = ["dev", "test"] if split == "all" else [split]
    # each split is every set's file of it: dev.jsonl, dev-readers.jsonl, dev-hard.jsonl
    return [path for name in names for path in sorted(QUESTIONS_DIR.glob(f"{name}*.jsonl"))]


def run_eval(args: argparse.Namespace) -> int:
    from verbatim.errors import BadInputError

    if any(k < 1 or k > 50 for k in args.k):
        raise BadInputError("--k values must be between 1 and 50")
    if args.quotes or args.conversations:
        if args.questions or args.split or (args.quotes and args.conversations):
            raise BadInputError("--questions/--split, --conversations and --quotes are separate runs: give one")
        return run_quotes_eval(args) if args.quotes else run_conversations_eval(args)
    paths = question_paths(args)
    for path in paths:
        if not path.is_file():
            raise BadInputError(f"{path}: no such questions file")
    loaded = read_questions(paths)
    if loaded.problems and args.strict:
        raise BadInputError(f"{len(loaded.problems)} bad question record(s): " + "; ".join(loaded.problems))
    for problem in loaded.problems:
        print(f"verbatim: warning: skipped {problem}", file=sys.stderr)
    questions = loaded.questions
    if not questions:
        raise BadInputError("the question files hold no usable questions" +
                            (f" ({len(loaded.problems)} skipped, e.g. {loaded.problems[0]})" if loaded.problems else ""))
    kmax = max(max(args.k), 10)
    if args.url:
        searchers = {SERVICE: http_searcher(args.url)}
    else:
        searchers = in_process_searchers(set(args.configs) if args.configs else None)
    results = {name: summarize(run_questions(fn, questions, kmax), tuple(args.k)) for name, fn in searchers.items()}
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "question_files": [str(p) for p in paths],
        "configuration": SERVICE,
        "skipped": loaded.problems,
        **results[SERVICE],
        "configurations": {name: m for name, m in results.items() if name != SERVICE},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    (args.out / "report.md").write_text(markdown_report(report, results))
    plot(results, args.out / "recall.png")
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(table(results))
        print(f"\nreport: {args.out / 'report.md'}")
    return 0


def _check_files(paths: list[Path], what: str) -> None:
    from verbatim.errors import BadInputError

    for path in paths:
        if not path.is_file():
            raise BadInputError(f"{path}: no such {what} file")


def _finish(args: argparse.Namespace, report: dict[str, Any], markdown: str, summary: str) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    (args.out / "report.md").write_text(markdown)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(summary)
        print(f"\nreport: {args.out / 'report.md'}")
    return 0


def _usable(items: list, problems: list[str], what: str, strict: bool) -> None:
    from verbatim.errors import BadInputError

    if problems and strict:
        raise BadInputError(f"{len(problems)} bad {what} record(s): " + "; ".join(problems))
    for problem in problems:
        print(f"verbatim: warning: skipped {problem}", file=sys.stderr)
    if not items:
        raise BadInputError(f"the files hold no usable {what}s" + (f" (e.g. {problems[0]})" if problems else ""))


def run_quotes_eval(args: argparse.Namespace) -> int:
    from eval.quotes import (
        http_verifier,
        in_process_verifier,
        markdown_quotes,
        read_quotes,
        run_quotes,
        summarize_quotes,
    )

    _check_files(args.quotes, "quotations")
    loaded = read_quotes(args.quotes)
    _usable(loaded.cases, loaded.problems, "quotation", args.strict)
    verify = http_verifier(args.url) if args.url else in_process_verifier()
    summary = summarize_quotes(run_quotes(verify, loaded.cases))
    report = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "quote_files": [str(p) for p in args.quotes],
              "skipped": loaded.problems, **summary}
    text = (f"located {summary['located']} of {summary['present']} present quotes; "
            f"{summary['absent_found']} of {summary['absent']} absent ones wrongly found; p50 {summary['p50_ms']} ms")
    return _finish(args, report, markdown_quotes(report), text)


def run_conversations_eval(args: argparse.Namespace) -> int:
    from eval.conversations import (
        http_asker,
        in_process_asker,
        markdown_conversations,
        read_conversations,
        run_conversations,
        summarize_conversations,
    )

    _check_files(args.conversations, "conversations")
    loaded = read_conversations(args.conversations)
    _usable(loaded.conversations, loaded.problems, "conversation", args.strict)
    ask = http_asker(args.url) if args.url else in_process_asker()
    summary = summarize_conversations(run_conversations(ask, loaded.conversations, max(max(args.k), 10)))
    report = {"date": datetime.now(UTC).strftime("%Y-%m-%d"),
              "conversation_files": [str(p) for p in args.conversations], "skipped": loaded.problems, **summary}
    f = summary["follow_up"]
    text = (f"follow-ups recall@5: {f['as_typed']['recall@5']} as typed with history, "
            f"{f['as_typed_without_history']['recall@5']} without; "
            f"written out {f['written_out']['recall@5'] if f['written_out'] else '-'}")
    return _finish(args, report, markdown_conversations(report), text)
