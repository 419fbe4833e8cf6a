"""BM25 tokens that survive OCR damage and spelling variants.

Words are lower-cased and stripped of accents; stop words dropped; a light suffix strip merges
plurals and possessives. Each word of four or more letters also yields its character 4-grams
(padded with ``_``), so ``Riutin``/``Ryutin`` or ``Conunittee``/``Committee`` still share tokens.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such
    than that the their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours yourself
    yourselves did does tell says said""".split()
)


def fold(text: str) -> str:
    """Lower case without accents: ``Jānis`` -> ``janis``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]


def char_ngrams(word: str, n: int = 4) -> list[str]:
    padded = f"_{word}_"
    return [f"#{padded[i : i + n]}" for i in range(len(padded) - n + 1)]


def bm25_tokens(text: str, ngrams: bool = True) -> list[str]:
    tokens = words(text)
    if not ngrams:
        return tokens
    out = list(tokens)
    for word in tokens:
        if len(word) >= 4 and not word.isdigit():
            out.extend(char_ngrams(word))
    return out
