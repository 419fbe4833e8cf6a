"""Pseudo-relevance feedback: the first passages found lend the question some of their words.

RM3-style for BM25: the terms that are frequent in the first fused passages and rare in the corpus
(idf over sentences), and not already in the question, make a second BM25 query whose scores are
added at a lower weight. The dense side moves the question vector towards those passages' mean
(Rocchio). Both are meant for questions in other words than the text's.
"""

from __future__ import annotations

from collections import Counter

from index_build.tokenization import words


def expansion_terms(question: str, texts: list[str], lexicon, count: int) -> list[str]:
    """The ``count`` terms of ``texts`` with the highest (frequency x idf), question terms excluded."""
    asked = set(words(question))
    tf: Counter[str] = Counter()
    for text in texts:
        for term, n in Counter(words(text)).items():
            tf[term] += n / max(1, len(texts))
    scored = []
    for term, freq in tf.items():
        col = lexicon.vocab.get(term)
        if term in asked or col is None or term.isdigit() or len(term) < 3:
            continue
        scored.append((freq * float(lexicon.idf[col]), term))
    scored.sort(reverse=True)
    return [term for _, term in scored[:count]]
