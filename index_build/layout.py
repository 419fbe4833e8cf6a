"""Page furniture of scanned-book texts: running heads and printed page numbers.

What the OCR text shows (read off the scanned book of the default corpus, 003):

- Empty lines come alone (between paragraphs) or in runs of three or more. A run of three or
  more is a page break; only some page breaks (about 90 of about 410) are marked that way.
- Every running head sits on the first non-empty line after such a break, i.e. at the top of
  its page: even pages ``N <book title>`` ("4 Khrushchev J.kd"), odd pages
  ``<running title> N`` ("Chapter Three. ... to the Party 39"), a few with no number at all.
- Odd page numbers also survive as bare number lines ("245", "1 1 9"), cut off their running
  title. The OCR puts such a line anywhere on its page: right after a break (top of page),
  right before a break (foot of page), or between two paragraphs.
- Footnotes ("34 Doklad Khrushcheva, p. 229.") and footnote markers ("... 12") look like page
  numbers and are not.

``find_furniture`` keeps a candidate only if it fits the sequence: over all candidates it keeps
the longest chain whose page numbers increase and whose line distances fit the page distances
(30 to 60 lines a page, give or take 45 lines). Numbered heads must sit right after a page
break; bare numbers may sit anywhere with an empty line on at least one side. A head without
number is kept when it sits right after a break, is followed by an empty line, and either
resembles a kept numbered head or is followed by text that starts in lower case (a sentence
running on from the page before).

``PageLocator`` attributes a printed page to a line only where it can be derived, never by
estimate. It assumes a page has at least ``MIN_PAGE_LINES`` (30) lines: the shortest page between
two marked breaks has 39 lines and pages average 44.

- A kept page number N is on page N, wherever it sits.
- If a page break lies less than ``MIN_PAGE_LINES`` lines before it (or is its own line: a head
  at the top of the page), no other page can start in between, so that break opens page N: the
  lines from the break on are page N, for at most ``MIN_PAGE_LINES`` lines and never past the next
  break or another page's marker; the last line before the break is page N - 1, and so are the
  lines before it, for at most ``MIN_PAGE_LINES`` lines and never past an earlier break.
- Likewise a page break at most ``MIN_PAGE_LINES`` lines after it (a number at the foot of the
  page) opens page N + 1, with the same windows on both sides.
- Two lines known to be on the same page pin every line between them to that page.
- Everything else is None: in particular the neighbours of a number printed between two
  paragraphs far from any break (its place on the page is unknown), and any line two rules
  disagree about.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass

MIN_PAGE_LINES = 30
BREAK_BLANK_LINES = 3
_LINES_PER_PAGE = (30, 60)
_SLACK_LINES = 45
_MAX_PAGE = 5000

_NUM = r"\d(?:[ ]?\d){0,3}"
_BARE = re.compile(rf"\s*({_NUM})\s*")
_NUMBER_FIRST = re.compile(rf"\s*({_NUM})\s+(\S.{{0,29}}?)\s*")
_NUMBER_LAST = re.compile(rf"\s*(\S.{{0,99}}?)\s+({_NUM})\s*")
_LETTERS = re.compile(r"[^a-z]")


@dataclass(frozen=True)
class Furniture:
    start: int  # raw offset of the line's first char
    end: int  # raw offset just after the line's last char (the newline excluded)
    line: int  # 1-based line number
    page: int | None  # printed page number the line carries, if any


@dataclass(frozen=True)
class _Candidate:
    index: int  # 0-based line index
    page: int | None
    label: str  # the head's text without its number, "" for a bare number


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def page_break_lines(lines: list[str]) -> set[int]:
    """Indices of the first non-empty line after each run of >= 3 empty lines."""
    found: set[int] = set()
    blank_run = 0
    for index, line in enumerate(lines):
        if line.strip():
            if blank_run >= BREAK_BLANK_LINES:
                found.add(index)
            blank_run = 0
        else:
            blank_run += 1
    return found


def _number(digits: str) -> int | None:
    value = int(digits.replace(" ", ""))
    return value if 0 < value <= _MAX_PAGE else None


def _has_letters(label: str, count: int) -> bool:
    return sum(ch.isalpha() for ch in label) >= count


def _candidates(lines: list[str], breaks: set[int]) -> list[_Candidate]:
    found: list[_Candidate] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        bare = _BARE.fullmatch(line)
        if bare:
            isolated = (index == 0 or not lines[index - 1].strip()) or (
                index + 1 == len(lines) or not lines[index + 1].strip()
            )
            page = _number(bare.group(1))
            if isolated and page is not None:
                found.append(_Candidate(index, page, ""))
            continue
        if index not in breaks:
            continue
        first = _NUMBER_FIRST.fullmatch(line)
        last = _NUMBER_LAST.fullmatch(line)
        if first and _has_letters(first.group(2), 2):
            page, label = _number(first.group(1)), first.group(2)
        elif last and _has_letters(last.group(1), 3):
            page, label = _number(last.group(2)), last.group(1)
        else:
            page, label = None, line.strip()
        if page is not None:
            found.append(_Candidate(index, page, label))
        elif len(label) <= 60 and index + 1 < len(lines) and not lines[index + 1].strip():
            found.append(_Candidate(index, None, label))
    return found


def _fits(before: _Candidate, after: _Candidate) -> bool:
    assert before.page is not None and after.page is not None
    pages = after.page - before.page
    if pages < 1:
        return False
    distance = after.index - before.index
    low, high = _LINES_PER_PAGE
    return pages * low - _SLACK_LINES <= distance <= pages * high + _SLACK_LINES


def _page_sequence(candidates: list[_Candidate]) -> list[_Candidate]:
    """The longest chain of numbered candidates with increasing, plausibly spaced pages."""
    best: list[int] = []
    previous: list[int] = []
    for i, cand in enumerate(candidates):
        best.append(1)
        previous.append(-1)
        for j in range(i):
            if best[j] + 1 > best[i] and _fits(candidates[j], cand):
                best[i], previous[i] = best[j] + 1, j
    if not best:
        return []
    chain: list[_Candidate] = []
    i = max(range(len(best)), key=lambda k: (best[k], -k))
    while i >= 0:
        chain.append(candidates[i])
        i = previous[i]
    return chain[::-1]


def _letters(label: str) -> str:
    return _LETTERS.sub("", label.lower())


def _unnumbered_is_head(cand: _Candidate, lines: list[str], labels: list[str]) -> bool:
    following = next((lines[k] for k in range(cand.index + 1, len(lines)) if lines[k].strip()), "")
    if following.strip()[:1].islower():
        return True
    mine = _letters(cand.label)
    return bool(mine) and any(
        difflib.SequenceMatcher(None, mine, other).ratio() >= 0.75 for other in set(labels)
    )


def find_furniture(text: str) -> list[Furniture]:
    """Running heads and bare page-number lines, in text order; [] for texts without pages."""
    lines = text.split("\n")
    starts = _line_starts(text)
    candidates = _candidates(lines, page_break_lines(lines))
    kept = _page_sequence([c for c in candidates if c.page is not None])
    labels = [_letters(c.label) for c in kept if c.label]
    kept += [c for c in candidates if c.page is None and _unnumbered_is_head(c, lines, labels)]
    kept.sort(key=lambda c: c.index)
    return [
        Furniture(starts[c.index], starts[c.index] + len(lines[c.index]), c.index + 1, c.page) for c in kept
    ]


class PageLocator:
    """Printed page of raw offsets, derived from the furniture as the module docstring says."""

    def __init__(self, text: str, furniture: list[Furniture]) -> None:
        self._starts = _line_starts(text)
        self._length = len(text)
        lines = text.split("\n")
        self._breaks = page_break_lines(lines)
        self._blank = [not line.strip() for line in lines]
        self._marker_page = {f.line - 1: f.page for f in furniture}
        self._page: list[int | None] = [None] * len(lines)
        self._conflict = [False] * len(lines)
        for f in furniture:
            if f.page is not None:
                self._from_marker(f.line - 1, f.page)
        self._pin()
        for index, bad in enumerate(self._conflict):
            if bad:
                self._page[index] = None

    def _set(self, index: int, page: int) -> None:
        if self._conflict[index]:
            return
        if self._page[index] is not None and self._page[index] != page:
            self._conflict[index] = True
        else:
            self._page[index] = page

    def _non_blank(self, index: int, step: int) -> int | None:
        index += step
        while 0 <= index < len(self._blank):
            if not self._blank[index]:
                return index
            index += step
        return None

    def _stops(self, index: int, page: int) -> bool:
        """A marker of another page sits on line ``index`` (heads without number sit at breaks,
        which stop a window anyway)."""
        other = self._marker_page.get(index)
        return other is not None and other != page

    def _forward(self, first: int, page: int) -> None:
        """``first`` opens page ``page``: the lines after it, within one short page."""
        for index in range(first, min(first + MIN_PAGE_LINES, len(self._page))):
            if index != first and (index in self._breaks or self._stops(index, page)):
                return
            self._set(index, page)

    def _backward(self, last: int, page: int) -> None:
        """``last`` closes page ``page``: the lines before it, within one short page."""
        for index in range(last, max(last - MIN_PAGE_LINES, -1), -1):
            if index != last and self._stops(index, page):
                return
            self._set(index, page)
            if index in self._breaks:
                return

    def _break_near(self, index: int, step: int) -> int | None:
        """The page break at or before ``index`` (step -1) or after it (step 1), if less than
        ``MIN_PAGE_LINES`` lines away: no other page can start in between."""
        if step < 0:
            span = range(index, max(index - MIN_PAGE_LINES, -1), -1)
        else:
            span = range(index + 1, index + MIN_PAGE_LINES + 1)
        return next((k for k in span if k in self._breaks), None)

    def _opens(self, first: int, page: int) -> None:
        """Line ``first`` is the first line of page ``page``."""
        self._forward(first, page)
        before = self._non_blank(first, -1)
        if before is not None and page > 1:
            self._backward(before, page - 1)

    def _from_marker(self, index: int, page: int) -> None:
        self._set(index, page)
        opener = self._break_near(index, -1)
        if opener is not None:
            self._opens(opener, page)
        closer = self._break_near(index, 1)
        if closer is not None:
            self._opens(closer, page + 1)

    def _pin(self) -> None:
        known = [i for i, p in enumerate(self._page) if p is not None and not self._conflict[i]]
        for left, right in zip(known, known[1:], strict=False):
            if right - left > 1 and self._page[left] == self._page[right]:
                for index in range(left + 1, right):
                    self._page[index] = self._page[left]

    def _line_of(self, offset: int) -> int:
        offset = min(max(offset, 0), self._length)
        return bisect.bisect_right(self._starts, offset) - 1

    def pages(self, start: int, end: int) -> tuple[int | None, int | None]:
        """Printed page where raw span [start, end) begins and where it ends (None: unknown)."""
        first = self._line_of(start)
        last = self._line_of(end - 1) if end > start else first
        return self._page[first], self._page[last]

    def labels(self, start: int, end: int) -> tuple[str | None, str | None]:
        """A plain text defines no page labels."""
        return None, None


class FilePages:
    """Pages of an extracted file (a PDF's): the page of every character, read off the file itself."""

    def __init__(self, pages) -> None:
        self._pages = [p for p in pages if p.end > p.start]  # PageSpan records
        self._starts = [p.start for p in self._pages]

    def _at(self, offset: int):
        i = bisect.bisect_right(self._starts, offset) - 1
        return self._pages[i] if i >= 0 and offset < self._pages[i].end else None

    def _ends(self, start: int, end: int):
        return self._at(start), self._at(max(start, end - 1))

    def pages(self, start: int, end: int) -> tuple[int | None, int | None]:
        first, last = self._ends(start, end)
        return (first.number if first else None), (last.number if last else None)

    def labels(self, start: int, end: int) -> tuple[str | None, str | None]:
        first, last = self._ends(start, end)
        return (first.label if first else None), (last.label if last else None)


def page_locator(text: str, file_pages=(), furniture: list[Furniture] | None = None) -> PageLocator | FilePages:
    """Pages of a document: its file's own (a PDF's), else the printed pages its plain text shows."""
    if file_pages:
        return FilePages(file_pages)
    return PageLocator(text, find_furniture(text) if furniture is None else furniture)
