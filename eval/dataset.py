"""The evaluation set: question records, and their evidence located as raw character spans.

A record is one JSON object per line: ``id``, ``question``, ``doc`` (document id or file name),
``evidence`` (a verbatim quote, whitespace may differ), ``answer`` and ``type``. For unanswerable
questions ``doc``, ``evidence`` and ``answer`` are null. Gold labels are spans, never chunk ids.

Run ``python -m eval.dataset FILE...`` to check files (prints one line per bad record).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from index_build.corpus import read_corpus
from verbatim.errors import BadInputError

QUESTION_TYPES = (
    "factual",
    "why_how",
    "paraphrased",
    "keyword",
    "ocr",
    "source",
    "spelling",
    "unanswerable",
)
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    start: int
    end: int


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


class WhitespaceFolded:
    """A text with each whitespace run folded to one space, mapped back to raw offsets."""

    def __init__(self, raw: str) -> None:
        parts: list[str] = []
        starts: list[int] = []
        pos = 0
        for match in _WS.finditer(raw):
            for i in range(pos, match.start()):
                parts.append(raw[i])
                starts.append(i)
            parts.append(" ")
            starts.append(match.start())
            pos = match.end()
        for i in range(pos, len(raw)):
            parts.append(raw[i])
            starts.append(i)
        self.text = "".join(parts)
        self._starts = starts
        self._raw = raw

    def find_unique(self, quote: str) -> tuple[int, int] | None | str:
        """Raw ``(start, end)`` of the only occurrence of ``quote``; None if absent; "many" if repeated."""
        needle = _WS.sub(" ", quote.strip())
        first = self.text.find(needle)
        if first < 0:
            return None
        if self.text.find(needle, first + 1) >= 0:
            return "many"
        last = first + len(needle) - 1
        return self._starts[first], self._starts[last] + 1


def _documents(corpus_dir: Path) -> dict[str, tuple[str, str]]:
    """Map of every accepted document reference (id and file name) to ``(doc_id, raw text)``."""
    docs: dict[str, tuple[str, str]] = {}
    for doc in read_corpus(corpus_dir):
        docs[doc.id] = docs[doc.file] = (doc.id, doc.text)
    return docs


def load_questions(paths: list[Path], corpus_dir: Path = DEFAULT_CORPUS) -> list[Question]:
    """Load and check question files; raise BadInputError naming every bad record."""
    docs = _documents(corpus_dir)
    folded: dict[str, WhitespaceFolded] = {}
    questions: list[Question] = []
    problems: list[str] = []
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
                qid, text, kind = str(record["id"]), str(record["question"]), str(record["type"])
                doc, quote, answer = record.get("doc"), record.get("evidence"), record.get("answer")
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f"{where}: not a question record ({exc})")
                continue
            where = f"{where} ({qid})"
            if qid in seen:
                problems.append(f"{where}: duplicate id")
                continue
            seen.add(qid)
            if kind not in QUESTION_TYPES:
                problems.append(f"{where}: unknown type {kind!r}")
                continue
            if doc is None:
                if quote is not None or kind != "unanswerable":
                    problems.append(f"{where}: a record without doc must be type unanswerable, no evidence")
                    continue
                questions.append(Question(qid, text, kind, None, None))
                continue
            if doc not in docs:
                problems.append(f"{where}: unknown document {doc!r}")
                continue
            if not isinstance(quote, str) or not quote.strip():
                problems.append(f"{where}: evidence missing")
                continue
            words = len(quote.split())
            if not 8 <= words <= 40:
                problems.append(f"{where}: evidence has {words} words; it must have 8 to 40")
                continue
            doc_id, raw = docs[doc]
            if doc_id not in folded:
                folded[doc_id] = WhitespaceFolded(raw)
            found = folded[doc_id].find_unique(quote)
            if found is None:
                problems.append(f"{where}: evidence not found in {doc_id}: {quote[:60]!r}")
                continue
            if found == "many":
                problems.append(f"{where}: evidence occurs more than once in {doc_id}: {quote[:60]!r}")
                continue
            start, end = found
            questions.append(Question(qid, text, kind, answer, Evidence(doc_id, start, end)))
    if problems:
        raise BadInputError(f"{len(problems)} bad question record(s):\n" + "\n".join(problems))
    return questions


def main(argv: list[str]) -> int:
    try:
        questions = load_questions([Path(a) for a in argv])
    except BadInputError as exc:
        print(exc.message)
        return 2
    print(f"ok: {len(questions)} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
