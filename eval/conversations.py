"""Conversations: the record format, and how well follow-up questions find their evidence.

One conversation per line: ``{"id", "turns": [{"question", "standalone"?, "doc", "evidence",
"type"?}, ...]}``. ``question`` is what the reader typed at that point; ``standalone`` the same
question written out in full; ``doc``/``evidence`` as in question files (located the same way);
``type`` any label (the project's: ``first``, ``follow_up``, ``new_topic``; a turn without one is
``first`` when it opens the conversation, else ``follow_up``).

Each turn is asked three ways in one run: as typed with the earlier turns as ``history`` (their
questions as typed and the passages the service returned for them, as the page sends), as typed
alone (what a search box does), and written out (``standalone``) alone. Recall and MRR are reported
for each, by turn type.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.dataset import DEFAULT_CORPUS, Corpus, Evidence
from eval.metrics import Returned, judgements, recall_at, reciprocal_rank
from verbatim.errors import BadInputError

SHOWN = 3  # passages of each earlier turn sent back as history (the ones the reader saw first)
KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Turn:
    question: str
    standalone: str | None
    type: str
    evidence: Evidence


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...]


@dataclass
class LoadedConversations:
    conversations: list[Conversation]
    problems: list[str] = field(default_factory=list)


# (question, history [(question, passages shown)], k) -> (passages in rank order, carried terms)
AskFn = Callable[[str, list[tuple[str, list[Returned]]], int], tuple[list[Returned], list[str]]]


def read_conversations(paths: list[Path], corpus_dir: Path = DEFAULT_CORPUS) -> LoadedConversations:
    corpus = Corpus(corpus_dir)
    loaded = LoadedConversations([])
    seen: set[str] = set()
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInputError(f"{path}: cannot read conversations ({exc})") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
                turns_in = record["turns"]
                if not isinstance(turns_in, list) or not turns_in:
                    raise TypeError("`turns` must be a non-empty list")
            except (ValueError, TypeError, KeyError) as exc:
                loaded.problems.append(f"{where}: not a conversation record ({exc})")
                continue
            cid = str(record.get("id") or f"{path.stem}:{number}")
            if cid in seen:
                loaded.problems.append(f"{where} ({cid}): duplicate id")
                continue
            seen.add(cid)
            turns: list[Turn] = []
            for n, t in enumerate(turns_in, start=1):
                problem = None
                if not isinstance(t, dict) or not str(t.get("question") or "").strip():
                    problem = "no question"
                else:
                    doc_ref, quote = t.get("doc"), t.get("evidence")
                    doc_ids = list(corpus.texts) if doc_ref is None else [corpus.resolve(str(doc_ref))]
                    if doc_ids == [None]:
                        problem = f"unknown document {doc_ref!r}"
                    elif not quote:
                        problem = "no evidence"
                    else:
                        quotes = quote if isinstance(quote, list) else [str(quote)]
                        spans = corpus.locate(doc_ids, quotes)
                        if not spans:
                            problem = f"evidence not found: {str(quotes[0])[:60]!r}"
                if problem:
                    loaded.problems.append(f"{where} ({cid}) turn {n}: {problem}")
                    break
                (doc_id, start, end), *others = spans
                kind = str(t.get("type") or ("first" if n == 1 else "follow_up"))
                standalone = str(t.get("standalone") or "").strip() or None
                turns.append(Turn(str(t["question"]).strip(), standalone, kind,
                                  Evidence(doc_id, start, end, tuple(others))))
            else:
                loaded.conversations.append(Conversation(cid, tuple(turns)))
    return loaded


@dataclass(frozen=True)
class TurnOutcome:
    conversation: str
    number: int
    turn: Turn
    in_context: list[bool]  # judgements of the passages returned with the history
    alone: list[bool]  # as typed, without history
    written_out: list[bool] | None  # the standalone form, without history
    carried: list[str]


def run_conversations(ask: AskFn, conversations: list[Conversation], k: int = 10) -> list[TurnOutcome]:
    out: list[TurnOutcome] = []
    for conv in conversations:
        history: list[tuple[str, list[Returned]]] = []
        for n, turn in enumerate(conv.turns, start=1):
            returned, carried = ask(turn.question, history, k)
            alone = returned if not history else ask(turn.question, [], k)[0]
            written = None
            if turn.standalone:
                written = judgements(ask(turn.standalone, [], k)[0], turn.evidence)
            out.append(TurnOutcome(conv.id, n, turn, judgements(returned, turn.evidence),
                                   judgements(alone, turn.evidence), written, carried))
            history.append((turn.question, returned[:SHOWN]))
    return out


def _metrics(judged: list[list[bool]]) -> dict[str, float]:
    n = len(judged) or 1
    m = {f"recall@{k}": round(sum(recall_at(j, k) for j in judged) / n, 4) for k in KS}
    m["mrr@10"] = round(sum(reciprocal_rank(j, 10) for j in judged) / n, 4)
    m["count"] = len(judged)
    return m


def summarize_conversations(outcomes: list[TurnOutcome]) -> dict[str, Any]:
    later = [o for o in outcomes if o.number > 1]
    follow = [o for o in later if o.turn.type != "new_topic"]
    with_standalone = [o for o in follow if o.written_out is not None]
    by_type: dict[str, list[TurnOutcome]] = defaultdict(list)
    for o in outcomes:
        by_type[o.turn.type].append(o)
    report: dict[str, Any] = {
        "conversations": len({o.conversation for o in outcomes}),
        "turns": len(outcomes),
        "follow_up": {
            "as_typed": _metrics([o.in_context for o in follow]),
            "as_typed_without_history": _metrics([o.alone for o in follow]),
            "written_out": _metrics([o.written_out for o in with_standalone]) if with_standalone else None,
            "as_typed_same_turns": _metrics([o.in_context for o in with_standalone]) if with_standalone else None,
        },
        "first_turns": _metrics([o.in_context for o in outcomes if o.number == 1]),
        "by_type": {
            t: {"as_typed": _metrics([o.in_context for o in items]),
                "without_history": _metrics([o.alone for o in items]),
                "written_out": _metrics([o.written_out for o in items if o.written_out is not None])}
            for t, items in sorted(by_type.items())
        },
        "failures": [
            {"id": f"{o.conversation}#{o.number}", "type": o.turn.type, "question": o.turn.question,
             "standalone": o.turn.standalone, "carried": o.carried, "written_out_found": any((o.written_out or [])[:5])}
            for o in later if not any(o.in_context[:5])
        ],
    }
    return report


def in_process_asker(config_changes: dict[str, Any] | None = None) -> AskFn:
    from retrieval.conversation import EarlierTurn, PassageRef
    from service.core.config import get_settings
    from service.core.resources import load_resources, retrieval_config

    settings = get_settings()
    resources = load_resources(settings)
    cfg = retrieval_config(settings).named(**(config_changes or {}))

    def ask(question: str, history: list[tuple[str, list[Returned]]], k: int):
        turns = [EarlierTurn(q, tuple(PassageRef(r.doc_id, r.start, r.end) for r in shown)) for q, shown in history]
        result = resources.retriever.search(question, k, config=cfg, history=turns or None)
        returned = [Returned(h.passage.doc_id, h.passage.start, h.passage.end) for h in result.hits]
        return returned, [t.term for t in result.context.terms]

    return ask


def http_asker(url: str, client=None) -> AskFn:
    import httpx

    client = client or httpx.Client(base_url=url.rstrip("/"), timeout=60)

    def ask(question: str, history: list[tuple[str, list[Returned]]], k: int):
        body: dict[str, Any] = {"question": question, "k": k}
        if history:
            body["history"] = [{"question": q, "passages": [{"document": r.doc_id, "start": r.start, "end": r.end}
                                                            for r in shown]} for q, shown in history]
        response = client.post("/v1/ask", json=body)
        response.raise_for_status()
        data = response.json()
        returned = [Returned(p["document"]["id"], p["citation"]["start"], p["citation"]["end"]) for p in data["passages"]]
        return returned, [t["term"] for t in (data.get("context") or {}).get("terms", [])]

    return ask


def markdown_conversations(report: dict[str, Any]) -> str:
    f = report["follow_up"]
    lines = [f"# Follow-up questions, {report['date']}", "",
             f"Files: {', '.join(report['conversation_files'])} ({report['conversations']} conversations, "
             f"{report['turns']} turns).", "",
             "| turns | asked | n | recall@1 | recall@5 | recall@10 | MRR@10 |", "|---|---|---|---|---|---|---|"]

    def row(label: str, asked: str, m: dict[str, float] | None) -> None:
        if m:
            lines.append(f"| {label} | {asked} | {m['count']} | {m['recall@1']} | {m['recall@5']} | "
                         f"{m['recall@10']} | {m['mrr@10']} |")

    row("follow-ups", "as typed, with history", f["as_typed"])
    row("follow-ups", "as typed, no history", f["as_typed_without_history"])
    row("follow-ups", "written out, no history", f["written_out"])
    row("first turns", "as typed", report["first_turns"])
    for t, m in report["by_type"].items():
        row(t, "as typed, with history", m["as_typed"])
    lines += ["", f"## Follow-ups not found in the top 5: {len(report['failures'])}", ""]
    for x in report["failures"]:
        lines.append(f"- `{x['id']}` ({x['type']}) {x['question']!r}; carried {x['carried']}; "
                     f"written out found: {x['written_out_found']}")
    return "\n".join(lines) + "\n"
