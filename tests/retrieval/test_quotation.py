"""Quotation checks on the fixture corpus: exact raw spans, verdicts and classified differences."""

from __future__ import annotations

import pytest

from retrieval.quotation import QuoteChecker
from verbatim.errors import BadInputError, NotFoundError


@pytest.fixture(scope="module")
def checker(fixture_retriever) -> QuoteChecker:
    c = QuoteChecker(fixture_retriever.index)
    c.warm()
    return c


def text_of(checker: QuoteChecker, m) -> str:
    return checker.index.documents[m.doc_id].text[m.start : m.end]


def kinds(m) -> list[tuple[str, str, str]]:
    return [(d.kind, d.text, d.quote_text) for d in m.differences]


def test_a_quote_equal_but_for_line_breaks_is_exact_with_the_raw_span(checker) -> None:
    v = checker.verify("The engineers measured the ground with chains and the labourers moved earth by hand.".replace(
        "engineers", "en gineers"))
    assert v.verdict == "exact" and v.found
    [m] = v.matches
    assert m.doc_id == "canal" and m.exact and m.similarity == 1.0 and m.differences == []
    assert text_of(checker, m) == "The en\ngineers measured the ground with chains and the labourers moved\nearth by hand."
    assert (m.line_start, m.line_end) == (6, 8)
    assert m.section is not None and "The First Spade" in m.section


def test_a_word_split_by_the_scan_is_close_with_a_line_break_difference(checker) -> None:
    v = checker.verify("The engineers measured the ground with chains")
    assert v.verdict == "close"
    m = v.matches[0]
    assert text_of(checker, m) == "The en\ngineers measured the ground with chains"
    assert kinds(m) == [("line_break", "en\ngineers", "engineers")]
    assert m.similarity >= 0.95


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("She trimmed the lamps every night and logged each passing ship.",
         [("changed", "wicks", "lamps")]),
        ("She trimmed the wicks every night and logged each ship.",
         [("missing", "passing", "")]),
        ("She trimmed the wicks every single night and logged each passing ship.",
         [("added", "", "single")]),
        ("She trimmed the wicks every night, and logged each passing ship.",
         [("punctuation", "night", "night,")]),
        ("she trimmed the wicks every night and logged each passing ship.",
         [("case", "She", "she")]),
        ("She trimmed the wciks every night and logged each passing ship.",
         [("spelling", "wicks", "wciks")]),
    ],
)
def test_a_misquotation_is_close_and_every_difference_is_classified(checker, quote, expected) -> None:
    v = checker.verify(quote)
    assert v.verdict == "close"
    m = v.matches[0]
    assert m.doc_id == "lighthouse"
    assert text_of(checker, m) == "She trimmed the wicks every night and logged each passing ship."
    assert kinds(m) == expected
    for d in m.differences:
        assert checker.index.documents[m.doc_id].text[d.start : d.end] == d.text
        assert m.start <= d.start <= d.end <= m.end


def test_an_invented_quotation_on_the_same_people_is_not_found(checker) -> None:
    v = checker.verify("Martha Quill sold the lighthouse to the accountants in the capital for a fortune.")
    assert v.verdict == "not_found" and not v.found and v.matches == []
    assert v.nearest is not None and v.nearest.similarity < checker.threshold


def test_a_fragment_is_located_on_word_boundaries(checker) -> None:
    v = checker.verify("fear only the accountants in the capital")
    assert v.verdict == "exact"
    assert text_of(checker, v.matches[0]) == "fear only the accountants in the capital"


def test_documents_narrow_the_search_and_unknown_ids_are_named(checker) -> None:
    v = checker.verify("She trimmed the wicks every night", documents=["canal"])
    assert all(m.doc_id == "canal" for m in v.matches)
    with pytest.raises(NotFoundError, match="nowhere"):
        checker.verify("She trimmed the wicks every night", documents=["nowhere"])


@pytest.mark.parametrize(
    ("quote", "message"),
    [("", "empty"), ("   ", "empty"), ("two words", "at least 3"), ("word " * 600, "limit is 2000")],
)
def test_unusable_quotes_are_refused_with_what_to_fix(checker, quote, message) -> None:
    with pytest.raises(BadInputError, match=message):
        checker.verify(quote)


@pytest.mark.parametrize(
    ("pasted", "compared"),
    [
        ('"I do not fear the sea." - Martha Quill, 1902', "I do not fear the sea."),
        ("“I do not fear the sea.” (Martha Quill to her sister)", "I do not fear the sea."),
        ("I do not fear the sea — Martha Quill", "I do not fear the sea"),
        ('"I do not fear the sea," she wrote', "I do not fear the sea,"),
        ("I do not fear the sea", "I do not fear the sea"),
    ],
)
def test_the_readers_quotation_marks_and_attribution_are_not_checked(checker, pasted, compared) -> None:
    v = checker.verify(pasted)
    assert v.compared == compared and v.quote == pasted
    assert v.found and v.matches[0].doc_id == "lighthouse"
    assert text_of(checker, v.matches[0]).startswith("I do not fear the sea")


def test_a_quote_with_a_cut_marked_by_an_ellipsis_is_found_whole_with_the_cut_omitted(checker) -> None:
    v = checker.verify("The canal company began digging in the spring of 1820 ... the labourers moved earth by hand.")
    assert v.verdict == "close"
    m = v.matches[0]
    assert text_of(checker, m).startswith("The canal company began digging") and text_of(checker, m).endswith("by hand.")
    omitted = [d for d in m.differences if d.kind == "omitted"]
    assert [(d.quote_text, d.text.split()[0], d.text.split()[-1]) for d in omitted] == [("…", ".", "and")]
    assert checker.index.documents["canal"].text[omitted[0].start : omitted[0].end] == omitted[0].text


def test_cut_parts_out_of_order_are_not_the_passage(checker) -> None:
    v = checker.verify("the labourers moved earth by hand ... The canal company began digging in the spring of 1820")
    assert not v.found or v.matches[0].similarity < 0.6


def test_the_texts_punctuation_after_the_last_word_stays_out_of_a_close_match(checker) -> None:
    v = checker.verify("Without her lamp the fleet would have been lost on the rocks")
    assert v.verdict == "close"
    assert text_of(checker, v.matches[0]) == "Without her light the fleet would have been lost on the rocks"
    assert kinds(v.matches[0]) == [("changed", "light", "lamp")]


def test_the_default_threshold_is_the_services_setting() -> None:
    from retrieval.quotation import CLOSE_THRESHOLD
    from service.core.config import Settings

    assert Settings.model_fields["quote_threshold"].default == CLOSE_THRESHOLD
