"""Sections of a document: the heading (and, for quoted sources, the attribution) of every span.

Sections partition the text in order; a section starts at the start of its heading's line, so a
heading line belongs to the section it opens. Everything is read off the text itself:

Web pages with quoted sources: a line "Primary Sources" ends the article (heading None before
it) and opens the heading "Primary Sources"; after it each line ``(N) ...`` with N = 1, 2, 3 ...
in turn opens a section whose attribution is that line, stripped, exactly as in the text.

Books:

- Top-level headings are lines "Introduction." (also Preface, Foreword, Prologue), "Chapter N."
  and "Appendix ..." (after the last chapter), plus "Bibliography", "Index", "Notes",
  "References", "Works Cited", "Glossary" lines after the last chapter. Running heads (see
  ``layout``) never count. The title is the text after the label on the same line and/or the
  short lines right after it, joined while a line runs on (the title so far ends with , ; : - or
  a small word such as "and"/"of", the next line starts in lower case, or a quote is still
  open). Chapter numbers must increase (longest increasing run) and are rendered "Chapter N."
  with OCR spaces removed ("Chapter 1 0." becomes "Chapter 10."); all other heading text is
  the raw text with whitespace collapsed, OCR errors kept.
- A chapter whose "Chapter N." line the OCR lost is found from its title alone: between two
  chapters with missing numbers, a block of one or two short title-case lines standing right
  before a numbered section. Its number is the first number word ("Four") of a running head
  after it and before the next chapter, if that number is missing; else the only missing number;
  else the heading is the title alone.
- Numbered sections ``N. Title`` (also ``N-M.`` and ``N. A; N+1. B`` on one or two lines) are
  looked for from the first chapter to the appendix, and again inside the appendix. Numbering
  runs on across chapters, so each region keeps the best chain of candidates whose numbers rise
  by 1 to 3 from one to the next, scored by heading position: an empty line before it and a
  speaker line ("Khrushchev:") right after it count in its favour. This rejects footnotes,
  numbered lists inside quotations and tables of contents. A single number missing between two
  kept sections is filled by a short line standing where a heading stands (empty line before, a
  speaker line right after) whose number the OCR garbled, if there is exactly one such line.
  A numbered section's heading is "<top-level heading> › <its text>", and it ends at the next
  numbered section or top-level heading.
- Text before the first heading is "Front matter" in a book with chapters, else None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index_build.layout import find_furniture

SOURCES_LINE = "primary sources"
FRONT_MATTER = "Front matter"
SEPARATOR = " › "

_SOURCE = re.compile(r"\s*\((\d+)\)\s+\S.*")
_NUM = r"\d(?:[ ]?\d)?"
_CHAPTER = re.compile(rf"\s*Chapter\s+({_NUM})[ ]?\.\s*(.{{0,80}})", re.IGNORECASE)
_INTRO = re.compile(r"\s*(Introduction|Preface|Foreword|Prologue)\b\s*\.?\s*(.{0,80})")
_APPENDIX = re.compile(r"\s*Appendix\b(.{0,80})")
_BACK = re.compile(
    r"\s*(Select Bibliography|Bibliography|Index|Notes|References|Works Cited|Glossary)\s*\.?\s*"
)
_ITEM = re.compile(rf"\s*({_NUM})[ ]?(?:-[ ]?({_NUM})[ ]?)?\.\s+([^\sa-z0-9].*)")
_ITEM_NUMBERS = re.compile(rf"(?:^|;)\s*({_NUM})[ ]?(?:-[ ]?({_NUM})[ ]?)?\.\s")
_SPEAKER = re.compile(r"\s*(?:Com\.\s*)?(?=\S*[A-Za-z]{2})\S{1,18}:\s*[^\w\s]?\s*")
# a numbered heading whose number the OCR garbled or lost: "�9. Title", ". Title", "Title"
_GARBLED_ITEM = re.compile(r"\s*[^\sa-z]?\d?[ ]?\.?\s*[^\sa-z0-9].*")
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)
_RUN_ON_WORDS = {
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to",
    "towards", "with",
}  # fmt: skip
_TITLE_MAX = 60
_ITEM_MAX = 70
_MAX_ITEM_GAP = 3


@dataclass(frozen=True)
class Section:
    start: int  # raw span the section covers; sections partition the document in order
    end: int
    heading: str | None
    attribution: str | None  # quoted-source pages: the "(N) ..." line the passage belongs to


@dataclass(frozen=True)
class _Break:
    line: int  # 0-based line index where the section starts
    heading: str | None
    attribution: str | None = None
    top: bool = True  # False: a numbered section under the current top-level heading


@dataclass(frozen=True)
class _Chapter:
    line: int  # 0-based line index of the label (or of the title when the label is lost)
    number: int | None
    title: str
    title_end: int  # line index of the title's last line


@dataclass(frozen=True)
class _Item:
    line: int
    last_line: int  # last line of the heading block
    first: int  # first and last number the heading names
    last: int
    text: str
    weight: int


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _number(digits: str) -> int:
    return int(digits.replace(" ", ""))


def _next_non_blank(lines: list[str], index: int, limit: int = 10**9) -> int | None:
    """The first non-empty line after ``index``, skipping at most ``limit`` empty lines."""
    for k in range(index + 1, min(len(lines), index + 2 + limit)):
        if lines[k].strip():
            return k
    return None


def _prev_non_blank(lines: list[str], index: int) -> int | None:
    return next((k for k in range(index - 1, -1, -1) if lines[k].strip()), None)


def _is_speaker(line: str) -> bool:
    return bool(_SPEAKER.fullmatch(line))


def _runs_on(title: str, following: str) -> bool:
    words = title.split()
    return (
        title.endswith((",", ";", ":", "-"))
        or (bool(words) and words[-1].lower() in _RUN_ON_WORDS)
        or following[:1].islower()
        or title.count('"') % 2 == 1
    )


def _title_line(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= _TITLE_MAX and not _ITEM.fullmatch(line) and not _is_speaker(line)


def _label_rest(rest: str) -> bool:
    """Text after a label on its line can be a title, not a sentence ("Chapter 4, p. 68.")."""
    rest = rest.strip()
    return not rest or (len(rest) <= _TITLE_MAX and not rest[0].islower() and not rest[0].isdigit())


def _title(lines: list[str], label: int, rest: str) -> tuple[str, int]:
    """The title after a label line: ``rest`` (label line's own text) and the lines running on;
    with the index of the title's last line."""
    parts = [rest] if rest else []
    index = label
    while len(parts) < 3:
        nxt = _next_non_blank(lines, index, limit=2)
        if nxt is None or not _title_line(lines[nxt]):
            break
        text = _collapse(lines[nxt])
        if parts and not _runs_on(" ".join(parts), text):
            break
        parts.append(text)
        index = nxt
    return " ".join(parts), index


# --- web pages with quoted sources -------------------------------------------------------------


def _source_breaks(lines: list[str]) -> list[_Break]:
    start = next((i for i, line in enumerate(lines) if line.strip().lower() == SOURCES_LINE), None)
    if start is None:
        return []
    breaks = [_Break(start, _collapse(lines[start]))]
    expected = 1
    for index in range(start + 1, len(lines)):
        match = _SOURCE.fullmatch(lines[index])
        if match and int(match.group(1)) == expected:
            breaks.append(_Break(index, breaks[0].heading, lines[index].strip()))
            expected += 1
    return breaks


# --- books ------------------------------------------------------------------------------------


def _increasing(chapters: list[_Chapter]) -> list[_Chapter]:
    """Longest run of chapters whose numbers increase in text order."""
    best: list[list[_Chapter]] = []
    for chapter in chapters:
        options = [run for run in best if (run[-1].number or 0) < (chapter.number or 0)]
        best.append(max(options, key=len, default=[]) + [chapter])
    return max(best, key=len, default=[])


def _chapters(lines: list[str], furniture: set[int]) -> list[_Chapter]:
    found = []
    for index, line in enumerate(lines):
        match = _CHAPTER.fullmatch(line)
        if match and index not in furniture and _label_rest(match.group(2)):
            title, title_end = _title(lines, index, _collapse(match.group(2)))
            found.append(_Chapter(index, _number(match.group(1)), title, title_end))
    return _increasing(found)


def _labelled(lines: list[str], furniture: set[int], lo: int, hi: int) -> list[_Break]:
    """Introduction before line ``lo``; appendices and back matter from line ``hi`` on."""
    breaks = []
    for index, line in enumerate(lines):
        if index in furniture or not line.strip():
            continue
        if index < lo and (match := _INTRO.fullmatch(line)) and _label_rest(match.group(2)):
            label = _collapse(line)
            title = _title(lines, index, label if match.group(2) else "")[0]
            breaks.append(_Break(index, title if match.group(2) else _collapse(f"{label} {title}")))
        elif index >= hi and (match := _APPENDIX.fullmatch(line)) and _label_rest(match.group(1)):
            label = _collapse(line)
            if match.group(1).strip():
                breaks.append(_Break(index, _title(lines, index, label)[0]))
            elif title := _title(lines, index, "")[0]:
                breaks.append(_Break(index, f"{label} {title}"))
        elif index >= hi and _BACK.fullmatch(line) and (index == 0 or not lines[index - 1].strip()):
            breaks.append(_Break(index, _collapse(line)))
    return breaks


def _block_end(lines: list[str], index: int) -> int:
    """Last line of a heading starting at ``index``. The heading wraps onto the next non-empty
    line (at most one empty line away) if that is a short line ending its block (an empty line
    or a speaker line follows) and either the first line runs on, or it is the very next line
    and a speaker line follows it."""
    nxt = _next_non_blank(lines, index, limit=1)
    if nxt is None:
        return index
    first, text = _collapse(lines[index]), _collapse(lines[nxt])
    if len(text) > _TITLE_MAX or _is_speaker(text) or (_ITEM.fullmatch(text) and not first.endswith(";")):
        return index
    after = nxt + 1
    if after < len(lines) and lines[after].strip() and not _is_speaker(lines[after]):
        return index
    if _runs_on(first, text) or (nxt == index + 1 and _speaker_follows(lines, nxt, reach=1)):
        return nxt
    return index


def _item_at(lines: list[str], index: int) -> _Item | None:
    line = lines[index]
    if len(line.strip()) > _ITEM_MAX or not _ITEM.fullmatch(line):
        return None
    last_line = _block_end(lines, index)
    text = _collapse(" ".join(lines[index : last_line + 1]))
    numbers = [(_number(a), _number(b) if b else _number(a)) for a, b in _ITEM_NUMBERS.findall(text)]
    first, last = numbers[0][0], max(b for _, b in numbers)
    if last < first:
        return None
    weight = 1
    if index == 0 or not lines[index - 1].strip():
        weight += 1
    if _speaker_follows(lines, last_line):
        weight += 2
    return _Item(index, last_line, first, last, text, weight)


def _speaker_follows(lines: list[str], last_line: int, reach: int = 2) -> bool:
    """A speaker line ("Khrushchev:") among the next ``reach`` non-empty lines."""
    index = last_line
    for _ in range(reach):
        nxt = _next_non_blank(lines, index)
        if nxt is None:
            return False
        if _is_speaker(lines[nxt]):
            return True
        index = nxt
    return False


def _best_chain(items: list[_Item]) -> list[_Item]:
    """Highest-scoring chain of items whose numbers rise by 1 to ``_MAX_ITEM_GAP`` each step."""
    score: list[int] = []
    previous: list[int] = []
    for i, item in enumerate(items):
        score.append(item.weight)
        previous.append(-1)
        for j in range(i):
            rises = 1 <= item.first - items[j].last <= _MAX_ITEM_GAP
            if rises and items[j].last_line < item.line and score[j] + item.weight > score[i]:
                score[i], previous[i] = score[j] + item.weight, j
    if not items:
        return []
    chain = []
    i = max(range(len(items)), key=lambda k: (score[k], -k))
    while i >= 0:
        chain.append(items[i])
        i = previous[i]
    return chain[::-1]


def _fill_gaps(lines: list[str], chain: list[_Item], furniture: set[int]) -> list[_Item]:
    """Add the one heading-like line standing where a single missing number's heading stands."""
    filled = list(chain)
    for left, right in zip(chain, chain[1:], strict=False):
        if right.first - left.last != 2:
            continue
        found = []
        for index in range(left.last_line + 1, right.line):
            line = lines[index]
            if (
                index not in furniture
                and lines[index - 1].strip() == ""
                and _title_line(line)
                and _GARBLED_ITEM.fullmatch(line)
            ):
                item = _garbled_item(lines, index, left.last + 1)
                if item is not None:
                    found.append(item)
        if len(found) == 1:
            filled.append(found[0])
    return sorted(filled, key=lambda item: item.line)


def _garbled_item(lines: list[str], index: int, number: int) -> _Item | None:
    last_line = _block_end(lines, index)
    if not _speaker_follows(lines, last_line, reach=1):
        return None
    text = _collapse(" ".join(lines[index : last_line + 1]))
    return _Item(index, last_line, number, number, text, 0)


def _items(lines: list[str], lo: int, hi: int, furniture: set[int]) -> list[_Item]:
    candidates = []
    index = lo
    while index < hi:
        item = _item_at(lines, index) if index not in furniture else None
        if item is not None:
            candidates.append(item)
            index = item.last_line
        index += 1
    return _fill_gaps(lines, _best_chain(candidates), furniture)


def _title_block(lines: list[str], heading_line: int) -> tuple[int, str] | None:
    """One or two short title-case lines right before ``heading_line``: (first line, title)."""
    block: list[int] = []
    index = heading_line
    while len(block) < 2:
        prev = _prev_non_blank(lines, index)
        if prev is None or not _title_case(lines[prev]):
            break
        if block and not _runs_on(_collapse(lines[prev]), _collapse(lines[block[0]])):
            break
        block.insert(0, prev)
        index = prev
    if not block:
        return None
    return block[0], _collapse(" ".join(lines[k] for k in block))


def _title_case(line: str) -> bool:
    text = line.strip()
    if not _title_line(line) or not (text[0].isupper() or text[0] in "\"'") or text[-1] in ".,;:!?":
        return False
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    capital = [w for w in words if w.lstrip("\"'(")[:1].isupper()]
    return bool(words) and len(capital) >= 0.6 * len(words) and not text[-1].isdigit()


def _orphan_chapters(
    lines: list[str], chapters: list[_Chapter], items: list[_Item], heads: list[tuple[int, str]]
) -> list[_Chapter]:
    """Chapters whose "Chapter N." line is lost, found by their title (see module docstring)."""
    found: list[_Chapter] = []
    for chapter, following in zip(chapters, chapters[1:], strict=False):
        hi = following.line
        missing = list(range((chapter.number or 0) + 1, following.number or 0))
        for item in items:
            if not missing or item.line >= hi:
                break
            block = _title_block(lines, item.line) if item.line > chapter.line else None
            if block is None or block[0] <= chapter.title_end:
                continue
            start, title = block
            words = [
                _WORDS[word.lower()]
                for line, head in heads
                if start < line < hi
                for word in _NUMBER_WORD.findall(head)
            ]
            number = next((w for w in words if w in missing), None)
            if number is None and len(missing) == 1:
                number = missing[0]
            found.append(_Chapter(start, number, title, item.line - 1))
            missing = [m for m in missing if number is not None and m > number]
    return found


def _chapter_heading(chapter: _Chapter) -> str:
    if chapter.number is None:
        return chapter.title
    return _collapse(f"Chapter {chapter.number}. {chapter.title}")


def _book_breaks(text: str, lines: list[str]) -> list[_Break]:
    furniture_list = find_furniture(text)
    furniture = {f.line - 1 for f in furniture_list}
    heads = [(f.line - 1, text[f.start : f.end]) for f in furniture_list]
    chapters = _chapters(lines, furniture)
    lo = chapters[0].line if chapters else len(lines)
    hi = chapters[-1].line if chapters else 0
    labelled = _labelled(lines, furniture, lo, hi)
    ends = [b.line for b in labelled if b.line >= hi] + [len(lines)]
    items = _items(lines, lo, ends[0], furniture) if chapters else []
    orphans = _orphan_chapters(lines, chapters, items, heads)
    for brk, end in zip(labelled, labelled[1:] + [None], strict=False):
        if brk.line >= hi and (brk.heading or "").startswith("Appendix"):
            items += _items(lines, brk.line + 1, end.line if end else len(lines), furniture)
    breaks = labelled + [_Break(c.line, _chapter_heading(c)) for c in chapters + orphans]
    breaks += [_Break(item.line, item.text, top=False) for item in items]
    return sorted(breaks, key=lambda b: (b.line, not b.top))


# --- partition --------------------------------------------------------------------------------


def find_sections(text: str) -> list[Section]:
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    breaks = _source_breaks(lines)
    book = not breaks
    if book:
        breaks = _book_breaks(text, lines)
    has_chapters = book and any(b.top and (b.heading or "").startswith("Chapter ") for b in breaks)
    first = breaks[0].line if breaks else len(lines)
    lead = FRONT_MATTER if has_chapters and "".join(lines[:first]).strip() else None

    sections: list[Section] = []
    top: str | None = lead
    current: tuple[str | None, str | None] = (lead, None)
    offset = 0
    for brk in breaks:
        if brk.top:
            top = brk.heading
            heading = top
        else:
            heading = f"{top}{SEPARATOR}{brk.heading}" if top else brk.heading
        start = starts[brk.line]
        if start > offset:
            sections.append(Section(offset, start, *current))
        current = (heading, brk.attribution)
        offset = start
    sections.append(Section(offset, len(text), *current))
    return sections
