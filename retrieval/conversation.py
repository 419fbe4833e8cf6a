"""Conversation context: what a follow-up question takes from the turns before it, without generating text.

A follow-up such as "When was he arrested?" carries no subject of its own. Following the TREC CAsT
baselines' historical query expansion, the earlier questions' names and rare terms (by their idf in
the corpus) are carried into this question's query with a lower weight, the most recent turns
weighing most, back to the turn that opened the current topic. Words common in English at large
("say", "really", "happened") are not carried, however rare in these texts. A question that names
its own subject (a name that is not on every page) and points back at nothing ("What did Khrushchev say about Kirov's murder?") opens a new
topic: nothing is carried. Passages near the ones the reader was shown are preferred: a follow-up
is most often answered a few paragraphs from the passage that answered the question before it.

The result says which terms came from which earlier turn, so a reader can see why a passage was found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from wordfreq import zipf_frequency

from index_build.tokenization import STOP_WORDS, words

MAX_TURNS = 3  # earlier turns looked at, most recent first
MAX_TERMS = 8
RECENCY = (1.0, 0.7, 0.5)  # weight of the terms of the last, the one before, and the one before that
MIN_IDF = 2.5  # a term rarer than this (corpus sentences) is worth carrying; names always are
COMMON_ZIPF = 5.5  # ... unless it is this common in English at large ("say", "really", "happened")
SUBJECT_IDF = 0.35  # a name names a subject only if its idf is this share of the rarest term's ("Stalin" is on every page)

_SURFACE = re.compile(r"[A-Za-zÀ-ÿĀ-ž0-9][\w'’-]*")
# words that point back at something said before
_ANAPHORA = re.compile(
    r"\b(he|she|him|his|her|hers|himself|herself|they|them|their|theirs|it|its|this|that|these|those|there|"
    r"then|same|such|also|else|other|others|former|latter|above|previous|earlier|mentioned)\b",
    re.IGNORECASE,
)
_ELLIPSIS = re.compile(r"^\s*(and|but|or|so|what about|how about|also|then|why|when|where|how|who|which|"
                       r"really|source|according)\b", re.IGNORECASE)
_NOT_SUBJECTS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                 "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                 "i", "mr", "mrs", "dr"}
_QUESTION_WORDS = {"what", "when", "where", "which", "who", "whom", "whose", "why", "how", "did", "does", "do",
                   "is", "was", "were", "are", "according", "in", "and", "but", "so"}


@dataclass(frozen=True)
class PassageRef:
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class EarlierTurn:
    question: str
    passages: tuple[PassageRef, ...] = ()


@dataclass(frozen=True)
class ContextTerm:
    term: str  # as the reader wrote it
    turn: int  # 1-based position of the earlier turn in the history
    weight: float


@dataclass(frozen=True)
class ConversationContext:
    terms: tuple[ContextTerm, ...]
    new_topic: bool
    # the passages the reader was shown, most recent turn first, each with its turn's recency weight
    shown: tuple[tuple[PassageRef, float], ...] = ()

    @property
    def documents(self) -> tuple[str, ...]:
        """The documents of the passages the reader was shown, most recent first."""
        return tuple(dict.fromkeys(ref.doc_id for ref, _ in self.shown))

    @property
    def empty(self) -> bool:
        return not self.terms and not self.documents


NO_CONTEXT = ConversationContext((), False)


def surface_terms(question: str, idf: dict[str, float]) -> list[tuple[str, str, float]]:
    """The question's content words as ``(surface, key, idf)``: names and rare terms, in order."""
    out: list[tuple[str, str, float]] = []
    seen: set[str] = set()
    tokens = _SURFACE.findall(question)
    for position, surface in enumerate(tokens):
        plain = surface.strip("'’-")
        if not plain or plain.lower() in STOP_WORDS or plain.lower() in _QUESTION_WORDS:
            continue
        keys = words(plain)
        if not keys:
            continue
        key = keys[0]
        if key in seen:
            continue
        weight = idf.get(key, 0.0)
        is_name = plain[:1].isupper() and position > 0 and plain.lower() not in _NOT_SUBJECTS
        if not is_name and not plain.isdigit() and zipf_frequency(plain.lower(), "en") >= COMMON_ZIPF:
            continue
        if is_name or weight >= MIN_IDF or (plain.isdigit() and len(plain) == 4):
            seen.add(key)
            out.append((plain, key, weight if weight else MIN_IDF))
    return out


def opens_topic(question: str, idf: dict[str, float]) -> bool:
    """A question that names its own subject and points back at nothing."""
    if _ANAPHORA.search(question) or _ELLIPSIS.match(question):
        return False
    terms = surface_terms(question, idf)
    specific = SUBJECT_IDF * max(idf.values(), default=0.0)
    names = [s for s, key, _ in terms
             if s[:1].isupper() and s.lower() not in _NOT_SUBJECTS and idf.get(key, specific) >= specific]
    return bool(names) and len(terms) >= 2


def resolve(question: str, history: Sequence[EarlierTurn], idf: dict[str, float]) -> ConversationContext:
    """What this question takes from the earlier turns (oldest first in ``history``)."""
    if not history:
        return NO_CONTEXT
    if opens_topic(question, idf):
        return ConversationContext((), True)
    own = {key for _, key, _ in surface_terms(question, idf)}
    terms: list[ContextTerm] = []
    seen = set(own)
    shown: list[tuple[PassageRef, float]] = []
    for back, turn_no in enumerate(range(len(history), max(0, len(history) - MAX_TURNS), -1)):
        turn = history[turn_no - 1]
        for p in turn.passages:
            shown.append((p, RECENCY[back]))
        for surface, key, _ in surface_terms(turn.question, idf):
            if key not in seen:
                seen.add(key)
                terms.append(ContextTerm(surface, turn_no, RECENCY[back]))
        # the turn that opened the topic is the last one carried
        if turn_no == 1 or opens_topic(turn.question, idf):
            break
    return ConversationContext(tuple(terms[:MAX_TERMS]), False, tuple(shown))
