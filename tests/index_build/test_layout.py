from __future__ import annotations

from functools import cache

import pytest

from index_build.layout import MIN_PAGE_LINES, Furniture, PageLocator, find_furniture
from tests.corpus_files import ARTICLE, BOOK, ORDZHONIKIDZE, RYUTIN, corpus_text


@cache
def book_furniture() -> tuple[Furniture, ...]:
    return tuple(find_furniture(corpus_text(BOOK)))


@cache
def book_locator() -> PageLocator:
    return PageLocator(corpus_text(BOOK), list(book_furniture()))


def span_of(text: str, phrase: str) -> tuple[int, int]:
    assert text.count(phrase) == 1, phrase
    start = text.index(phrase)
    return start, start + len(phrase)


def line_text(text: str, furniture: Furniture) -> str:
    return text[furniture.start : furniture.end]


# --- synthetic pages ---------------------------------------------------------------------------


def body(count: int, tag: str) -> list[str]:
    return [f"{tag} line {i} of the running text" for i in range(count)]


def page(head: str, count: int, tag: str) -> list[str]:
    return ["", "", "", head, "", *body(count, tag)]


def test_text_without_pages_has_no_furniture_and_no_page() -> None:
    text = "\n".join(body(50, "plain"))
    assert find_furniture(text) == []
    assert PageLocator(text, []).pages(0, len(text)) == (None, None)


def test_running_heads_after_page_breaks_are_found_with_offsets_and_lines() -> None:
    lines = body(40, "p9") + page("10 A Book Title", 40, "p10") + page("Chapter Title 11", 40, "p11")
    text = "\n".join(lines)
    found = find_furniture(text)
    assert [(f.line, f.page) for f in found] == [(44, 10), (89, 11)]
    assert [line_text(text, f) for f in found] == ["10 A Book Title", "Chapter Title 11"]
    assert all(text[f.end] == "\n" for f in found)


def test_numbered_line_not_after_a_page_break_is_not_a_head() -> None:
    lines = body(20, "a") + ["12 Ibid., p. 40."] + body(20, "b") + page("10 A Book Title", 40, "p10")
    text = "\n".join(lines)
    assert [f.page for f in find_furniture(text)] == [10]


def test_footnote_number_out_of_sequence_is_rejected() -> None:
    lines = (
        page("10 A Book Title", 40, "p10")
        + ["", "12", ""]  # a footnote marker on its own line, on page 11
        + page("12 A Book Title", 40, "p12")
        + ["", "71", ""]  # too high for the line distance
        + page("14 A Book Title", 40, "p14")
    )
    text = "\n".join(lines)
    assert [f.page for f in find_furniture(text)] == [10, 12, 14]


def test_page_number_split_by_ocr_spaces_is_read_whole() -> None:
    text = "\n".join(page("1 04  A Book Title", 40, "p104") + page("1 0 5", 40, "p105"))
    assert [f.page for f in find_furniture(text)] == [104, 105]


def test_head_without_number_is_furniture_when_the_sentence_runs_on_below_it() -> None:
    lines = body(40, "P9") + ["", "", "", "Part One. A Running Title", "", "and so the sentence goes on"]
    text = "\n".join(lines + body(40, "P10"))
    assert [(f.line, f.page) for f in find_furniture(text)] == [(44, None)]


def test_short_line_after_a_break_is_not_furniture_when_a_paragraph_starts_below_it() -> None:
    lines = body(40, "P9") + ["", "", "", "A Subheading", "", "A new paragraph starts here."]
    text = "\n".join(lines + body(40, "P10"))
    assert find_furniture(text) == []


def test_lines_after_a_top_head_are_its_page_within_one_short_page_only() -> None:
    lines = page("10 A Book Title", 60, "p10")
    text = "\n".join(lines)
    locator = PageLocator(text, find_furniture(text))
    near = span_of(text, "p10 line 3 of")
    far = span_of(text, "p10 line 50 of")
    assert locator.pages(*near) == (10, 10)
    assert locator.pages(*far) == (None, None)


def test_lines_before_a_top_head_are_the_previous_page() -> None:
    lines = body(60, "p9") + page("10 A Book Title", 40, "p10")
    text = "\n".join(lines)
    locator = PageLocator(text, find_furniture(text))
    assert locator.pages(*span_of(text, "p9 line 59 of")) == (9, 9)
    assert locator.pages(*span_of(text, f"p9 line {59 - MIN_PAGE_LINES - 1} of")) == (None, None)


def test_number_at_the_foot_of_a_page_gives_that_page_and_opens_the_next() -> None:
    lines = body(40, "p7") + ["", "7", "", "", ""] + body(40, "p8")
    text = "\n".join(lines)
    found = find_furniture(text)
    assert [f.page for f in found] == [7]
    locator = PageLocator(text, found)
    assert locator.pages(*span_of(text, "p7 line 35 of")) == (7, 7)
    assert locator.pages(*span_of(text, "p8 line 2 of")) == (8, 8)


def test_number_between_paragraphs_far_from_breaks_tells_only_its_own_line() -> None:
    lines = body(40, "p9") + page("10 A Book Title", 80, "p10") + ["", "11", ""] + body(80, "p11")
    text = "\n".join(lines)
    found = find_furniture(text)
    assert [f.page for f in found] == [10, 11]
    locator = PageLocator(text, found)
    marker = found[1]
    assert locator.pages(marker.start, marker.end) == (11, 11)
    assert locator.pages(*span_of(text, "p11 line 2 of")) == (None, None)


def test_span_over_a_page_break_reports_both_pages() -> None:
    lines = body(40, "p9") + page("10 A Book Title", 40, "p10")
    text = "\n".join(lines)
    locator = PageLocator(text, find_furniture(text))
    start = text.index("p9 line 38 of")
    end = text.index("p10 line 1 of") + 5
    assert locator.pages(start, end) == (9, 10)


def test_empty_span_reports_the_page_of_its_position() -> None:
    text = "\n".join(page("10 A Book Title", 40, "p10"))
    locator = PageLocator(text, find_furniture(text))
    offset = text.index("p10 line 1 of")
    assert locator.pages(offset, offset) == (10, 10)


# --- the real corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [ARTICLE, RYUTIN, ORDZHONIKIDZE])
def test_web_texts_have_no_furniture_and_no_pages(name: str) -> None:
    text = corpus_text(name)
    assert find_furniture(text) == []
    assert PageLocator(text, []).pages(0, len(text)) == (None, None)


@pytest.mark.parametrize(
    ("line", "page", "raw"),
    [
        (93, 4, "4 Khrushchev J.kd "),
        (1466, 39, 'Chaprcr Thrt"l\'. SWin\'s ":\\rbimrinl-ss" to the Party 39 '),
        (4279, 104, "1 04  Khrushchev l ..il-d "),
        (4932, 119, "1 1 9 "),
        (10393, 245, "245 "),
        (15427, 357, ".\\ppcndix 357 "),
        (17929, 412, "4 1 2  Khrushchev l .i\\.'tl "),
        (42, None, 'lnuuduction. "I be Khrushchev School of Falsification '),
    ],
)
def test_book_running_heads_and_page_numbers_are_found(line: int, page: int | None, raw: str) -> None:
    found = {f.line: f for f in book_furniture()}
    assert found[line].page == page
    assert line_text(corpus_text(BOOK), found[line]) == raw


def test_book_page_numbers_increase_and_count_as_read() -> None:
    pages = [f.page for f in book_furniture() if f.page is not None]
    assert pages == sorted(pages)
    assert len(pages) == len(set(pages)) == 49
    assert len(book_furniture()) == 52


@pytest.mark.parametrize(
    "footnote",
    [
        "19 We return ro this quc.-stion in the fmal chapter.",
        "66 RKEB 1, p.328.",
        "69 Jbid p. 537.",
        "60 Doklad Khrushchc:va, p. 229.",
        "152 ",  # a footnote marker alone on its line, just before the head of page 104
    ],
)
def test_book_footnotes_are_not_taken_for_page_numbers(footnote: str) -> None:
    text = corpus_text(BOOK)
    start = text.index("\n" + footnote) + 1
    assert all(not (f.start <= start < f.end) for f in book_furniture())


@pytest.mark.parametrize(
    ("phrase", "pages"),
    [
        ("his life was initiated by Beria", (3, 3)),  # top of the page whose number "3" follows
        ("For me, as a scholar, this was a troubling", (4, 4)),  # under the head "4 Khrushchev ..."
        ('that he was "for publication." This means', (38, 38)),  # last line before page 39's head
        ("ro ask him if he agreed with publishing", (39, 39)),
        ("Chekist assigned to protect Kirov was being brought for", (40, 40)),
        ("66 RKEB 1, p.328.", (57, 57)),  # a footnote of page 57, not page 66
        ("enabled him to divine the enemy's plans and defeat", (119, 119)),
        ("27.XII.26", (245, 245)),  # just above the foot number 245
        ("- Rodina. 1994. N2 7. C. 72-73.", (246, 246)),
        ("Presidium. He remained silent, and not a single muscle", (411, 411)),
    ],
)
def test_book_pages_read_off_the_scan(phrase: str, pages: tuple[int, int]) -> None:
    assert book_locator().pages(*span_of(corpus_text(BOOK), phrase)) == pages


def test_book_span_across_pages_reports_first_and_last_page() -> None:
    text = corpus_text(BOOK)
    start = span_of(text, 'that he was "for publication." This means')[0]
    end = span_of(text, "Chekist assigned to protect Kirov was being brought for")[1]
    assert book_locator().pages(start, end) == (38, 40)


@pytest.mark.parametrize(
    "phrase",
    [
        "Comrades! In the report of the Central Committee of the",  # 90 lines from any marker
        "60 Doklad Khrushchc:va, p. 229.",  # a footnote, 44 lines above page 55's head
        "Molotov. \\Vhy did he have to do it? How could this be",  # next to a mid-page "409"
        "(see previous references).",
    ],
)
def test_book_page_is_none_where_no_marker_is_near(phrase: str) -> None:
    assert book_locator().pages(*span_of(corpus_text(BOOK), phrase)) == (None, None)
