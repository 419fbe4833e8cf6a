"""Words broken across line ends in hard-wrapped (OCR) texts, found from corpus vocabulary evidence.

A line break is a join when the last word of a line and the first word of the next line are one
word broken in two ("de" / "livered", "pro-" / "moted"). The evidence is the corpus itself: the
joined word occurs elsewhere, or the parts look like fragments rather than words.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# A word: letters, optionally joined by apostrophes or hyphens ("Khrushchev's", "well-known").
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
# The last token of a line, then the first token of the next one. The left token is optional
# opening punctuation, letters (a compound's earlier parts allowed) and maybe a hyphen; the right
# token is a word followed by a space, punctuation or a digit ("tion.", "man's", "cow156"), not by
# OCR debris ("m·ed").
_BREAK = re.compile(
    r"(?<!\S)[^\w\s]*(?:[^\W\d_]+-)*([^\W\d_]+)(-?)[ \t]*\r?\n[ \t]*"
    r"(?=([^\W\d_]+)(?:['’-][^\W\d_]+)*(?:[\s\d.,;:!?\"'’”)\]/]|$))"
)
_SINGLE_LETTER_WORDS = frozenset({"a", "i"})
_LAST = "\U0010ffff"
_INFLECTIONS = ("s", "d", "ed", "ly")  # a left part with these endings in the corpus is a word


@dataclass(frozen=True)
class LineJoin:
    start: int  # first raw character removed: the hyphen, else the first whitespace after the left part
    end: int  # just after the last whitespace removed; raw[end] starts the right part
    hyphen: bool  # a hyphen was dropped


@dataclass(frozen=True)
class Vocabulary:
    """Lowercased corpus evidence: word and compound counts, bigram counts, sorted word lists."""

    words: Counter[str]  # "stalin", "well-known" (a possessive counts as its base word)
    bigrams: Counter[str]  # "in to": two words separated only by spaces
    forward: tuple[str, ...]  # plain-letter words, sorted
    backward: tuple[str, ...]  # the same words reversed, sorted
    total: int  # word occurrences counted

    def count(self, word: str) -> int:
        """Occurrences of a word; a single letter other than "a" or "i" is never a word."""
        if len(word) == 1 and word not in _SINGLE_LETTER_WORDS:
            return 0
        return self.words[word]

    def starting_with(self, prefix: str) -> int:
        """Distinct words that start with ``prefix`` and are longer than it."""
        return _longer_matches(self.forward, prefix)

    def ending_with(self, suffix: str) -> int:
        """Distinct words that end with ``suffix`` and are longer than it."""
        return _longer_matches(self.backward, suffix[::-1])


def _longer_matches(ordered: tuple[str, ...], prefix: str) -> int:
    low = bisect.bisect_left(ordered, prefix)
    high = bisect.bisect_left(ordered, prefix + _LAST, low)
    exact = low < high and ordered[low] == prefix
    return high - low - exact


def _base(token: str) -> str:
    return _POSSESSIVE.sub("", token.lower())


def build_vocabulary(texts: Iterable[str], base: Vocabulary | None = None) -> Vocabulary:
    """Count the words of ``texts`` that are not the first or last word of their line (plus ``base``'s).

    Line-edge words are left out so that fragments of broken words do not count as words.
    A compound ("well-known") counts as itself and as each of its parts.
    """
    words: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    for text in texts:
        for line in text.splitlines():
            previous_end, previous = -1, ""
            for match in list(_WORD.finditer(line))[1:-1]:
                word = _base(match.group())
                words[word] += 1
                if "-" in word:
                    words.update(word.split("-"))
                if previous and line[previous_end : match.start()].isspace():
                    bigrams[f"{previous} {word}"] += 1
                previous_end, previous = match.end(), word
    if base is not None:
        words.update(base.words)
        bigrams.update(base.bigrams)
    plain = [word for word in words if word.isalpha()]
    total = sum(count for word, count in words.items() if "-" not in word)
    return Vocabulary(
        words, bigrams, tuple(sorted(plain)), tuple(sorted(word[::-1] for word in plain)), total
    )


def is_hard_wrapped(text: str) -> bool:
    """True when most lines are cut near one fixed width (an OCR'd book), not one line per paragraph."""
    lengths = sorted(len(line.rstrip()) for line in text.splitlines() if line.strip())
    if len(lengths) < 5:
        return False
    width = lengths[int(len(lengths) * 0.95)]
    return width <= 120 and sum(length >= 0.6 * width for length in lengths) >= 0.5 * len(lengths)


def _is_broken_word(left: str, right: str, hyphen: bool, vocabulary: Vocabulary) -> bool:
    """Whether ``left`` + ``right`` (lowercased) is one word broken at a line end."""
    joined_count = vocabulary.words[left + right]
    left_count, right_count = vocabulary.count(left), vocabulary.count(right)
    if hyphen:
        if vocabulary.words[f"{left}-{right}"]:
            return False  # a real compound: keep the hyphen
        return joined_count > 0 or not (left_count and right_count)
    if joined_count:
        return _joined_beats_bigram(joined_count, left, right, vocabulary)
    return _are_fragments(left, right, vocabulary)


def _joined_beats_bigram(joined_count: int, left: str, right: str, vocabulary: Vocabulary) -> bool:
    """Known joined word: is it better evidence than the two words side by side ("in" / "to")?

    The joined word must clearly beat the bigram as seen, and also the bigram expected by chance
    from the parts' counts, which stands in for it when two common words rarely meet ("the" /
    "me"). One sighting of the joined word is not enough against parts that meet by chance.
    """
    bigram_count = vocabulary.bigrams[f"{left} {right}"]
    expected = vocabulary.count(left) * vocabulary.count(right) / max(vocabulary.total, 1)
    return joined_count > max(10 * bigram_count, expected, min(10 * expected, 1))


def _are_fragments(left: str, right: str, vocabulary: Vocabulary) -> bool:
    """Unknown joined word: are both parts fragments rather than words?

    A part that begins (ends) more distinct words than it occurs alone is a fragment ("Biogra",
    "phy", "ing"); a known word that is not one is a word. A part never seen at all may be OCR
    noise or a rare word: it passes only if the other part is a fragment twice over.
    """
    if len(left) < 2 or len(right) < 2:
        return False
    inflected = sum(1 for ending in _INFLECTIONS if vocabulary.words[left + ending]) if len(left) >= 5 else 0
    left_count = vocabulary.count(left) + inflected  # "degenerate" is known from "degenerates"
    right_count = vocabulary.count(right)
    left_evidence = vocabulary.starting_with(left) - inflected
    right_evidence = vocabulary.ending_with(right)
    left_fragment, right_fragment = left_evidence > left_count, right_evidence > right_count
    if (
        (left_count and not left_fragment)
        or (right_count and not right_fragment)
        or (left_count and right_count)
    ):
        return False
    if left_fragment and right_fragment:
        return True
    if left_fragment:
        return left_evidence >= 2 * max(left_count, 1)
    return right_fragment and right_evidence >= 2 * max(right_count, 1)


def find_line_joins(text: str, vocabulary: Vocabulary) -> list[LineJoin]:
    """Line breaks of a hard-wrapped ``text`` that split one word in two, in text order."""
    if not is_hard_wrapped(text):
        return []
    joins: list[LineJoin] = []
    for match in _BREAK.finditer(text):
        left, hyphen, right = match.group(1), bool(match.group(2)), match.group(3)
        if right[0].isupper() and not (left.isupper() and right.isupper()):
            continue  # a capital after a plain word starts a new word (or a sentence)
        if _is_broken_word(left.lower(), right.lower(), hyphen, vocabulary):
            joins.append(LineJoin(match.end(1), match.end(), hyphen))
    return joins
