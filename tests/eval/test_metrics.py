from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eval.dataset import Evidence, Question, load_questions, read_questions
from eval.harness import Outcome, summarize
from eval.metrics import Returned, is_relevant, ndcg_at, percentile, recall_at, reciprocal_rank
from verbatim.errors import BadInputError

EVIDENCE = Evidence("doc", 100, 200)


@pytest.mark.parametrize(
    ("span", "relevant"),
    [
        ((100, 200), True),
        ((150, 400), True),  # covers exactly half
        ((151, 400), False),  # covers 49%
        ((0, 149), False),
        ((0, 150), True),
        ((300, 400), False),
    ],
)
def test_a_passage_is_relevant_when_it_covers_half_the_evidence(span, relevant) -> None:
    assert is_relevant(Returned("doc", *span), EVIDENCE) is relevant


def test_a_passage_of_another_document_is_never_relevant() -> None:
    assert not is_relevant(Returned("other", 100, 200), EVIDENCE)


@pytest.mark.parametrize(
    ("judged", "r1", "r3", "mrr", "ndcg"),
    [
        ([True, False, False], 1.0, 1.0, 1.0, 1.0),
        ([False, True, False], 0.0, 1.0, 0.5, 1 / math.log2(3)),
        ([False, False, False, True], 0.0, 0.0, 0.25, 1 / math.log2(5)),
        ([False] * 10 + [True], 0.0, 0.0, 0.0, 0.0),
        ([False, True, True], 0.0, 1.0, 0.5, (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))),
        ([], 0.0, 0.0, 0.0, 0.0),
    ],
)
def test_ranked_list_metrics_match_hand_worked_values(judged, r1, r3, mrr, ndcg) -> None:
    assert recall_at(judged, 1) == r1
    assert recall_at(judged, 3) == r3
    assert reciprocal_rank(judged, 10) == pytest.approx(mrr)
    assert ndcg_at(judged, 10) == pytest.approx(ndcg)


def test_percentile_is_nearest_rank() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == 20.0
    assert percentile(values, 95) == 40.0
    assert percentile([], 50) == 0.0


def test_summary_averages_over_answerable_questions_and_counts_abstentions() -> None:
    q1 = Question("a", "q1", "factual", "x", EVIDENCE)
    q2 = Question("b", "q2", "keyword", "y", Evidence("doc", 1000, 1100))
    q3 = Question("c", "q3", "unanswerable", None, None)
    outcomes = [
        Outcome(q1, [Returned("doc", 90, 210)], ["t"], True, 10.0),
        Outcome(q2, [Returned("doc", 0, 50), Returned("doc", 1000, 1100)], ["t", "u"], False, 30.0),
        Outcome(q3, [Returned("doc", 0, 50)], ["t"], False, 20.0),
    ]
    m = summarize(outcomes)
    assert m["recall@1"] == 0.5
    assert m["recall@3"] == 1.0
    assert m["mrr@10"] == 0.75
    assert m["abstain_unanswerable"] == 1.0
    assert m["abstain_answerable"] == 0.5
    assert m["p50_ms"] == 20.0
    assert m["mean_passage_chars"] == pytest.approx((120 + 50 + 100 + 50) / 4)
    assert m["by_type"]["keyword"]["recall@1"] == 0.0 and m["by_type"]["factual"]["recall@1"] == 1.0
    assert m["by_document"]["doc"]["count"] == 2
    assert m["failures"] == []


def write(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def record(**over) -> dict:
    base = {"id": "q1", "question": "Who kept the lighthouse?", "doc": "lighthouse", "type": "factual",
            "evidence": "Martha Quill kept the northern lighthouse from 1881 to 1911.", "answer": "Martha Quill"}
    return {**base, **over}


def test_evidence_is_located_ignoring_whitespace_differences(tmp_path: Path, fixture_corpus: Path) -> None:
    path = write(tmp_path, [record(evidence="kept the northern   lighthouse\nfrom 1881 to 1911. She trimmed")])
    [q] = load_questions([path], fixture_corpus)
    text = (fixture_corpus / "a_lighthouse.txt").read_text()
    assert text[q.evidence.start : q.evidence.end] == "kept the northern lighthouse from 1881 to 1911. She trimmed"


@pytest.mark.parametrize(
    ("over", "problem"),
    [
        ({"evidence": "words that are not anywhere in the fixture corpus at all"}, "evidence not found in lighthouse"),
        ({"doc": "nowhere"}, "unknown document 'nowhere'"),
        ({"question": "  "}, "no question text"),
        ({"evidence": None}, "doc 'lighthouse' is given but no evidence quote"),
    ],
)
def test_unusable_records_are_named_and_refused_when_strict(tmp_path: Path, fixture_corpus: Path, over, problem) -> None:
    path = write(tmp_path, [record(**over), record(id="q2")])
    loaded = read_questions([path], fixture_corpus)
    assert [q.id for q in loaded.questions] == ["q2"]
    assert len(loaded.problems) == 1 and "(q1)" in loaded.problems[0] and problem in loaded.problems[0]
    with pytest.raises(BadInputError) as caught:
        load_questions([path], fixture_corpus)
    assert problem in caught.value.message


@pytest.mark.parametrize("kind", ["factoid", "paraphrase", "multi-hop", "why_how"])
def test_any_type_label_is_accepted_and_kept(tmp_path: Path, fixture_corpus: Path, kind: str) -> None:
    [q] = load_questions([write(tmp_path, [record(type=kind)])], fixture_corpus)
    assert q.type == kind


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ("Quill", "Quill"),  # one word
        ("the wicks", "the wicks"),
        (" ".join(["In 1895 a storm destroyed the lantern room. Quill rebuilt it with her own savings"] * 1),
         "In 1895 a storm destroyed the lantern room. Quill rebuilt it with her own savings"),
    ],
)
def test_evidence_of_any_length_is_located(tmp_path: Path, fixture_corpus: Path, evidence: str, expected: str) -> None:
    [q] = load_questions([write(tmp_path, [record(evidence=evidence)])], fixture_corpus)
    text = (fixture_corpus / "a_lighthouse.txt").read_text()
    assert text[q.evidence.start : q.evidence.end] == expected


def test_evidence_over_forty_words_is_located(tmp_path: Path, fixture_corpus: Path) -> None:
    text = (fixture_corpus / "a_lighthouse.txt").read_text()
    quote = text[text.index("Martha Quill kept") : text.index("close the station.") + len("close the station.")]
    assert len(quote.split()) > 40
    [q] = load_questions([write(tmp_path, [record(evidence=quote)])], fixture_corpus)
    assert (q.evidence.start, q.evidence.end) == (text.index("Martha Quill kept"), text.index("close the station.") + 18)


def test_a_file_without_answer_or_type_fields_loads(tmp_path: Path, fixture_corpus: Path) -> None:
    rows = [{"id": "a", "question": "Who kept the lighthouse?", "doc": "lighthouse", "evidence": "Martha Quill kept"},
            {"id": "b", "question": "Who painted the canal?"}]
    answerable, unanswerable = load_questions([write(tmp_path, rows)], fixture_corpus)
    assert (answerable.answer, answerable.type, answerable.answerable) == (None, "untyped", True)
    assert (unanswerable.type, unanswerable.answerable) == ("unanswerable", False)


def test_evidence_differing_in_case_punctuation_and_hyphenation_is_located_loosely(
    tmp_path: Path, fixture_corpus: Path
) -> None:
    [q] = load_questions([write(tmp_path, [record(evidence="martha quill kept the north-ern lighthouse, from 1881")])],
                         fixture_corpus)
    text = (fixture_corpus / "a_lighthouse.txt").read_text()
    assert text[q.evidence.start : q.evidence.end] == "Martha Quill kept the northern lighthouse from 1881"


def test_evidence_without_doc_is_looked_for_in_every_document(tmp_path: Path, fixture_corpus: Path) -> None:
    [q] = load_questions([write(tmp_path, [record(doc=None)])], fixture_corpus)
    assert q.evidence.doc_id == "lighthouse" and q.answerable


def test_a_document_may_be_named_by_file_name_or_title(tmp_path: Path, fixture_corpus: Path) -> None:
    rows = [record(id="a", doc="a_lighthouse.txt"), record(id="b", doc="The Lighthouse Keeper")]
    questions = load_questions([write(tmp_path, rows)], fixture_corpus)
    assert {q.evidence.doc_id for q in questions} == {"lighthouse"}


def test_evidence_found_twice_counts_either_occurrence(tmp_path: Path, fixture_corpus: Path) -> None:
    doc = fixture_corpus / "a_lighthouse.txt"
    original = doc.read_text()
    doc.write_text(original + "\nMartha Quill kept the northern lighthouse from 1881 to 1911.\n")
    [q] = load_questions([write(tmp_path, [record()])], fixture_corpus)
    second = len(original) + 1
    assert q.evidence.spans == (("lighthouse", 0 + original.index("Martha"), original.index("1911.") + 5),
                                ("lighthouse", second, second + len("Martha Quill kept the northern lighthouse from 1881 to 1911.")))
    assert is_relevant(Returned("lighthouse", second - 5, len(original) + 70), q.evidence)
    assert not is_relevant(Returned("lighthouse", 0, 10), q.evidence)


def test_project_question_set_loads_with_enough_of_each_kind() -> None:
    from collections import Counter

    from eval.harness import QUESTIONS_DIR

    questions = load_questions([QUESTIONS_DIR / "dev.jsonl", QUESTIONS_DIR / "test.jsonl"])
    assert len(questions) >= 250
    kinds = Counter(q.type for q in questions)
    assert kinds["unanswerable"] >= 25 and all(kinds[t] >= 15 for t in kinds)
    per_doc = Counter(q.evidence.doc_id for q in questions if q.evidence)
    assert min(per_doc.values()) >= 20


def test_calibration_abstains_most_on_unanswerable_while_sparing_answerable_ones() -> None:
    from eval.calibration import calibrate

    answerable = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.9, 0.95, 0.95, 0.99]
    # just above 0.5 one answerable question in ten is abstained on (the limit) and all three
    # unanswerable ones are; just above 0.6 two answerable would be: over the limit
    result = calibrate(answerable, unanswerable=[0.1, 0.2, 0.5])
    assert result["best_threshold"] == pytest.approx(0.5, abs=1e-3)
    assert result["abstain_unanswerable"] == 1.0
    assert result["abstain_answerable"] == 0.1
    strict = calibrate(answerable, unanswerable=[0.1, 0.2, 0.5], max_answerable=0.0)
    assert strict["best_threshold"] == pytest.approx(0.2, abs=1e-3)
    assert strict["abstain_unanswerable"] == pytest.approx(2 / 3, abs=1e-4) and strict["abstain_answerable"] == 0.0
