"""Sentence boundaries in normalised text, by punctuation rules (no model)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before a space and an
# opening capital, digit, quote or bracket. Common abbreviations and initials do not end one.
_END = re.compile(r"""[.!?]+["')\]]*(?=\s+["'(\[]?[A-Z0-9])""")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Capt|Prof|Jr|Sr|vol|Vol|no|No|pp|p|ed|eds|cf|Cf|op|cit|ibid|Ibid|etc|vs|ca|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|O\.S|N\.S)\.|\b[A-Z]\.)$"
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text[start:end]``, trimmed of spaces, in order."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        stop = match.end()
        if _ABBREV.search(text, max(cursor, stop - 8), stop):
            continue
        _add(text, cursor, stop, spans)
        cursor = stop
    _add(text, cursor, end, spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
