"""Line-break joins: exact offsets on tiny texts, and a hand-checked table of real breaks in the OCR book."""

from __future__ import annotations

import bisect
from pathlib import Path

import pytest

from index_build.joins import LineJoin, Vocabulary, build_vocabulary, find_line_joins, is_hard_wrapped

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
BOOK = CORPUS / "003_ca611322b0c4a017.txt"

# Real line breaks of the book, read in context and judged by hand: (1-based line of the left
# fragment, left word as printed, first word of the next line, is it one word broken in two).
# Spread over the whole file: a targeted set (joins, non-joins, hyphens, OCR damage, hyphens the
# OCR lost), a stratified random sample of all breaks, and a random sample of lines with no
# trailing space (where the OCR mostly broke words). Known misses, kept with the truth as read:
# 282 dis|like, 5934 be|ause, 6443 Zhu|ko, 7136 at|tested, 7716 prina|pal, 10838 as|sent,
# 11296 des|deutschen (136/143 agree).
HAND_CHECKED = [
    (12, "Taub", "man", True),  # name broken without hyphen
    (13, "Biogra", "phy", True),
    (18, "read", "ing", True),
    (51, "magis", "terial", True),
    (119, "sus", "piciously", True),
    (145, "primary", "sources", False),
    (153, "Ap", "pendix", True),
    (163, "the", "traditional", False),
    (240, "him", "self", True),
    (241, "through", "out", True),  # both parts common words
    (282, "dis", "like", True),  # 'like' is a word; 'dislike' never seen elsewhere
    (291, "at", "tempt", True),
    (442, "what", "will", False),
    (559, "response", "ro", False),  # 'ro' is OCR 'to'
    (790, "characteris", "tic", True),
    (927, "twenty", "four", False),  # hyphen lost by OCR: 'twenty-four', joining would make a non-word
    (944, "tempo", "rary", True),
    (1003, "the", "ideological", False),
    (1051, "Peo", "ple", True),
    (1116, "perse", "cuting", True),
    (1316, "exe", "cuted", True),
    (1521, "pointed", "out", False),
    (1640, "in", "mind", False),
    (1661, "ap", "proach", True),
    (1734, "devd", "oped", True),  # OCR-damaged 'developed'
    (1736, "equivo", "cal", True),
    (1919, "GU", "LAG", True),  # all capitals
    (1993, "Trot", "skyist", True),
    (2007, "with", "out", True),
    (2055, "of", "the", False),
    (2114, "degenerate", "practices", False),  # rare word before a line break
    (2172, "con", "fum", True),  # OCR-damaged 'confirm'
    (2253, "prima", "fadt", False),  # 'prima facie'
    (2308, "propor", "tion", True),
    (2321, "a", "long", False),  # 'a long, serious investigation'
    (2678, "pre", "served", True),  # 'pre' and 'served' are words
    (2759, "keep", "ing", True),
    (2778, "tht", "CPSU", False),  # capital after a word
    (3059, "removed", "him", False),
    (3098, "of-", "fice", True),  # hyphen
    (3155, "All", "Union", False),  # hyphen lost: 'All-Union'
    (3290, "sta", "tionery", True),
    (3314, "How", "ever", True),
    (3386, "of", "correct", False),
    (3456, "Maslenni", "kov", True),
    (3461, "some", "thing", True),
    (3578, "the", "invasion", False),
    (3887, "pun", "ished", True),
    (4216, "Hero", "accuses", False),
    (4457, "meet", "ing", True),
    (4590, "was", "charged", False),
    (4756, "un", "able", True),
    (4787, "asked", "by", False),
    (4830, "self", "glorification", False),  # hyphen lost: 'self-glorification'
    (4935, "lbis", "allows", False),
    (5000, "avail", "able", True),
    (5494, "willful", "ness", True),
    (5515, "says", "something", False),
    (5688, "pre-", "vious", True),  # hyphen, leading space
    (5695, "it", "made", False),  # 'when it made public'
    (5704, "per", "cent", False),  # '70 per cent'
    (5745, "an", "other", True),
    (5934, "be", "ause", True),  # OCR-damaged 'because'
    (5960, "pre", "sent", True),
    (6007, "some", "kpl", False),
    (6074, "de", "fendant", True),
    (6135, "a", "way", False),  # 'is a way of doing this'
    (6138, "first", "hand", False),  # hyphen lost: 'first-hand'
    (6286, "the", "me", False),  # 'the me2ns' (means)
    (6443, "Zhu", "ko", True),  # OCR-damaged 'Zhukov'
    (6477, "many", "words", False),
    (6487, "im", "possible", True),
    (6672, "be", "cause", True),
    (6726, "been", "made", False),
    (6758, "re", "moved", True),
    (6999, "leaders", "in", False),
    (7136, "at", "tested", True),  # 'at' and 'tested' are words
    (7386, "emo", "tionally", True),
    (7669, "provo-", "cation", True),  # hyphen, leading space
    (7716, "prina", "pal", True),  # OCR-damaged 'principal'
    (7738, "any", "one", True),
    (7862, "Bol", "shevik", True),
    (7863, "separate", "state", False),
    (7918, "CON", "GRESS", True),  # all capitals
    (8021, "irre", "spective", True),
    (8025, "impor", "tantly", True),
    (8076, "retro", "spect", True),
    (8140, "the", "Party", False),
    (8304, "Secre", "llrits", True),  # OCR-damaged 'Secretaries'
    (8400, "members", "of", False),
    (8404, "sup", "posedly", True),
    (8662, "com", "pulsion", True),
    (8667, "conven", "lion", True),
    (8668, "in", "lhe", False),
    (8682, "fabrica-", "tion", True),  # hyphen
    (8984, "for", "doing", False),
    (9363, "tirade", "with", False),
    (9791, "re", "moved", True),
    (9878, "those", "letters", False),
    (10160, "not", "truthful", False),
    (10273, "or", "der", True),
    (10385, "I", "be", False),  # 'I be relieved'
    (10411, "well", "known", False),  # hyphen lost: 'well-known'
    (10501, "few", "Gensecs", False),
    (10798, "Ukraine", "brought", False),
    (10838, "as", "sent", True),  # 'gave his assent'
    (10925, "any", "way", False),  # 'in any way'
    (10940, "seri-", "ous", True),  # hyphen, leading space
    (10998, "on", "to", False),  # 'from now on to prison'
    (11292, "Sudopla", "contention", False),  # 'Sudopla[tov's]' truncated
    (11296, "des", "deutschen", False),  # German 'des deutschen'
    (11299, "mit", "der", False),  # German 'mit der'
    (11405, "cgi-", "bin", False),  # URL 'cgi-bin' keeps its hyphen
    (11642, "in", "a", False),  # 'in a speech'
    (11644, "on", "the", False),
    (11887, "to", "workers", False),
    (12073, "oblast", "Party", False),
    (12536, "that", "without", False),
    (12823, "In", "this", False),
    (13104, "terror", "had", False),
    (13522, "our", "organization", False),
    (13596, "im", "perceptably", True),
    (13959, "was", "established", False),
    (14077, "drunken", "table", False),  # 'drunken table talk'
    (14097, "death", "in", False),
    (14106, "a", "new", False),  # 'a new ... policy'
    (14492, "invasion", "would", False),
    (14764, "Khru", "shchev", True),
    (14799, "is", "Liskow", False),
    (14981, "so", "called", False),  # hyphen lost: 'so-called'
    (15247, "of", "the", False),
    (15296, "not", "able", False),  # 'was not able to'
    (15519, "to", "Khrushchev", False),
    (15770, "who", "carried", False),
    (15828, "individual", "persons", False),
    (16293, "the", "counterrevolutionary", False),
    (16687, "Russian", "nationality", False),
    (16833, "of", "December", False),  # capital after a word
    (16976, "social", "political", False),  # hyphen lost: 'social-political'
    (17126, "Stalin", "a", False),  # 'Stalin a few days later'
    (17347, "a", "resounding", False),
    (17653, "peasantry", "without", False),
    (17969, "forces", "into", False),
]

FILLER = "the committee looked into a series of matters in the\n"


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]


@pytest.fixture(scope="module")
def book() -> str:
    return BOOK.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def book_joins(corpus_texts: list[str], book: str) -> dict[int, LineJoin]:
    """Joins in the book keyed by the 1-based line of their left fragment."""
    line_starts = [0] + [i + 1 for i, ch in enumerate(book) if ch == "\n"]
    joins = find_line_joins(book, build_vocabulary(corpus_texts))
    return {bisect.bisect_right(line_starts, join.start): join for join in joins}


def wrapped(*middle: str) -> str:
    """A small hard-wrapped text: filler lines around ``middle``, all about one width."""
    return FILLER * 3 + "".join(middle) + FILLER * 3


def vocabulary(*sentences: str) -> Vocabulary:
    # Each sentence is padded so that its own words are not line-edge words.
    return build_vocabulary(f"x {sentence} x" for sentence in sentences)


@pytest.mark.parametrize(
    ("line", "left", "right", "expected"), HAND_CHECKED, ids=[f"{c[0]}:{c[1]}|{c[2]}" for c in HAND_CHECKED]
)
def test_hand_checked_line_break_is_where_the_table_says(book, line, left, right, expected):
    lines = book.split("\n")
    assert lines[line - 1].rstrip().endswith(left) and lines[line].lstrip().startswith(right)


# Read by hand, 7 of the 143 breaks are decided wrongly (OCR-damaged fragments such as "be"/"ause",
# real words whose join is unseen such as "dis"/"like", German "des"/"deutschen"): the rule is
# judged on its agreement over the whole table, and the misses are listed when it drops.
MIN_AGREEMENT = 0.95


def test_joins_agree_with_the_hand_checked_reading_on_at_least_95_percent(book_joins):
    misses = [(line, left, right, expected) for line, left, right, expected in HAND_CHECKED
              if (line in book_joins) is not expected]
    agreement = 1 - len(misses) / len(HAND_CHECKED)
    assert len(HAND_CHECKED) >= 40
    assert sum(1 for case in HAND_CHECKED if case[3]) >= 20 and sum(1 for case in HAND_CHECKED if not case[3]) >= 20
    assert agreement >= MIN_AGREEMENT, f"agreement {agreement:.3f}; misses: {misses}"


def test_hyphen_before_a_blank_line_in_the_book_is_not_joined(book_joins, book):
    lines = book.split("\n")
    assert lines[1168].endswith("rea-") and not lines[1169].strip()
    assert 1169 not in book_joins


def test_book_joins_remove_only_line_end_whitespace_and_hyphens(book_joins, book):
    assert len(book_joins) > 400
    for join in book_joins.values():
        removed = book[join.start : join.end]
        assert removed.count("\n") == 1
        assert removed.lstrip("-").isspace() and removed.startswith("-") is join.hyphen
        assert book[join.start - 1].isalpha() and book[join.end].isalpha()


def test_only_the_ocr_book_counts_as_hard_wrapped(corpus_texts):
    assert [is_hard_wrapped(text) for text in corpus_texts] == [False, False, False, True]
    assert not is_hard_wrapped("one line of text only")
    assert not is_hard_wrapped("")


def test_paragraph_per_line_text_has_no_joins(corpus_texts):
    ryutin = (CORPUS / "001_1f7a62750340cd9f.txt").read_text(encoding="utf-8")
    assert find_line_joins(ryutin, build_vocabulary(corpus_texts)) == []


def test_vocabulary_leaves_out_the_first_and_last_word_of_each_line():
    vocab = build_vocabulary(["de livered the speech read\ning it was Khrushchev's speech"])
    assert vocab.words["livered"] == 1 and vocab.words["de"] == 0 and vocab.words["read"] == 0
    assert vocab.words["khrushchev"] == 1 and vocab.words["speech"] == 1
    assert vocab.bigrams["livered the"] == 1


def test_join_without_hyphen_removes_trailing_spaces_newline_and_leading_spaces():
    text = wrapped("the speech that was de  \n  livered in the hall on the\n")
    joins = find_line_joins(text, vocabulary("he delivered it"))
    start = text.index("de  \n") + 2
    assert joins == [LineJoin(start=start, end=start + 5, hyphen=False)]
    assert text[joins[0].end] == "l"
    assert "was delivered in" in text[:start] + text[joins[0].end :]


def test_join_with_hyphen_drops_the_hyphen():
    text = wrapped("and then he was pro- \nmoted to the post in the\n")
    joins = find_line_joins(text, vocabulary("she was promoted early"))
    start = text.index("pro-") + 3
    assert joins == [LineJoin(start=start, end=start + 3, hyphen=True)]
    assert "was promoted to" in text[:start] + text[joins[0].end :]


def test_known_hyphenated_compound_keeps_its_hyphen():
    text = wrapped("despite comrade Lenin's well-\nknown letter to the CC\n")
    assert find_line_joins(text, vocabulary("a well-known letter", "he did well", "it is known")) == []


def test_hyphen_between_two_common_words_is_kept_when_the_join_is_unknown():
    text = wrapped("despite comrade Lenin's well-\nknown letter to the CC\n")
    assert find_line_joins(text, vocabulary("he did well", "it is known")) == []


def test_hyphen_is_dropped_when_neither_part_is_a_word():
    text = wrapped("the whole thing was a provo-\ncation by the enemy\n")
    assert [join.hyphen for join in find_line_joins(text, vocabulary("the plain truth"))] == [True]


def test_two_words_at_a_line_break_are_not_joined():
    text = wrapped("and then the\nman said it was all over\n")
    assert find_line_joins(text, vocabulary("the man", "a man", "theman")) == []


def test_no_join_across_a_blank_line():
    text = wrapped("the speech that was de\n\nlivered in the hall on the\n")
    assert find_line_joins(text, vocabulary("he delivered it")) == []


@pytest.mark.parametrize("right", ["Livered", "1ivered", "(livered", '"livered'])
def test_no_join_before_a_capital_digit_or_punctuation(right):
    text = wrapped(f"the speech that was de\n{right} in the hall on the\n")
    assert find_line_joins(text, vocabulary("he delivered it", f"he {right.lower()} it")) == []


def test_joined_word_seen_often_beats_a_rare_bigram():
    text = wrapped("he went straight in\nto the office of the chief\n")
    vocab = vocabulary(*["went into it"] * 20, "came in to see")
    assert len(find_line_joins(text, vocab)) == 1


def test_bigram_seen_often_beats_the_joined_word():
    text = wrapped("it is a\nway of doing this while keeping on\n")
    vocab = vocabulary(*["is a way of"] * 5, "went away now", "ran away")
    assert find_line_joins(text, vocab) == []


def test_single_sighting_of_joined_word_does_not_beat_two_common_words():
    text = wrapped("Stalin was not\nable to understand the questions\n")
    common = [f"it was not true and he was able to go {i}" for i in range(10)]
    assert find_line_joins(text, vocabulary(*common, "a notable man")) == []


def test_unknown_word_is_joined_when_both_parts_are_fragments():
    text = wrapped("won the Pulitzer Prize for Biogra\nphy in the year of\n")
    vocab = vocabulary("a biographer wrote", "his biographical notes", "on philosophy and geography now")
    assert len(find_line_joins(text, vocab)) == 1


def test_unknown_rare_words_are_not_joined():
    text = wrapped("a crudely demonized\nportrait of the man in the\n")
    assert find_line_joins(text, vocabulary("a crude picture", "of the man")) == []
