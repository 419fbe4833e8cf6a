"""Quotation checks: the record format, and how well ``/v1/verify`` locates quotes or says they are absent.

One JSON object per line: ``id``, ``quote`` (what the reader pastes), ``doc`` and ``evidence``
(where the words really are: a document and a quote of its text, located as in question files;
both null when the quotation is absent from the corpus) and ``kind`` (any label, reported under its
own name; the project's are ``exact``, ``ocr_clean``, ``reworded``, ``fragment``, ``invented``,
``famous_absent``).

A present quote is *located* when the top match is in the evidence's document, covers at least 80%
of the evidence span and is no longer than 150% of it. An absent quote is *wrongly found* when the
verdict is anything but ``not_found``.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.dataset import DEFAULT_CORPUS, Corpus, Evidence
from eval.metrics import percentile
from verbatim.errors import BadInputError

COVER = 0.8
LONGEST = 1.5


@dataclass(frozen=True)
class QuoteCase:
    id: str
    quote: str
    kind: str
    evidence: Evidence | None  # None: the quotation is absent from the corpus


@dataclass
class LoadedQuotes:
    cases: list[QuoteCase]
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QuoteAnswer:
    verdict: str
    top: tuple[str, int, int] | None  # document, start, end of the best match
    similarity: float | None  # of the top match, or of the nearest span when not found


# quote -> the service's answer
VerifyFn = Callable[[str], QuoteAnswer]


def read_quotes(paths: list[Path], corpus_dir: Path = DEFAULT_CORPUS) -> LoadedQuotes:
    corpus = Corpus(corpus_dir)
    loaded = LoadedQuotes([])
    seen: set[str] = set()
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInputError(f"{path}: cannot read quotations ({exc})") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise TypeError("a JSON object is needed")
            except (ValueError, TypeError) as exc:
                loaded.problems.append(f"{where}: not a quotation record ({exc})")
                continue
            rid = str(record.get("id") or f"{path.stem}:{number}")
            quote = str(record.get("quote") or "").strip()
            kind = str(record.get("kind") or "untyped")
            if not quote:
                loaded.problems.append(f"{where} ({rid}): no quote")
                continue
            if rid in seen:
                loaded.problems.append(f"{where} ({rid}): duplicate id")
                continue
            seen.add(rid)
            doc_ref, evidence = record.get("doc"), record.get("evidence")
            if evidence is None:
                if doc_ref is not None:
                    loaded.problems.append(f"{where} ({rid}): doc is given but no evidence")
                    continue
                loaded.cases.append(QuoteCase(rid, quote, kind, None))
                continue
            doc_ids = list(corpus.texts) if doc_ref is None else [corpus.resolve(str(doc_ref))]
            if doc_ids == [None]:
                loaded.problems.append(f"{where} ({rid}): unknown document {doc_ref!r}")
                continue
            spans = corpus.locate(doc_ids, [str(evidence)])
            if not spans:
                loaded.problems.append(f"{where} ({rid}): evidence not found: {str(evidence)[:60]!r}")
                continue
            (doc_id, start, end), *others = spans
            loaded.cases.append(QuoteCase(rid, quote, kind, Evidence(doc_id, start, end, tuple(others))))
    return loaded


def located(answer: QuoteAnswer, evidence: Evidence) -> bool:
    return answer.verdict != "not_found" and covers(answer.top, evidence)


def covers(top: tuple[str, int, int] | None, evidence: Evidence) -> bool:
    """The span covers enough of the evidence, and not too much more."""
    if top is None:
        return False
    doc_id, start, end = top
    for d, s, e in evidence.spans:
        if d == doc_id and min(end, e) - max(start, s) >= COVER * (e - s) and end - start <= LONGEST * (e - s):
            return True
    return False


@dataclass(frozen=True)
class QuoteOutcome:
    case: QuoteCase
    answer: QuoteAnswer
    ms: float

    @property
    def correct(self) -> bool:
        if self.case.evidence is None:
            return self.answer.verdict == "not_found"
        return located(self.answer, self.case.evidence)


def run_quotes(verify: VerifyFn, cases: list[QuoteCase]) -> list[QuoteOutcome]:
    out = []
    for case in cases:
        began = time.perf_counter()
        answer = verify(case.quote)
        out.append(QuoteOutcome(case, answer, (time.perf_counter() - began) * 1000))
    return out


def summarize_quotes(outcomes: list[QuoteOutcome]) -> dict[str, Any]:
    present = [o for o in outcomes if o.case.evidence is not None]
    absent = [o for o in outcomes if o.case.evidence is None]
    by_kind: dict[str, list[QuoteOutcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.case.kind].append(o)

    def share(items: list[QuoteOutcome], ok: Callable[[QuoteOutcome], bool]) -> float | None:
        return round(sum(map(ok, items)) / len(items), 4) if items else None

    times = [o.ms for o in outcomes]
    return {
        "quotes": len(outcomes),
        "present": len(present),
        "absent": len(absent),
        "located": share(present, lambda o: o.correct),
        "absent_found": share(absent, lambda o: not o.correct),
        "exact_verdict_on_exact": share([o for o in present if o.case.kind == "exact"],
                                        lambda o: o.answer.verdict == "exact"),
        "calibration": calibration(present, absent),
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "by_kind": {
            kind: {
                "count": len(items),
                "present": items[0].case.evidence is not None,
                "located" if items[0].case.evidence is not None else "found": share(
                    items, (lambda o: o.correct) if items[0].case.evidence is not None else (lambda o: not o.correct)),
                "verdicts": dict(sorted({v: sum(o.answer.verdict == v for o in items)
                                         for v in {o.answer.verdict for o in items}}.items())),
            }
            for kind, items in sorted(by_kind.items())
        },
        "failures": [
            {"id": o.case.id, "kind": o.case.kind, "quote": o.case.quote[:120], "verdict": o.answer.verdict,
             "similarity": o.answer.similarity, "top": o.answer.top,
             "expected": None if o.case.evidence is None else o.case.evidence.spans[0]}
            for o in outcomes if not o.correct
        ],
    }


def calibration(present: list[QuoteOutcome], absent: list[QuoteOutcome]) -> dict[str, float | None]:
    """Where the "close" threshold can sit: between the absent quotes' nearest spans and the present quotes' matches."""
    found = [o.answer.similarity for o in present if o.answer.similarity is not None and o.case.evidence is not None
             and covers(o.answer.top, o.case.evidence)]
    nearest = [o.answer.similarity for o in absent if o.answer.similarity is not None]
    low, high = (min(found) if found else None), (max(nearest) if nearest else None)
    middle = round((low + high) / 2, 4) if low is not None and high is not None else None
    return {"present_lowest": low, "absent_highest": high, "midpoint": middle}


def in_process_verifier() -> VerifyFn:
    from service.core.config import get_settings
    from service.core.resources import load_resources

    checker = load_resources(get_settings()).quotes

    def verify(quote: str) -> QuoteAnswer:
        result = checker.verify(quote)
        top = result.matches[0] if result.matches else result.nearest
        return QuoteAnswer(result.verdict, None if top is None else (top.doc_id, top.start, top.end),
                           None if top is None else top.similarity)

    return verify


def http_verifier(url: str, client=None) -> VerifyFn:
    import httpx

    client = client or httpx.Client(base_url=url.rstrip("/"), timeout=60)

    def verify(quote: str) -> QuoteAnswer:
        response = client.post("/v1/verify", json={"quote": quote})
        response.raise_for_status()
        body = response.json()
        top = body["matches"][0] if body["matches"] else body.get("nearest")
        return QuoteAnswer(body["verdict"], None if top is None else (top["document"]["id"], top["start"], top["end"]),
                           None if top is None else top["similarity"])

    return verify


def markdown_quotes(report: dict[str, Any]) -> str:
    lines = [f"# Quotation checks, {report['date']}", "",
             f"Files: {', '.join(report['quote_files'])} ({report['quotes']} quotes: {report['present']} present, "
             f"{report['absent']} absent).", "",
             f"- located (present quotes): {report['located']}",
             f"- absent quotes wrongly found: {report['absent_found']}",
             f"- p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms",
             f"- similarity of the present quotes' matches from {report['calibration']['present_lowest']}; of the absent "
             f"quotes' nearest spans up to {report['calibration']['absent_highest']} (midpoint "
             f"{report['calibration']['midpoint']})", "",
             "| kind | n | located / found | verdicts |", "|---|---|---|---|"]
    for kind, m in report["by_kind"].items():
        value = m.get("located", m.get("found"))
        label = "located" if m["present"] else "wrongly found"
        lines.append(f"| {kind} | {m['count']} | {value} ({label}) | {m['verdicts']} |")
    lines += ["", f"## Misses: {len(report['failures'])}", ""]
    for f in report["failures"]:
        lines.append(f"- `{f['id']}` ({f['kind']}) {f['quote']!r}: {f['verdict']} {f['similarity']} top {f['top']}, "
                     f"expected {f['expected']}")
    return "\n".join(lines) + "\n"
