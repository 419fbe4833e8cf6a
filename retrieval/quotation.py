"""Checking a quotation against the corpus: where are these words, exactly or nearly, and what differs.

Candidates come from the index's BM25 (words and character 4-grams, so OCR damage and other
spellings still share tokens); exact occurrences are found by a plain search of every document's
whitespace-folded text. Each candidate region is aligned with the quote character by character
(rapidfuzz's ``partial_ratio_alignment``), the span is then settled word by word (rapidfuzz's
Levenshtein opcodes over words) and every difference is classified. Offsets are raw: a match's
text is exactly ``document_text[start:end]``. Nothing here generates text.

Verdicts: ``exact`` when the span equals the quote but for whitespace and line breaks; ``close``
when its similarity (0 to 1, rapidfuzz's normalised Indel similarity of the folded texts) reaches
the threshold; ``not_found`` otherwise. The threshold sits between the absent quotations' nearest
spans and the present ones' matches on the dev quotations (``python -m eval --quotes
eval/quotes/dev.jsonl`` reports both): 0.74 and 0.84 there, so 0.80.

What the reader typed around the words is not held against them: enclosing quotation marks and an
attribution ("... - Khrushchev, Secret Speech") are tried without, and a cut marked with an ellipsis
("...") is found part by part, in order, the cut reported as an ``omitted`` difference.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Indel, Levenshtein

from index_build.offsets import NormalizedText, normalize
from index_build.tokenization import bm25_tokens, fold, transliteration_key
from retrieval.index import LoadedIndex
from retrieval.windows import DocumentLayout
from verbatim.errors import BadInputError, NotFoundError

Verdict = Literal["exact", "close", "not_found"]
DifferenceKind = Literal["ocr", "line_break", "punctuation", "case", "spelling", "changed", "added", "missing",
                         "omitted"]
DIFFERENCE_KINDS: dict[str, str] = {
    "ocr": "the scan misread the word (OCR)",
    "line_break": "a word split by a line break or hyphen",
    "punctuation": "punctuation or quotation marks",
    "case": "capital or small letters",
    "spelling": "a spelling variant (transliteration, British/American)",
    "changed": "different words",
    "added": "words the quote has and the text does not",
    "missing": "words the text has and the quote leaves out",
    "omitted": "words the quote leaves out and marks with an ellipsis",
}

MIN_WORDS = 3
CLOSE_THRESHOLD = 0.80  # set on the dev quotations: see above
CANDIDATES = 30  # BM25 passages whose regions are aligned
_WORD = re.compile(r"\S+")
_WS = re.compile(r"\s+")
_KEY = re.compile(r"[^\w]+")
# the reader's own marks around the words: quotation marks, and an attribution after a dash
_OPEN_CLOSE = {'"': '"', "“": "”", "„": "“", "«": "»", "'": "'", "‘": "’"}
_ATTRIBUTION = re.compile(r"^(?P<body>.*\S)\s+(?:-{1,2}|–|—|―)\s*(?P<who>[^\s\"“”].{1,100})$", re.DOTALL)
_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\.\s*){3}\]|(?:\.\s?){2}\.|…)\s*")
EDGE = 0.05  # preference for a span whose first and last words are the quote's
ELIDED_GAP = 2000  # characters a reader's ellipsis may stand for
_OCR_CHARS = re.compile(r"[a-z][0-9|!\\/\]\[{}]|[0-9|!\\/\]\[{}][a-z]")


@dataclass(frozen=True)
class Difference:
    start: int  # raw span of the document's words (start == end: the quote adds words here)
    end: int
    text: str  # exactly document_text[start:end]
    quote_text: str  # what the quote has here instead ("" when it leaves the words out)
    kind: DifferenceKind


@dataclass(frozen=True)
class QuoteMatch:
    doc_id: str
    start: int
    end: int
    similarity: float
    exact: bool
    differences: list[Difference]
    line_start: int
    line_end: int
    section: str | None
    attribution: str | None
    page: int | None
    page_end: int | None
    page_label: str | None = None
    page_end_label: str | None = None


@dataclass(frozen=True)
class Verification:
    quote: str
    verdict: Verdict
    matches: list[QuoteMatch]  # best first; empty when not found
    nearest: QuoteMatch | None = None  # for not_found: the closest span there is, for the reader to judge
    timings_ms: dict[str, float] = field(default_factory=dict)
    compared: str = ""  # the words checked: the quote without the reader's quotation marks and attribution

    @property
    def rank(self) -> tuple[int, float]:
        best = self.matches[0] if self.matches else self.nearest
        return {"exact": 2, "close": 1, "not_found": 0}[self.verdict], best.similarity if best else 0.0

    @property
    def found(self) -> bool:
        return self.verdict != "not_found"


def readings(quote: str) -> list[str]:
    """The quote as pasted, and without the reader's marks: enclosing quotation marks and an attribution
    after them or after a dash ("... - Khrushchev, Secret Speech"). Most stripped first."""
    out = [quote]
    body = quote
    attributed = _ATTRIBUTION.match(body)
    if attributed and len(attributed["who"].split()) <= 12 and any(c.isupper() for c in attributed["who"]):
        body = attributed["body"]
    elif quote[:1] in _OPEN_CLOSE:  # "...words..." (Furr on the decree) / "...words...", Khrushchev said
        close = quote.rfind(_OPEN_CLOSE[quote[0]])
        after = quote[close + 1 :]
        if close > 0 and len(after) <= 100 and len(after.split()) <= 12 and not any(c in after for c in _OPEN_CLOSE):
            body = quote[: close + 1]
    body = _unquoted(body)
    if body != quote and len([w for w in _WORD.findall(body) if _key(w)]) >= MIN_WORDS:
        out.insert(0, body)
    unquoted = _unquoted(quote)
    if unquoted not in out:
        out.insert(1, unquoted)
    return out


def _unquoted(text: str) -> str:
    text = text.strip()
    if len(text) > 2 and text[0] in _OPEN_CLOSE and text[-1] == _OPEN_CLOSE[text[0]]:
        return text[1:-1].strip()
    if len(text) > 2 and text[0] in _OPEN_CLOSE and text[-1] in ".,;" and text[-2] == _OPEN_CLOSE[text[0]]:
        return text[1:-2].strip()
    return text


def _lower(text: str) -> str:
    """Lower case, one character for one (so offsets into the folded text still hold)."""
    out = text.lower()
    if len(out) == len(text):
        return out
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _key(word: str) -> str:
    return _KEY.sub("", fold(word)).replace("_", "")


def _folded_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


class _Doc:
    """One document's text folded for alignment (NFKC, straight quotes, one space, lower case)."""

    def __init__(self, raw: str, file_pages: list[list] | None = None) -> None:
        self.raw = raw
        self.norm: NormalizedText = normalize(raw)
        self.lower = _lower(self.norm.text)
        self.layout = DocumentLayout(raw, file_pages)


class QuoteChecker:
    def __init__(self, index: LoadedIndex, threshold: float = CLOSE_THRESHOLD, max_chars: int = 2000) -> None:
        self.index = index
        self.threshold = threshold
        self.max_chars = max_chars
        self._docs: dict[str, _Doc] = {}
        self._passage_starts: dict[str, tuple[list[int], list[int]]] = {}
        self._df: dict[str, int] | None = None

    def warm(self) -> None:
        for doc_id in self.index.documents:
            self._doc(doc_id)
        self._frequency("")

    # ---- the public call ---------------------------------------------------------------------

    def verify(self, quote: str, documents: list[str] | None = None, limit: int = 10) -> Verification:
        """Where the quote's words are: tried as pasted and without the reader's own marks, the best kept."""
        import time

        began = time.perf_counter()
        quote = self.check(quote)
        doc_ids = self._doc_ids(documents)
        best: Verification | None = None
        for compared in readings(quote):
            parts = [part for part in _ELLIPSIS.split(compared) if _key(part)]
            if len(parts) > 1:
                found = self._verify_elided(quote, compared, parts, doc_ids, limit)
            else:
                found = self._verify_one(quote, parts[0] if parts else compared, doc_ids, limit)
            if best is None or found.rank > best.rank:
                best = found
            if best.verdict == "exact":
                break
        assert best is not None
        best.timings_ms["total"] = (time.perf_counter() - began) * 1000
        return best

    def _verify_one(self, quote: str, compared: str, doc_ids: list[str], limit: int) -> Verification:
        import time

        began = time.perf_counter()
        exact_matches, best_close = self._candidates(compared, doc_ids)
        timings = {"align": (time.perf_counter() - began) * 1000}
        exact = [m for m in exact_matches if m.exact]
        near_exact = [m for m in exact_matches if not m.exact]  # equal once quotes and NFKC are folded
        close = near_exact + [m for m in best_close if m.similarity >= self.threshold]
        if exact:
            return Verification(quote, "exact", (exact + close)[:limit], None, timings, compared)
        if close:
            close.sort(key=lambda m: -m.similarity)
            return Verification(quote, "close", close[:limit], None, timings, compared)
        return Verification(quote, "not_found", [], best_close[0] if best_close else None, timings, compared)

    def _candidates(self, quote: str, doc_ids: list[str]) -> tuple[list[QuoteMatch], list[QuoteMatch]]:
        """Every occurrence equal but for whitespace, and the best aligned span of each candidate region."""
        q = normalize(quote)
        q_lower = _lower(q.text)
        matches: list[QuoteMatch] = []
        for doc_id in doc_ids:  # every exact occurrence, wherever it is
            doc = self._doc(doc_id)
            at = doc.norm.text.find(q.text)
            while at >= 0:
                s, e = doc.norm.raw_span(at, at + len(q.text))
                matches.append(self._match(doc_id, s, e, quote, 1.0))
                at = doc.norm.text.find(q.text, at + 1)
        best_close: list[QuoteMatch] = []
        for doc_id, lo, hi in self._regions(quote, doc_ids):
            doc = self._doc(doc_id)
            a, b = doc.norm.norm_offset(lo), doc.norm.norm_offset(hi)
            if b - a < 1:
                continue
            aligned = self._aligned(doc, a, b, q_lower)
            if aligned is None:
                continue
            s, e, similarity = aligned
            if any(m.doc_id == doc_id and m.start < e and s < m.end for m in matches + best_close):
                continue
            best_close.append(self._match(doc_id, s, e, quote, similarity))
        best_close.sort(key=lambda m: -m.similarity)
        return matches, best_close

    def _aligned(self, doc: _Doc, a: int, b: int, q_lower: str) -> tuple[int, int, float] | None:
        """The raw span in the folded range ``[a, b)`` that best matches the quote, and its similarity."""
        span = self._align(doc, a, b, q_lower)
        if span is None:
            return None
        lo, hi = span
        # the text's punctuation at an edge the quote does not have is not part of the match ("hair." / "hair")
        while hi > lo + 1 and not doc.lower[hi - 1].isalnum() and q_lower[-1:].isalnum():
            hi -= 1
        while lo < hi - 1 and not doc.lower[lo].isalnum() and q_lower[:1].isalnum():
            lo += 1
        s, e = doc.norm.raw_span(lo, hi)
        return s, e, fuzz.ratio(q_lower, doc.lower[lo:hi]) / 100

    def _verify_elided(self, quote: str, compared: str, parts: list[str], doc_ids: list[str],
                       limit: int) -> Verification:
        """A quote with cuts marked "...": its longest part found as usual, the others in order near it."""
        import time

        began = time.perf_counter()
        anchor = max(range(len(parts)), key=lambda i: len(parts[i]))
        exact_matches, best_close = self._candidates(parts[anchor], doc_ids)
        joined: list[QuoteMatch] = []
        for m in (exact_matches + best_close)[:5]:
            spans = self._around(m, parts, anchor)
            if spans is not None:
                joined.append(self._joined(m.doc_id, spans, parts))
        joined.sort(key=lambda m: -m.similarity)
        timings = {"align": (time.perf_counter() - began) * 1000}
        found = [m for m in joined if m.similarity >= self.threshold]
        if found:
            return Verification(quote, "close", found[:limit], None, timings, compared)
        return Verification(quote, "not_found", [], joined[0] if joined else None, timings, compared)

    def _around(self, m: QuoteMatch, parts: list[str], anchor: int) -> list[tuple[int, int, float]] | None:
        """Raw spans and similarities of every part, the anchor's being ``m``, each after the one before."""
        doc = self._doc(m.doc_id)
        spans: dict[int, tuple[int, int, float]] = {anchor: (m.start, m.end, m.similarity)}
        at = doc.norm.norm_offset(m.end)
        for i in range(anchor + 1, len(parts)):
            q_lower = _lower(normalize(parts[i]).text)
            hit = self._aligned(doc, at, min(len(doc.lower), at + ELIDED_GAP + 2 * len(q_lower)), q_lower)
            if hit is None:
                return None
            spans[i] = hit
            at = doc.norm.norm_offset(hit[1])
        at = doc.norm.norm_offset(m.start)
        for i in range(anchor - 1, -1, -1):
            q_lower = _lower(normalize(parts[i]).text)
            hit = self._aligned(doc, max(0, at - ELIDED_GAP - 2 * len(q_lower)), at, q_lower)
            if hit is None:
                return None
            spans[i] = hit
            at = doc.norm.norm_offset(hit[0])
        return [spans[i] for i in range(len(parts))]

    def _joined(self, doc_id: str, spans: list[tuple[int, int, float]], parts: list[str]) -> QuoteMatch:
        """One match from the first part's start to the last's end; the cuts are ``omitted`` differences."""
        doc = self._doc(doc_id)
        differences: list[Difference] = []
        for n, ((s, e, _), part) in enumerate(zip(spans, parts, strict=True)):
            if _folded_ws(doc.raw[s:e]) != _folded_ws(part):
                differences += self._differences(doc, s, e, part)
            if n + 1 < len(spans) and spans[n + 1][0] > e:
                gap_start, gap_end = e, spans[n + 1][0]
                differences.append(Difference(gap_start, gap_end, doc.raw[gap_start:gap_end], "…", "omitted"))
        weights = [len(part) for part in parts]
        similarity = sum(sim * w for (_, _, sim), w in zip(spans, weights, strict=True)) / sum(weights)
        ordered = all(spans[n][1] <= spans[n + 1][0] for n in range(len(spans) - 1))
        if not ordered:
            similarity *= 0.5  # the parts overlap or come in another order: not this passage
        s, e = spans[0][0], spans[-1][1]
        return self._cited(doc_id, s, max(e, s + 1), round(float(similarity), 4), False, differences)

    def check(self, quote: str) -> str:
        if not isinstance(quote, str) or not quote.strip():
            raise BadInputError("quote is empty: paste the words you want to check")
        quote = quote.strip()
        if len(quote) > self.max_chars:
            raise BadInputError(f"quote is {len(quote)} characters long; the limit is {self.max_chars}: "
                                "check a shorter part of it")
        n_words = len([w for w in _WORD.findall(quote) if _key(w)])
        if n_words < MIN_WORDS:
            raise BadInputError(f"quote has {n_words} word(s); a quotation needs at least {MIN_WORDS}: "
                                "paste the whole phrase, or ask a question instead")
        return quote

    # ---- candidates and alignment ------------------------------------------------------------

    def _doc_ids(self, documents: list[str] | None) -> list[str]:
        if not documents:
            return list(self.index.documents)
        unknown = [d for d in documents if d not in self.index.documents]
        if unknown:
            known = ", ".join(sorted(self.index.documents))
            raise NotFoundError(f"unknown document id(s): {', '.join(unknown)}; known ids: {known}")
        return list(dict.fromkeys(documents))

    def _doc(self, doc_id: str) -> _Doc:
        if doc_id not in self._docs:
            self._docs[doc_id] = _Doc(self.index.documents[doc_id].text, self.index.documents[doc_id].record.pages)
        return self._docs[doc_id]

    def _regions(self, quote: str, doc_ids: list[str]) -> list[tuple[str, int, int]]:
        """Raw regions around the best BM25 passages, merged where they overlap."""
        vocab = self.index.bm25_vocab
        tokens = [t for t in bm25_tokens(quote) if t in vocab]
        if not tokens:
            return []
        scores = np.asarray(self.index.bm25.get_scores(tokens), dtype=np.float32)
        wanted = set(doc_ids)
        if len(wanted) < len(self.index.documents):
            scores = np.where(np.fromiter((d in wanted for d in self.index.doc_ids), bool, len(scores)), scores, 0)
        n = min(CANDIDATES, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        pad = len(quote) + 40
        spans: dict[str, list[tuple[int, int]]] = {}
        for i in top:
            if scores[i] <= 0:
                continue
            p = self.index.passages[int(i)]
            size = len(self.index.documents[p.doc_id].text)
            spans.setdefault(p.doc_id, []).append((max(0, p.start - pad), min(size, p.end + pad)))
        out = []
        for doc_id, items in spans.items():
            items.sort()
            lo, hi = items[0]
            for s, e in items[1:]:
                if s <= hi:
                    hi = max(hi, e)
                else:
                    out.append((doc_id, lo, hi))
                    lo, hi = s, e
            out.append((doc_id, lo, hi))
        return out

    @staticmethod
    def _align(doc: _Doc, a: int, b: int, q_lower: str) -> tuple[int, int] | None:
        """The folded span of ``doc`` in ``[a, b)`` that best matches the quote, on word boundaries."""
        region = doc.lower[a:b]
        if len(region) < len(q_lower):
            hit = fuzz.partial_ratio_alignment(region, q_lower)
            if hit is None:
                return None
            lo, hi = a, b
        else:
            hit = fuzz.partial_ratio_alignment(q_lower, region)
            if hit is None:
                return None
            lo, hi = a + hit.dest_start, a + hit.dest_end
        # widen by a slack so added or missing words fit, then settle the edges word by word
        slack = max(20, len(q_lower) // 5)
        lo, hi = max(0, lo - slack), min(len(doc.lower), hi + slack)
        while lo > 0 and not doc.lower[lo - 1].isspace():  # whole words only
            lo -= 1
        while hi < len(doc.lower) and not doc.lower[hi].isspace():
            hi += 1
        words = [(lo + m.start(), lo + m.end()) for m in _WORD.finditer(doc.lower[lo:hi])]
        q_words = [_key(w) for w in _WORD.findall(q_lower)]
        d_words = [_key(doc.lower[s:e]) for s, e in words]
        if not words:
            return None
        first = last = None
        for op in Levenshtein.opcodes(q_words, d_words):
            if op.tag == "insert":
                continue  # document words the quote does not have: kept only inside the span
            if op.dest_end > op.dest_start:
                first = op.dest_start if first is None else first
                last = op.dest_end
        if first is None:
            return None
        # the global word alignment may reach for a repeated word at an edge ("Rudzutak ... Rudzutak
        # was arrested") or stop short of one: of the spans starting and ending within a few words of
        # it, keep the best, preferring one that begins with the quote's first word and ends with its last
        reach = 6
        q_text = " ".join(q_words)  # letters, not whole words, so a misread word still counts for most of itself
        best, best_span = -1.0, (first, last)
        for i in range(max(0, first - reach), min(first + reach, last)):
            for j in range(min(len(d_words), last + reach), max(i, last - reach), -1):
                score = (Indel.normalized_similarity(q_text, " ".join(d_words[i:j]))
                         + EDGE * (d_words[i] == q_words[0]) + EDGE * (d_words[j - 1] == q_words[-1]))
                if score > best:
                    best, best_span = score, (i, j)
        i, j = best_span
        return words[i][0], words[j - 1][1]

    # ---- one match with its differences and citation ----------------------------------------

    def _match(self, doc_id: str, s: int, e: int, quote: str, similarity: float) -> QuoteMatch:
        doc = self._doc(doc_id)
        raw = doc.raw[s:e]
        exact = _folded_ws(raw) == _folded_ws(quote)
        differences = [] if exact else self._differences(doc, s, e, quote)
        if not exact and similarity >= 1.0 and not differences:
            similarity = 0.999  # equal once folded, yet not character for character
        return self._cited(doc_id, s, e, similarity, exact, differences)

    def _cited(self, doc_id: str, s: int, e: int, similarity: float, exact: bool,
               differences: list[Difference]) -> QuoteMatch:
        doc = self._doc(doc_id)
        page, page_end = doc.layout.pages.pages(s, e)
        labels = doc.layout.pages.labels(s, e)
        section, attribution = self._section(doc_id, s)
        return QuoteMatch(
            doc_id, s, e, round(float(similarity), 4), exact, differences,
            doc.layout.lines.line_of(s), doc.layout.lines.line_of(max(s, e - 1)), section, attribution, page, page_end,
            *labels,
        )

    def _section(self, doc_id: str, offset: int) -> tuple[str | None, str | None]:
        if doc_id not in self._passage_starts:
            rows = sorted((p.start, i) for i, p in enumerate(self.index.passages) if p.doc_id == doc_id)
            self._passage_starts[doc_id] = ([s for s, _ in rows], [i for _, i in rows])
        starts, ids = self._passage_starts[doc_id]
        at = bisect.bisect_right(starts, offset) - 1
        if at < 0:
            return None, None
        p = self.index.passages[ids[at]]
        return p.section, p.attribution

    def _differences(self, doc: _Doc, s: int, e: int, quote: str) -> list[Difference]:
        d_words = [(s + m.start(), s + m.end()) for m in _WORD.finditer(doc.raw[s:e])]
        q_words = _WORD.findall(quote)
        d_keys = [_key(doc.raw[a:b]) for a, b in d_words]
        q_keys = [_key(w) for w in q_words]
        out: list[Difference] = []

        def add(a: int, b: int, quote_text: str, kind: DifferenceKind) -> None:
            out.append(Difference(a, b, doc.raw[a:b], quote_text, kind))

        ops = list(Levenshtein.opcodes(q_keys, d_keys))
        i = 0
        while i < len(ops):
            if ops[i].tag == "equal":
                self._equal_words(ops[i], q_words, d_words, doc, add)
                i += 1
                continue
            j = i
            while j + 1 < len(ops) and ops[j + 1].tag != "equal":
                j += 1
            qs, qe, ds, de = ops[i].src_start, ops[j].src_end, ops[i].dest_start, ops[j].dest_end
            if qe > qs and de > ds and "".join(q_keys[qs:qe]) == "".join(d_keys[ds:de]):
                # the same letters, split or joined otherwise: a line break (or hyphen) or the scan's spacing
                a, b = d_words[ds][0], d_words[de - 1][1]
                raw = doc.raw[a:b]
                add(a, b, " ".join(q_words[qs:qe]), "line_break" if ("\n" in raw or "-" in raw) else "ocr")
            else:
                for op in ops[i : j + 1]:
                    self._unequal_words(op, q_words, d_words, q_keys, d_keys, doc, add)
            i = j + 1
        return out

    def _equal_words(self, op, q_words, d_words, doc: _Doc, add) -> None:
        for qi, di in zip(range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=True):
            a, b = d_words[di]
            if doc.raw[a:b] == q_words[qi]:
                continue
            d_norm, q_norm = normalize(doc.raw[a:b]).text, normalize(q_words[qi]).text
            kind: DifferenceKind = "case" if d_norm != q_norm and d_norm.lower() == q_norm.lower() else "punctuation"
            add(a, b, q_words[qi], kind)

    def _unequal_words(self, op, q_words, d_words, q_keys, d_keys, doc: _Doc, add) -> None:
        qs, qe, ds, de = op.src_start, op.src_end, op.dest_start, op.dest_end
        if op.tag == "delete":  # quote words the document does not have here
            at = d_words[ds][0] if ds < len(d_words) else d_words[-1][1]
            add(at, at, " ".join(q_words[qs:qe]), "added")
        elif op.tag == "insert":  # document words the quote leaves out
            add(d_words[ds][0], d_words[de - 1][1], "", "missing")
        elif qe - qs == de - ds:
            for qi, di in zip(range(qs, qe), range(ds, de), strict=True):
                a, b = d_words[di]
                add(a, b, q_words[qi], self._kind(doc.raw[a:b], q_words[qi]))
        else:
            a, b = d_words[ds][0], d_words[de - 1][1]
            add(a, b, " ".join(q_words[qs:qe]), self._kind(doc.raw[a:b], " ".join(q_words[qs:qe])))

    def _kind(self, doc_word: str, quote_word: str) -> DifferenceKind:
        d, q = _key(doc_word), _key(quote_word)
        if d == q:
            return "punctuation"
        if transliteration_key(d) == transliteration_key(q) or _us_uk(d) == _us_uk(q):
            return "spelling"
        names = doc_word[:1].isupper() and quote_word[:1].isupper()
        if not names and (d.startswith(q) or q.startswith(d)) and abs(len(d) - len(q)) <= 3:
            return "changed"  # another form of the word (Stalin's / Stalin, arrest / arrested)
        distance = OSA.distance(d, q)  # a swapped pair of letters counts once
        if distance <= max(1, len(q) // 3) and (self._frequency(d) < self._frequency(q) or _OCR_CHARS.search(doc_word)):
            return "ocr"  # the text's form is the rarer one: a misreading of the scan
        if distance <= max(1, len(q) // 4):
            return "spelling"  # the same word spelt another way (Rudzutak / Rudzutaks, a typing slip)
        return "changed"

    def _frequency(self, word: str) -> int:
        """How many of the corpus's sentences hold this word (0 when unknown)."""
        if self._df is None:
            counts: dict[str, int] = {}
            for text in self.index.sentence_texts():
                for w in set(_key(x) for x in _WORD.findall(text)):
                    counts[w] = counts.get(w, 0) + 1
            self._df = counts
        return self._df.get(word, 0)


_US_UK = [(re.compile(r"our\b"), "or"), (re.compile(r"is(e|ed|es|ing|ation)\b"), r"iz\1"), (re.compile(r"re\b"), "er"),
          (re.compile(r"ll(ed|ing)\b"), r"l\1"), (re.compile(r"ogue\b"), "og"), (re.compile(r"ence\b"), "ense")]


def _us_uk(word: str) -> str:
    for pattern, replacement in _US_UK:
        word = pattern.sub(replacement, word)
    return word
