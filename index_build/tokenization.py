"""BM25 tokens that survive OCR damage and spelling variants.

Words are lower-cased and stripped of accents and apostrophes (``Ignat'ev`` -> ``ignatev``); stop
words dropped; a light suffix strip merges plurals and possessives; the usual romanisations of
Russian names share one key (``Yezhov``/``Ezhov``, ``Tukhachevsky``/``Tukhachevskii``,
``Zinoviev``/``Zinovyev``, ``Ordzhonikidze``/``Orjonikidze``, ``Iagoda``/``Yagoda``/``Jagoda``). Each word of four or more letters also yields its character 4-grams
(padded with ``_``), so ``Riutin``/``Ryutin`` or ``Conunittee``/``Committee`` still share tokens.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
# recorded in the manifest: an index whose BM25 tokens were made otherwise is rebuilt by --if-stale
TOKENIZER_VERSION = "words-translit-4grams-2"
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
    lowered = text.lower()
    if lowered.isascii():  # a question, many passages: nothing to decompose
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_TRANSLIT = [
    (re.compile(r"dzh"), "j"),  # Ordzhonikidze / Orjonikidze
    (re.compile(r"x"), "ks"),  # Alexander / Aleksandr
    (re.compile(r"(?<=[aeiou])y(?=[aeiou])"), "i"),  # Beriya / Beriia
    (re.compile(r"^y(?=[aeiou])"), ""),  # Yezhov / Ezhov, Yagoda / Agoda ~ Iagoda below
    (re.compile(r"^i(?=[aeiou])"), ""),  # Iagoda / Yagoda
    (re.compile(r"^j(?=[aeiou])"), ""),  # Jagoda / Yagoda
    (re.compile(r"(?<=[bcdfghklmnprstvz])y(?=[aeiou])"), "i"),  # Zinovyev / Zinoviev
    (re.compile(r"(?:iy|ii|yi|y)$"), "i"),  # Tukhachevsky / Tukhachevskii
    (re.compile(r"ie(?=v$|vs$)"), "e"),  # Zinoviev / Zinovev
    (re.compile(r"iia$"), "ia"),  # Evgeniia / Evgenia, Beriia / Beria
]


def transliteration_key(word: str) -> str:
    """One spelling for the usual romanisations of a Russian name: ``yezhov``, ``ezhov`` -> ``ezhov``."""
    for pattern, replacement in _TRANSLIT:
        word = pattern.sub(replacement, word)
    return word


def words(text: str) -> list[str]:
    folded = fold(text).replace("'", "").replace("’", "")
    return [transliteration_key(stem(w)) for w in _WORD.findall(folded)
            if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]


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
