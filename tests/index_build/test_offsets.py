from __future__ import annotations

import pytest

from index_build.offsets import Edit, normalize


def test_whitespace_runs_fold_to_one_space_and_map_back() -> None:
    raw = "one  two\n\n three"
    norm = normalize(raw)
    assert norm.text == "one two three"
    start = norm.text.index("two three")
    assert norm.raw_span(start, len(norm.text)) == (5, len(raw))
    assert raw[5:] == "two\n\n three"


def test_curly_quotes_become_straight_and_cite_the_curly_original() -> None:
    raw = "He said “no” and ‘yes’."
    norm = normalize(raw)
    assert norm.text == "He said \"no\" and 'yes'."
    s, e = norm.raw_span(8, 12)
    assert raw[s:e] == "“no”"


def test_nfkc_expansion_maps_every_piece_to_its_source_character() -> None:
    raw = "ﬁnal ½"  # ligature fi, vulgar fraction
    norm = normalize(raw)
    assert norm.text == "final 1⁄2"
    assert norm.raw_span(0, 2) == (0, 1)  # "fi" comes from the one ligature character
    assert norm.raw_span(0, 5) == (0, 4)


def test_deleted_join_span_glues_the_word_and_cites_the_raw_break() -> None:
    raw = "the pro\nmoted man"
    norm = normalize(raw, [Edit(7, 8, False)])
    assert norm.text == "the promoted man"
    s, e = norm.raw_span(4, 12)
    assert raw[s:e] == "pro\nmoted"


def test_deleted_furniture_leaves_a_word_boundary() -> None:
    raw = "end of page\n12 Canal Works\nnext page"
    start = raw.index("12 Canal")
    norm = normalize(raw, [Edit(start, start + len("12 Canal Works"), True)])
    assert norm.text == "end of page next page"
    s, e = norm.raw_span(norm.text.index("page next"), len(norm.text))
    assert raw[s:e] == "page\n12 Canal Works\nnext page"


def test_dropped_characters_vanish_without_breaking_offsets() -> None:
    raw = "soft\u00adhyphen and t\ufffd expressed"
    norm = normalize(raw)
    assert norm.text == "softhyphen and t expressed"
    for a in range(len(norm.text)):
        for b in range(a + 1, min(len(norm.text), a + 6) + 1):
            s, e = norm.raw_span(a, b)
            assert 0 <= s < e <= len(raw)


@pytest.mark.parametrize("raw", ["", "   ", "\n\n"])
def test_blank_text_normalises_to_nothing(raw: str) -> None:
    assert normalize(raw).text == ""


def test_norm_offset_finds_the_first_character_at_or_after_a_raw_offset() -> None:
    raw = "a  b"
    norm = normalize(raw)
    assert norm.norm_offset(0) == 0
    assert norm.norm_offset(2) == 2  # inside the whitespace run: the next character is "b"
    assert norm.text[norm.norm_offset(3)] == "b"
