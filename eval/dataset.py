"""The evaluation set: question records, and their evidence located as raw character spans.

A record is one JSON object per line: ``id``, ``question``, ``doc`` (document id, file name or
title), ``evidence`` (a quote from the document, one or more words; whitespace may differ; or a
list of such quotes, any of which answers), and optionally ``answer`` and ``type`` (any label;
reported under its own name). A record with no ``doc`` and no ``evidence`` is unanswerable. A record
with evidence but no ``doc`` has its evidence looked for in every document.

Evidence is located in the raw text first with whitespace folded, then, failing that, ignoring case,
punctuation, quote marks, hyphens and line breaks (so ``de-livered`` finds ``de\\nlivered``). Every
occurrence counts: a passage covering any of them is relevant. Gold labels are spans, never chunk ids.

A record that cannot be used (no question, unknown document, evidence not in the text) is reported
by name; the harness skips it with a warning, or refuses the file with ``--strict``.

Run ``python -m eval.dataset FILE...`` to check files (prints one line per bad record).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from index_build.corpus import read_corpus
from verbatim.errors import BadInputError

UNANSWERABLE = "unanswerable"
UNTYPED = "untyped"
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    start: int
    end: int
    # further occurrences of the same evidence (raw spans in the same or other documents)
    others: tuple[tuple[str, int, int], ...] = ()

    @property
    def spans(self) -> tuple[tuple[str, int, int], ...]:
        return ((self.doc_id, self.start, self.end), *self.others)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    type: str
    answer: str | None
    evidence: Evidence | None

    @property
    def answerable(self) -> bool:
        return self.evidence is not None


@dataclass
class LoadedQuestions:
    questions: list[Question]
    problems: list[str] = field(default_factory=list)  # one line per record that could not be used


class FoldedText:
    """A raw text reduced by a character filter, each kept character mapped back to its raw offset."""

    def __init__(self, raw: str, loose: bool) -> None:
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        if loose:
            for i, ch in enumerate(raw):
                for c in _loose_chars(ch):
                    parts.append(c)
                    starts.append(i)
                    ends.append(i + 1)
        else:
            pos = 0
            for match in _WS.finditer(raw):
                for i in range(pos, match.start()):
                    parts.append(raw[i])
                    starts.append(i)
                    ends.append(i + 1)
                parts.append(" ")
                starts.append(match.start())
                ends.append(match.end())
                pos = match.end()
            for i in range(pos, len(raw)):
                parts.append(raw[i])
                starts.append(i)
                ends.append(i + 1)
        self.loose = loose
        self.text = "".join(parts)
        self._starts = starts
        self._ends = ends

    def fold(self, quote: str) -> str:
        if self.loose:
            return "".join(c for ch in quote for c in _loose_chars(ch))
        return _WS.sub(" ", quote.strip())

    def find_all(self, quote: str) -> list[tuple[int, int]]:
        """Raw ``(start, end)`` of every occurrence of ``quote``, in text order."""
        needle = self.fold(quote)
        if not needle:
            return []
        found: list[tuple[int, int]] = []
        at = self.text.find(needle)
        while at >= 0:
            found.append((self._starts[at], self._ends[at + len(needle) - 1]))
            at = self.text.find(needle, at + len(needle))
        return found


def _loose_chars(ch: str) -> str:
    """What a character contributes to loose matching: its letters and digits, case-folded."""
    return "".join(c for c in unicodedata.normalize("NFKC", ch).casefold() if c.isalnum())


class Corpus:
    """The corpus texts, for locating evidence quotes as raw spans."""

    def __init__(self, corpus_dir: Path) -> None:
        self.texts: dict[str, str] = {}
        self.refs: dict[str, str] = {}  # id, file name, title (case-folded) -> id
        for doc in read_corpus(corpus_dir):
            self.texts[doc.id] = doc.text
            for ref in (doc.id, doc.file, Path(doc.file).stem, doc.title):
                self.refs.setdefault(ref.casefold(), doc.id)
        self._folded: dict[tuple[str, bool], FoldedText] = {}

    def resolve(self, ref: str) -> str | None:
        return self.refs.get(ref.strip().casefold())

    def locate(self, doc_ids: list[str], quotes: list[str]) -> list[tuple[str, int, int]]:
        """Every occurrence of any quote in these documents: exact whitespace-folded first, then loose."""
        for loose in (False, True):
            spans = [
                (doc_id, s, e)
                for doc_id in doc_ids
                for quote in quotes
                for s, e in self._text(doc_id, loose).find_all(quote)
            ]
            if spans:
                return spans
        return []

    def _text(self, doc_id: str, loose: bool) -> FoldedText:
        key = (doc_id, loose)
        if key not in self._folded:
            self._folded[key] = FoldedText(self.texts[doc_id], loose)
        return self._folded[key]


def _text_field(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _quotes(value: object) -> list[str] | None:
    """The evidence field as a list of quotes (a string, or a list of strings); None when absent."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    quotes = [str(q).strip() for q in items if q is not None and str(q).strip()]
    return quotes or None


def read_questions(paths: list[Path], corpus_dir: Path = DEFAULT_CORPUS) -> LoadedQuestions:
    """Load question files, keeping every usable record and naming every unusable one."""
    corpus = Corpus(corpus_dir)
    loaded = LoadedQuestions([])
    seen: set[str] = set()
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInputError(f"{path}: cannot read questions ({exc})") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise TypeError("a JSON object is needed")
            except (ValueError, TypeError) as exc:
                loaded.problems.append(f"{where}: not a question record ({exc})")
                continue
            qid = _text_field(record.get("id")) or f"{path.stem}:{number}"
            text = _text_field(record.get("question"))
            where = f"{where} ({qid})"
            if text is None:
                loaded.problems.append(f"{where}: no question text")
                continue
            if qid in seen:
                loaded.problems.append(f"{where}: duplicate id")
                continue
            seen.add(qid)
            doc_ref, quotes = _text_field(record.get("doc")), _quotes(record.get("evidence"))
            answer = _text_field(record.get("answer"))
            if quotes is None:
                if doc_ref is not None:
                    loaded.problems.append(f"{where}: doc {doc_ref!r} is given but no evidence quote")
                    continue
                kind = _text_field(record.get("type")) or UNANSWERABLE
                loaded.questions.append(Question(qid, text, kind, answer, None))
                continue
            kind = _text_field(record.get("type")) or UNTYPED
            if doc_ref is None:
                doc_ids = list(corpus.texts)
            else:
                doc_id = corpus.resolve(doc_ref)
                if doc_id is None:
                    known = ", ".join(sorted(corpus.texts))
                    loaded.problems.append(f"{where}: unknown document {doc_ref!r} (known: {known})")
                    continue
                doc_ids = [doc_id]
            spans = corpus.locate(doc_ids, quotes)
            if not spans:
                place = doc_ids[0] if len(doc_ids) == 1 else "any document"
                loaded.problems.append(f"{where}: evidence not found in {place}: {quotes[0][:60]!r}")
                continue
            (doc_id, start, end), *others = spans
            loaded.questions.append(Question(qid, text, kind, answer, Evidence(doc_id, start, end, tuple(others))))
    return loaded


def load_questions(paths: list[Path], corpus_dir: Path = DEFAULT_CORPUS) -> list[Question]:
    """Load question files; raise BadInputError naming every bad record."""
    loaded = read_questions(paths, corpus_dir)
    if loaded.problems:
        raise BadInputError(f"{len(loaded.problems)} bad question record(s):\n" + "\n".join(loaded.problems))
    return loaded.questions


def main(argv: list[str]) -> int:
    try:
        loaded = read_questions([Path(a) for a in argv])
    except BadInputError as exc:
        print(exc.message)
        return 2
    for problem in loaded.problems:
        print(problem)
    repeated = sum(1 for q in loaded.questions if q.evidence and q.evidence.others)
    print(f"{'ok' if not loaded.problems else 'problems'}: {len(loaded.questions)} questions usable, "
          f"{len(loaded.problems)} not; {repeated} with evidence found more than once (any occurrence counts)")
    return 2 if loaded.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
