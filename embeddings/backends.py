"""Which runtime embeds: ONNX Runtime or torch, for the same model folder and the same vectors.

``auto`` (the default) takes the faster one for the work, as measured here on 2 cores: torch for a
build's batches of long passages (ONNX Runtime embedded them at 0.70 of torch's rate,
``bench/results/build.md``), ONNX Runtime for questions (3.4 ms against 7.5 ms a question,
``bench/results/query.md``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from embeddings.base import Embedder
from embeddings.onnx_runtime import Precision
from verbatim.errors import BackendUnsupportedError

Backend = Literal["auto", "onnx", "torch"]
log = logging.getLogger("verbatim.embeddings")


def resolve(backend: Backend, questions: bool) -> Literal["onnx", "torch"]:
    if backend == "auto":
        return "onnx" if questions else "torch"
    return backend


def load_embedder(
    model_path: Path | None, backend: Backend, cache_dir: Path, batch_size: int = 32,
    threads: int | None = None, parallel: int = 1, precision: Precision = "float32", questions: bool = False,
) -> Embedder:
    """The model on ``backend`` for passages or (``questions``) for questions; ``threads`` a call (unset: all
    cores), ``parallel`` calls at once (torch only: ONNX Runtime sessions take concurrent calls as they
    are); ``precision`` for ONNX only."""
    if resolve(backend, questions) == "onnx":
        from embeddings.onnx_runtime import OnnxEmbedder

        try:
            return OnnxEmbedder(model_path, cache_dir=cache_dir, batch_size=batch_size, threads=threads,
                                precision=precision)
        except BackendUnsupportedError as exc:
            log.warning("%s; embedding with torch instead", exc.message)
    from embeddings.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model_path, batch_size=batch_size, threads=threads, parallel=parallel)


def prepare_question_graph(model_path: Path | None, backend: Backend, cache_dir: Path, precision: Precision) -> None:
    """Export (once) the graph questions will be embedded with, without loading a session or torch's model."""
    if resolve(backend, questions=True) != "onnx":
        return
    from embeddings.onnx_runtime import model_folder, prepare_graph
    from embeddings.sentence_transformer import weights_hash

    try:
        path = model_folder(model_path)
    except BackendUnsupportedError:
        return  # questions will be embedded by torch: nothing to export
    prepare_graph(path, cache_dir, weights_hash(path), precision)
