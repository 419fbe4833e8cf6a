"""Normalised text for indexing, with a map from every normalised character back to the raw text.

The raw text is never changed. Normalisation applies NFKC and straight quotes per character
cluster, folds whitespace runs to one space, and deletes given raw spans (OCR line-break joins,
running heads, page numbers). Any normalised span ``[a, b)`` maps back to an exact raw span.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "´": "'"})
DROPPED = {"\u00ad", "\ufffd", "\u200b", "\u200c", "\u200d", "\ufeff"}


class Edit(NamedTuple):
    """Raw ``[start, end)`` to delete; ``space`` leaves a word boundary in its place."""

    start: int
    end: int
    space: bool


@dataclass(frozen=True)
class NormalizedText:
    text: str
    starts: list[int]  # raw start of the cluster each normalised character came from
    ends: list[int]  # raw end of that cluster
    raw_length: int

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Exact raw ``[start, end)`` of the normalised span ``[start, end)``; ``end > start``."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad normalised span [{start}, {end}) of {len(self.text)}")
        return self.starts[start], self.ends[end - 1]

    def norm_offset(self, raw_offset: int) -> int:
        """First normalised character whose raw cluster starts at or after ``raw_offset``."""
        return bisect.bisect_left(self.starts, raw_offset)


def _clusters(raw: str, start: int, end: int):
    """Base character plus its combining marks, as ``(start, end)`` raw spans.

    Whitespace takes no marks: a mark after it stands alone, so a cited span never starts with it.
    """
    i = start
    while i < end:
        j = i + 1
        while j < end and unicodedata.combining(raw[j]) and not raw[i].isspace():
            j += 1
        yield i, j
        i = j


def normalize(raw: str, edits: list[Edit] | tuple[Edit, ...] = ()) -> NormalizedText:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pending_space: int | None = None  # raw start of a whitespace run not yet written

    def put(piece: str, s: int, e: int) -> None:
        nonlocal pending_space
        if pending_space is not None:
            if chars:
                chars.append(" ")
                starts.append(pending_space)
                ends.append(pending_space + 1)
            pending_space = None
        for ch in piece:
            chars.append(ch)
            starts.append(s)
            ends.append(e)

    pos = 0
    for edit in sorted(edits) + [Edit(len(raw), len(raw), False)]:
        if edit.start < pos:
            continue  # overlapping edits: the first one wins
        for s, e in _clusters(raw, pos, edit.start):
            cluster = raw[s:e]
            if cluster.isspace():
                if pending_space is None:
                    pending_space = s
                continue
            if cluster.isascii():
                put(cluster, s, e)
                continue
            piece = unicodedata.normalize("NFKC", cluster).translate(QUOTES)
            piece = "".join(ch for ch in piece if ch not in DROPPED)
            if piece.isspace():
                if pending_space is None:
                    pending_space = s
            elif piece:
                put(piece, s, e)
        if edit.space and edit.end > edit.start and pending_space is None:
            pending_space = edit.start
        pos = max(pos, edit.end)
    return NormalizedText("".join(chars), starts, ends, len(raw))
