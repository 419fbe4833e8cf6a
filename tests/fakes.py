"""A fixed, fast stand-in for the embedding model: hashed bag of content words, L2-normalised."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from embeddings.base import normalise_rows
from index_build.tokenization import STOP_WORDS

_WORD = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    name = "fake-hashed-bag-of-words"
    dimension = 256
    max_tokens = 256
    fingerprint = "fake-v1"

    def __init__(self) -> None:
        self.embedded: list[str] = []  # every text embedded, in order, so tests can count calls

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                if word in STOP_WORDS:
                    continue
                digest = hashlib.md5(word.encode()).digest()
                out[row, digest[0] % self.dimension] += 1.0 if digest[1] % 2 else -1.0
            out[row, -1] += 0.01  # no all-zero rows
        return normalise_rows(out)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(_WORD.findall(t.lower())) + 2 for t in texts]
