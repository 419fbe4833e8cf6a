"""Which runtime embeds: ONNX Runtime (the default) or torch, for the same model folder and the same vectors."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from embeddings.base import Embedder
from embeddings.onnx_runtime import Precision
from verbatim.errors import BackendUnsupportedError

Backend = Literal["onnx", "torch"]
log = logging.getLogger("verbatim.embeddings")


def load_embedder(
    model_path: Path | None, backend: Backend = "onnx", cache_dir: Path | None = None, batch_size: int = 32,
    threads: int | None = None, parallel: int = 1, precision: Precision = "float32",
) -> Embedder:
    """The model on ``backend``; ``threads`` a call (unset: all cores), ``parallel`` calls at once (torch only:
    ONNX Runtime sessions take concurrent calls as they are); ``precision`` for ONNX only (questions)."""
    if backend == "onnx":
        from embeddings.onnx_runtime import OnnxEmbedder

        try:
            return OnnxEmbedder(model_path, cache_dir=cache_dir, batch_size=batch_size, threads=threads,
                                precision=precision)
        except BackendUnsupportedError as exc:
            log.warning("%s; embedding with torch instead", exc.message)
    from embeddings.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model_path, batch_size=batch_size, threads=threads, parallel=parallel)
