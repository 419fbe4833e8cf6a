"""The real model over the real corpus: the properties readers rely on. One index build per session."""

from __future__ import annotations

import re

import pytest

from eval.dataset import load_questions
from eval.harness import QUESTIONS_DIR
from index_build.build import context_header
from index_build.store import read_passages

pytestmark = pytest.mark.slow


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def is_subsequence(part: str, whole: str) -> bool:
    letters = iter(whole)
    return all(ch in letters for ch in part)


def test_every_passage_is_an_exact_raw_span_with_the_right_lines(real_index) -> None:
    assert len(real_index.passages) > 1000
    for passage in real_index.passages:
        raw = real_index.documents[passage.doc_id].text
        cited = raw[passage.start : passage.end]
        assert 0 <= passage.start < passage.end <= len(raw)
        assert cited == cited.strip()
        assert passage.line_start == raw.count("\n", 0, passage.start) + 1
        assert passage.line_end == raw.count("\n", 0, passage.end - 1) + 1
        # what is indexed comes from the cited span: its letters and digits, in order, with only
        # running heads and page numbers left out
        indexed, source = squash(passage.text), squash(cited)
        assert is_subsequence(indexed, source)
        assert indexed[:1] == source[:1] and indexed[-1:] == source[-1:]
        assert len(source) - len(indexed) < 0.2 * len(source)


def test_every_passage_with_its_header_fits_the_models_limit(real_index, real_embedder) -> None:
    from index_build.structure import Section

    texts = []
    for p in real_index.passages:
        title = real_index.documents[p.doc_id].record.title
        header = context_header(title, Section(p.start, p.end, p.section, p.attribution))
        texts.append(f"{header} {p.text}" if header else p.text)
    counts = real_embedder.count_tokens(texts)
    assert max(counts) <= real_embedder.max_tokens


def test_every_document_is_covered_by_passages(real_index) -> None:
    for doc_id, doc in real_index.documents.items():
        spans = sorted((p.start, p.end) for p in real_index.passages if p.doc_id == doc_id)
        covered = spans[0][0]
        assert covered < 200
        for start, end in spans:
            assert start <= covered + 400, f"{doc_id}: gap before {start}"
            covered = max(covered, end)
        assert covered >= len(doc.text.rstrip()) - 200


@pytest.mark.parametrize(
    ("doc_id", "phrase", "section", "attribution"),
    [
        ("ryutin", "The firmness shown by Stalin in 1930-1 failed", "Primary Sources",
         "(3) Robert Service, Stalin: A Biography (2004)"),
        ("ryutin", "Martemyan Ryutin was born into a poor peasant family", None, None),
        ("ordzhonikidze", "When my wife and I reached the second floor", "Primary Sources",
         "(7) Sergo Ordzhonikidze's youngest brother Konstantin arrived at the Kremlin soon after his body had been found."),
        ("rudzutaks", "He started work as a swineherd", None, None),
        ("khrushchev-lied", "Boris Nikolaevsky's note 8 to this passage reads", "Introduction.", None),
        ("khrushchev-lied", "Chapter 1 0.", "Chapter 10. A Typology of Prevarication", None),
    ],
)
def test_hand_picked_passages_carry_their_section_and_source(real_index, doc_id, phrase, section, attribution) -> None:
    text = real_index.documents[doc_id].text
    at = text.index(phrase)
    passage = next(p for p in real_index.passages if p.doc_id == doc_id and p.start <= at < p.end)
    if section is None:
        assert passage.section is None
    else:
        assert passage.section is not None and passage.section.startswith(section)
    assert passage.attribution == attribution


def test_stored_passages_match_the_loaded_ones(real_index_dir, real_index) -> None:
    assert [p.id for p in read_passages(real_index_dir)] == [p.id for p in real_index.passages]


def test_answers_to_every_evaluation_question_are_exact_and_never_overlap(real_index, real_embedder) -> None:
    from retrieval.search import Retriever

    retriever = Retriever(real_index, real_embedder)
    questions = load_questions([QUESTIONS_DIR / "dev.jsonl", QUESTIONS_DIR / "test.jsonl"])
    for q in questions:
        result = retriever.search(q.question, k=5)
        assert 0 < len(result.hits) <= 5
        seen: list[tuple[str, int, int]] = []
        for hit in result.hits:
            p = hit.passage
            raw = real_index.documents[p.doc_id].text
            assert p.line_start == raw.count("\n", 0, p.start) + 1
            for start, end in hit.highlights:
                assert p.start <= start < end <= p.end
            for doc_id, s, e in seen:
                assert doc_id != p.doc_id or e <= p.start or p.end <= s, q.id
            seen.append((p.doc_id, p.start, p.end))


def test_with_the_real_model_the_learned_models_rank_and_judge_real_questions(real_index, real_embedder) -> None:
    from retrieval.search import Retriever

    retriever = Retriever(real_index, real_embedder)
    assert retriever.reranker is not None and retriever.abstention is not None
    answered = retriever.search("Which biographer of Khrushchev called the Secret Speech a great deed?", 5)
    top = answered.hits[0].passage
    assert top.doc_id == "khrushchev-lied"
    assert "great deed" in real_index.documents[top.doc_id].text[top.start : top.end]
    assert answered.supported and answered.confidence >= retriever.abstention.threshold
    off_topic = retriever.search("What oven temperature is best for baking a sourdough loaf?", 5)
    assert not off_topic.supported and off_topic.confidence < answered.confidence


def test_with_the_real_model_a_follow_up_finds_what_the_question_alone_cannot(real_index, real_embedder) -> None:
    from retrieval.conversation import EarlierTurn, PassageRef
    from retrieval.search import Retriever

    retriever = Retriever(real_index, real_embedder)
    first = retriever.search("What did Stalin write to Kaganovich in August 1936 about Kamenev's wife?", 5)
    turn = EarlierTurn(first.question, tuple(PassageRef(h.passage.doc_id, h.passage.start, h.passage.end)
                                             for h in first.hits[:3]))
    follow = retriever.search("what did he want done with her", 5, history=[turn])
    alone = retriever.search("what did he want done with her", 5)

    def holds(hit) -> bool:
        text = real_index.documents[hit.passage.doc_id].text[hit.passage.start : hit.passage.end]
        return "submit her to a series of meticulous" in " ".join(text.split())

    assert holds(follow.hits[0])
    assert not any(holds(h) for h in alone.hits)
    assert {"Kaganovich", "Kamenev's", "wife"} <= {t.term for t in follow.context.terms}


@pytest.fixture(scope="module")
def real_quotes(real_index):
    from retrieval.quotation import QuoteChecker

    checker = QuoteChecker(real_index)
    checker.warm()
    return checker


def test_a_quote_typed_clean_from_a_damaged_scan_is_close_with_each_misreading_marked(real_quotes, real_index) -> None:
    v = real_quotes.verify("Since it had been submitted to him, this draft at least cannot have come from him "
                           "in the first place.")
    assert v.verdict == "close"
    m = v.matches[0]
    text = real_index.documents[m.doc_id].text
    assert m.doc_id == "khrushchev-lied"
    assert " ".join(text[m.start : m.end].split()).startswith("Since it had been submitted to him, rhis drafr")
    assert [(d.kind, d.text, d.quote_text) for d in m.differences if d.kind == "ocr"] == [
        ("ocr", "rhis", "this"), ("ocr", "drafr", "draft"), ("ocr", "Jeast", "least")]
    assert all(text[d.start : d.end] == d.text for d in m.differences)
    assert m.page == 39 and "December 1, 1934" in (m.section or "")


@pytest.mark.parametrize("quote", [
    "Death solves all problems. No man, no problem.",
    "Ordzhonikidze told Kaganovich that he would resign from the Politburo if one more factory director was taken.",
])
def test_famous_or_invented_quotations_absent_from_the_texts_are_not_found(real_quotes, quote) -> None:
    v = real_quotes.verify(quote)
    assert v.verdict == "not_found" and v.matches == []
    assert v.nearest is not None and v.nearest.similarity < real_quotes.threshold
