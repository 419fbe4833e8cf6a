"""The embedding interface every model (and the tests' fake) provides."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    dimension: int
    max_tokens: int  # the longest input, in the model's own tokens (special tokens included), embedded uncut
    fingerprint: str  # changes whenever the vectors could change (weights, pooling, normalisation)

    def embed_batch(self, texts: list[str]) -> np.ndarray: ...

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Length of each text in the model's own tokens, special tokens included."""
        ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)
