"""The pure parts of bench/peers.py: chunk offsets are exact, searchers map to spans, ratios pick the best peer."""

from __future__ import annotations

import pytest

from bench.peers import chunk_searcher, chunk_text, markdown, ratios, splitter_spans, thousand_char_chunks
from eval.metrics import Returned

TEXT = "\n\n".join(f"Paragraph {i}. " + " ".join(f"word{i}x{j}" for j in range(40 + i % 7)) for i in range(60))


def test_thousand_char_chunks_are_exact_raw_spans() -> None:
    docs = {"a": TEXT, "b": "short text"}
    chunks = thousand_char_chunks(docs)
    assert {c.doc_id for c in chunks} == {"a", "b"}
    a = [c for c in chunks if c.doc_id == "a"]
    assert all(c.end - c.start <= 1000 for c in a)
    assert a[0].start == 0 and a[-1].end == len(TEXT)
    assert all(nxt.start == cur.start + 800 for cur, nxt in zip(a, a[1:], strict=False))
    assert chunk_text(docs, Returned("b", 0, 10)) == "short text"


def test_splitter_spans_keep_given_starts_and_repair_wrong_ones() -> None:
    text = "alpha beta gamma. alpha beta gamma. delta"
    spans = splitter_spans("d", text, [("alpha beta", 0), ("gamma. alpha", 99), ("delta", 36)])
    assert spans == [Returned("d", 0, 10), Returned("d", 11, 23), Returned("d", 36, 41)]
    assert [text[s.start : s.end] for s in spans] == ["alpha beta", "gamma. alpha", "delta"]
    # a repaired start is searched from the previous chunk on, not from the text's beginning
    again = splitter_spans("d", text, [("beta gamma.", 20), ("alpha beta", -1)])
    assert again[1] == Returned("d", 18, 28)


def test_splitter_spans_refuse_a_chunk_not_in_the_text() -> None:
    with pytest.raises(ValueError, match="not in the text"):
        splitter_spans("d", "some text", [("other", 0)])


def test_chunk_searcher_returns_spans_and_their_texts() -> None:
    docs = {"a": "0123456789"}
    chunks = [Returned("a", 0, 4), Returned("a", 4, 10)]
    returned, supported, texts, score = chunk_searcher(docs, chunks, lambda q, k: [1, 0][:k])("q", 1)
    assert returned == [Returned("a", 4, 10)] and texts == ["456789"] and supported and score is None


def test_ratios_compare_to_the_best_peer_each_way() -> None:
    systems = {
        "verbatim": {"recall@5": 0.9, "p50_ms": 10.0, "build_seconds": 100.0},
        "verbatim-http": {"requests_per_second": 90.0},
        "txtai": {"recall@5": 0.6, "p50_ms": 20.0, "build_seconds": 50.0, "requests_per_second": 30.0},
        "bm25s": {"recall@5": 0.75, "p50_ms": 0.5, "build_seconds": 0.2},
        "langchain": {"error": "not installed"},
    }
    out = ratios(systems)
    assert out["recall@5"] == {"best_peer": "bm25s", "peer": 0.75, "verbatim": 0.9, "ratio": 1.2}
    assert out["p50_ms"]["best_peer"] == "bm25s" and out["p50_ms"]["ratio"] == 20.0
    assert out["build_seconds"]["best_peer"] == "bm25s"
    assert out["requests_per_second"] == {"best_peer": "txtai", "peer": 30.0, "verbatim": 90.0, "ratio": 3.0}
    assert "recall@1" not in out


def test_markdown_has_one_row_a_system_and_the_ratio_row() -> None:
    row = {"recall@1": 0.5, "recall@5": 0.8, "recall@10": 0.9, "mrr@10": 0.6, "p50_ms": 3.0, "p95_ms": 4.0,
           "build_seconds": 1.0, "mean_passages_returned": 10.0, "notes": "x"}
    report = {"date": "2026-12-03", "cores": 2, "command": "python -m bench.peers", "seconds": 1.0,
              "load_average_at_start": [1.0, 1.0, 1.0], "load_average_at_end": [2.0, 1.0, 1.0],
              "questions": {"files": ["t.jsonl"], "count": 3, "answerable": 2, "limit": None},
              "systems": {"verbatim": row, "bm25s": {**row, "recall@1": 0.25}, "txtai": {"error": "not installed"}}}
    report["ratios"] = ratios(report["systems"])
    text = markdown(report)
    assert "| verbatim | 0.5 | 0.8 | 0.9 | 0.6 | 3.0 | 4.0 | - | 1.0 |" in text
    assert "| txtai | - | - |" in text
    assert "| **verbatim / best peer** | 2.0 (bm25s) |" in text
    assert "- **txtai**: not installed" in text


def test_a_missing_package_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.peers import missing

    assert missing("peer", ["json", "no_such_module_for_peers"])
    assert capsys.readouterr().out == "peer not installed (no module no_such_module_for_peers): pip install -e '.[bench]'\n"
    assert not missing("json", ["json"])
    assert capsys.readouterr().out == ""
