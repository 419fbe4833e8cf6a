"""Passages cut around the evidence: a returned passage's boundaries follow this question's best sentences.

Build-time windows are fixed; an answer often sits at the edge of one, split across two. Here each
retrieved passage is re-cut at query time: its sentence that best matches the question is the
centre, and the window grows, over its sentences and a few neighbours on each side (same document,
same section and source), sentence by sentence towards the better-matching side until the next
sentence would exceed the size limit. Offsets stay exact raw offsets (sentence boundaries from the
build); lines and printed pages are recomputed from the text by the build's own functions.

A sentence's match is its cosine to the question plus ``lexical_weight`` times the share of the
question's term weight (idf over sentences) that it contains, so a damaged OCR sentence whose vector
is weak can still be found by its words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from scipy import sparse

from index_build.build import LineIndex
from index_build.formats.record import PageSpan
from index_build.layout import page_locator
from index_build.store import PassageRecord
from index_build.tokenization import words


@dataclass(frozen=True)
class WindowConfig:
    max_chars: int = 900  # longest re-cut passage, characters of raw text
    reach: int = 4  # neighbouring sentences considered on each side of the retrieved passage
    lexical_weight: float = 0.3


class SentenceLexicon:
    """Which question terms each sentence holds, weighted by their rarity among sentences."""

    def __init__(self, sentence_texts: list[str]) -> None:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for row, text in enumerate(sentence_texts):
            for term in set(words(text)):
                rows.append(row)
                cols.append(vocab.setdefault(term, len(vocab)))
        self.vocab = vocab
        data = np.ones(len(rows), dtype=np.float32)
        shape = (len(sentence_texts), max(1, len(vocab)))
        self._matrix_csc = sparse.csc_matrix((data, (rows, cols)), shape=shape)  # sliced by question terms
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=max(1, len(vocab)))
        n = max(1, len(sentence_texts))
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def question_terms(self, question: str) -> tuple[list[int], np.ndarray]:
        """The question's terms known to the sentences (columns) and their idf weights."""
        cols = sorted({self.vocab[t] for t in words(question) if t in self.vocab})
        return cols, self.idf[cols]

    def shares(self, question: str):
        """A function of a sentence range ``(first, last)``: (best one sentence's share of the
        question's idf weight, the whole range's share)."""
        cols, weights = self.question_terms(question)
        total = float(weights.sum())
        if not cols or total <= 0:
            return lambda first, last: (0.0, 0.0)
        # dense, sentences x question terms: a few thousand rows of a few columns, sliced per passage
        held = self._matrix_csc[:, cols].toarray() > 0

        def share(first: int, last: int) -> tuple[float, float]:
            if last <= first:
                return 0.0, 0.0
            block = held[first:last]
            if not block.size:
                return 0.0, 0.0
            return float((block @ weights).max()) / total, float(block.any(axis=0) @ weights) / total

        return share

    def coverage(self, question: str) -> np.ndarray:
        """Per sentence: the share (0..1) of the question's idf weight it contains."""
        cols, weights = self.question_terms(question)
        if not cols:
            return np.zeros(self._matrix_csc.shape[0], dtype=np.float32)
        held = np.asarray(self._matrix_csc[:, cols] @ weights, dtype=np.float32).ravel()
        return held / float(weights.sum())


class DocumentLayout:
    """Lines and pages of one document's raw text, as the build computes them."""

    def __init__(self, text: str, file_pages: list[list] | None = None) -> None:
        self.lines = LineIndex(text)
        spans = [PageSpan(number, label, start, end) for number, label, start, end in file_pages or []]
        self.pages = page_locator(text, tuple(spans))

    @classmethod
    def of(cls, document) -> DocumentLayout:
        """The layout of a loaded ``SourceDocument``."""
        return cls(document.text, document.record.pages)


class Windows:
    """Re-cuts retrieved passages around the question's best sentences."""

    def __init__(self, index) -> None:
        self.index = index
        self._layouts: dict[str, DocumentLayout] = {}

    @cached_property
    def _sentence_section(self) -> list[tuple[str, object, object] | None]:
        """Per sentence row: (document, section, attribution) of the first passage holding it."""
        out: list[tuple[str, object, object] | None] = []
        passages = self.index.passages
        for owners in self.index.sentence_owners:
            if not owners:
                out.append(None)
                continue
            p = passages[owners[0]]
            out.append((p.doc_id, p.section, p.attribution))
        return out

    def _layout(self, doc_id: str) -> DocumentLayout:
        if doc_id not in self._layouts:
            self._layouts[doc_id] = DocumentLayout.of(self.index.documents[doc_id])
        return self._layouts[doc_id]

    def recut(self, passage: PassageRecord, match: np.ndarray, config: WindowConfig) -> PassageRecord:
        """The passage re-cut around its best-matching sentence (itself when it has no sentences)."""
        if passage.sentence_last <= passage.sentence_first:
            return passage
        rows = self.index.sentences
        sections = self._sentence_section
        key = sections[passage.sentence_first]
        if key is None:
            return passage
        lo_bound = passage.sentence_first
        while lo_bound > 0 and passage.sentence_first - lo_bound < config.reach and sections[lo_bound - 1] == key:
            lo_bound -= 1
        hi_bound = passage.sentence_last
        n = len(rows)
        while hi_bound < n and hi_bound - passage.sentence_last < config.reach and sections[hi_bound] == key:
            hi_bound += 1
        # the centre stays inside the retrieved passage (centring anywhere within reach lost more on dev)
        centre = passage.sentence_first + int(np.argmax(match[passage.sentence_first : passage.sentence_last]))
        lo, hi = centre, centre + 1
        limit = config.max_chars
        while True:
            options = []
            if lo > lo_bound and int(rows[hi - 1][2]) - int(rows[lo - 1][1]) <= limit:
                options.append((float(match[lo - 1]), "left"))
            if hi < hi_bound and int(rows[hi][2]) - int(rows[lo][1]) <= limit:
                options.append((float(match[hi]), "right"))
            if not options:
                break
            _, side = max(options)
            if side == "left":
                lo -= 1
            else:
                hi += 1
        start, end = int(rows[lo][1]), int(rows[hi - 1][2])
        if (start, end) == (passage.start, passage.end):
            return passage
        layout = self._layout(passage.doc_id)
        page, page_end = layout.pages.pages(start, end)
        page_label, page_end_label = layout.pages.labels(start, end)
        tokens = passage.tokens
        if passage.end > passage.start:
            tokens = max(1, math.ceil(passage.tokens * (end - start) / (passage.end - passage.start)))
        return replace(
            passage,
            id=f"{passage.doc_id}@{start}-{end}",
            start=start,
            end=end,
            line_start=layout.lines.line_of(start),
            line_end=layout.lines.line_of(end - 1),
            page=page,
            page_end=page_end,
            page_label=page_label,
            page_end_label=page_end_label,
            sentence_first=lo,
            sentence_last=hi,
            tokens=tokens,
            text="",
        )
