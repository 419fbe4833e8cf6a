"""An on-disk cache of vectors keyed by the model fingerprint and the embedded text's hash.

Rebuilding after one document changes re-embeds only the passages whose text changed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.base import Embedder


def text_key(fingerprint: str, text: str) -> str:
    return hashlib.sha256(f"{fingerprint}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path, dimension: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.dimension = dimension
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self.db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self.dimension,):
                    found[key] = vector
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )

    def close(self) -> None:
        self.db.close()


@dataclass
class Lookup:
    """What the cache already holds for some texts, and which rows still need the model."""

    vectors: np.ndarray  # one row a text; the cached rows filled in
    keys: list[str]
    missing: list[int]  # rows to embed, longest text first so each batch pads little


def look_up(embedder: Embedder, texts: list[str], cache: EmbeddingCache | None) -> Lookup:
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    keys = [text_key(embedder.fingerprint, t) for t in texts]
    cached = cache.get_many(sorted(set(keys))) if cache else {}
    for i, key in enumerate(keys):
        if key in cached:
            out[i] = cached[key]
    missing = sorted((i for i, key in enumerate(keys) if key not in cached), key=lambda i: -len(texts[i]))
    return Lookup(out, keys, missing)


def fill_missing(
    embedder: Embedder, texts: list[str], lookup: Lookup, cache: EmbeddingCache | None, on_batch=None, batch: int = 256
) -> np.ndarray:
    """Embed the rows the cache lacked (storing them there) and return all the vectors."""
    out = lookup.vectors
    for offset in range(0, len(lookup.missing), batch):
        rows = lookup.missing[offset : offset + batch]
        out[rows] = embedder.embed_batch([texts[i] for i in rows])
        if cache:
            cache.put_many({lookup.keys[i]: out[i] for i in rows})
        if on_batch:
            on_batch(len(rows))
    return out


def embed_with_cache(
    embedder: Embedder, texts: list[str], cache: EmbeddingCache | None, on_batch=None, batch: int = 256
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (rows in order) and how many had to be embedded anew."""
    lookup = look_up(embedder, texts, cache)
    return fill_missing(embedder, texts, lookup, cache, on_batch, batch), len(lookup.missing)
