"""The same sentence-transformers model folder run by ONNX Runtime: the vectors of the torch backend
(checked at export to 1e-4) at about half its time a question, without torch in the serving process.

The graph is exported once from the folder's own weights with torch's exporter (nothing is
downloaded), checked against sentence-transformers on texts short and long, and kept under the
cache folder keyed by the weights' hash; later loads read only the graph and ``tokenizer.json``.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Literal

import numpy as np

from embeddings.base import normalise_rows
from embeddings.sentence_transformer import default_model_path, fingerprint_of, model_name, weights_hash
from verbatim.errors import BackendUnsupportedError, ModelUnavailableError

log = logging.getLogger("verbatim.embeddings")
Precision = Literal["float32", "int8"]

# inputs of the graph, as the tokenizer names them and as the graph expects them
_INPUTS = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
# texts the export is checked on: short, with accents and OCR noise, and past the length limit
_CHECK_TEXTS = [
    "Who wrote the platform?",
    "Ordzhonikidze's letter to Stalin, 1936: \"the Conunittee resolved\" — rhe pany's line.",
    " ".join(["The plenum of the Central Committee heard the report of the commission."] * 40),
]
MAX_EXPORT_DIFFERENCE = 1e-4


def graph_path(cache_dir: Path, weights_sha256: str) -> Path:
    """The exported graph; beside it, ``.json`` with the model's length limit (folders' configs differ in where)."""
    return cache_dir / "onnx" / f"{weights_sha256[:16]}.onnx"


def export_graph(model_path: Path, target: Path) -> None:
    """Export the folder's whole sentence-transformers pipeline (encoder, pooling, normalisation) to ``target``."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_path), device="cpu").eval()
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    sample = tokenize(["a short text", "a second, somewhat longer text"])
    names = [n for n in _INPUTS if n in sample]

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.model(dict(zip(names, tensors, strict=True)))["sentence_embedding"]

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"embedding": {0: "batch"}}
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on Python branches it fixes for one shape
            torch.onnx.export(Pipeline().eval(), tuple(sample[n] for n in names), str(partial), input_names=names,
                              output_names=["embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)
        expected = model.encode(_CHECK_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
        got = _Graph(partial, model_path, int(model.max_seq_length), threads=1).run(_CHECK_TEXTS)
        difference = float(np.abs(normalise_rows(got) - expected).max())
        if difference > MAX_EXPORT_DIFFERENCE:
            raise BackendUnsupportedError(
                f"{model_path}: the ONNX export differs from the torch model by {difference:.2g}; "
                "use VERBATIM_EMBEDDING_BACKEND=torch")
        meta = {"max_tokens": int(model.max_seq_length), "dimension": int(expected.shape[1])}
        target.with_suffix(".json").write_text(json.dumps(meta))
        partial.replace(target)  # atomic, and after its .json: a reader never sees half a graph
    finally:
        partial.unlink(missing_ok=True)


def quantised_path(exported: Path) -> Path:
    return exported.with_name(f"{exported.stem}.int8-ffn.onnx")


def quantise_feed_forward(exported: Path, target: Path) -> None:
    """int8 dynamic quantisation, per channel, of the feed-forward products only (``bench/inference.py``:
    every product in int8 moved dev MRR by 0.0051; these alone kept recall@5 and MRR within 0.005)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    products = [n.name for n in onnx.load(str(exported)).graph.node if n.op_type == "MatMul"]
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        quantize_dynamic(str(exported), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_quantize=[n for n in products if "intermediate" in n or "output/dense" in n])
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


class _Graph:
    """An ONNX Runtime session and the folder's fast tokenizer, padded to the longest text of a batch."""

    def __init__(self, graph: Path, model_path: Path, max_tokens: int, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]
        self.counter = Tokenizer.from_file(str(model_path / "tokenizer.json"))  # counting sees the whole text
        self.counter.no_padding()
        self.counter.no_truncation()
        self.padded = Tokenizer.from_file(str(model_path / "tokenizer.json"))  # what the graph is fed
        self.padded.enable_truncation(max_tokens)
        pad = _pad_token(model_path)
        self.padded.enable_padding(pad_id=self.padded.token_to_id(pad) or 0, pad_token=pad)

    def run(self, texts: list[str]) -> np.ndarray:
        encodings = self.padded.encode_batch(texts)
        feeds = {n: np.array([getattr(e, _INPUTS[n]) for e in encodings], dtype=np.int64) for n in self.names}
        return self.session.run(None, feeds)[0]


def _pad_token(model_path: Path) -> str:
    try:
        config = json.loads((model_path / "tokenizer_config.json").read_text())
        return str(config.get("pad_token") or "[PAD]")
    except (OSError, ValueError):
        return "[PAD]"


def model_folder(model_path: Path | None) -> Path:
    """The model folder, checked to be one the ONNX backend can run."""
    path = Path(model_path) if model_path else default_model_path()
    if not (path / "modules.json").is_file():
        raise ModelUnavailableError(f"{path}: no sentence-transformers model there (modules.json missing)")
    if not (path / "tokenizer.json").is_file():
        raise BackendUnsupportedError(f"{path}: no tokenizer.json (a fast tokenizer) for the ONNX backend; "
                                      "use VERBATIM_EMBEDDING_BACKEND=torch")
    return path


def prepare_graph(path: Path, cache_dir: Path, weights_sha256: str, precision: Precision = "float32") -> Path:
    """The graph for ``precision``, exported (and quantised) into ``cache_dir`` the first time."""
    exported = graph_path(cache_dir, weights_sha256)
    if not (exported.is_file() and exported.with_suffix(".json").is_file()):
        log.warning("exporting %s to ONNX at %s (once per model)", path.name, exported)
        export_graph(path, exported)
    if precision == "float32":
        return exported
    quantised = quantised_path(exported)
    if not quantised.is_file():
        quantise_feed_forward(exported, quantised)
    return quantised


class OnnxEmbedder:
    """The model folder's pipeline on ONNX Runtime; vectors L2-normalised float32, fingerprint as the torch backend's."""

    def __init__(
        self, model_path: Path | None = None, *, cache_dir: Path, batch_size: int = 32,
        threads: int | None = None, precision: Precision = "float32", graph: Path | None = None,
    ) -> None:
        """``precision="int8"``: the feed-forward products quantised, for questions (passages are embedded in
        float32; the fingerprint stays the weights', so such an embedder queries their index).
        ``graph``: run this graph instead (bench/inference.py's variants)."""
        path = model_folder(model_path)
        self.name = model_name(model_path)
        self.model_path = path
        self.batch_size = batch_size
        self.weights_sha256 = weights_hash(path)
        self.fingerprint = fingerprint_of(self.weights_sha256)
        prepared = prepare_graph(path, Path(cache_dir), self.weights_sha256, precision)
        self.graph = graph or prepared
        self.precision = precision
        meta = graph_path(Path(cache_dir), self.weights_sha256).with_suffix(".json")
        self.max_tokens = int(json.loads(meta.read_text())["max_tokens"])
        # the session may be run from several threads at once (the micro-batcher's); each run uses ``threads``
        self._graph = _Graph(self.graph, path, self.max_tokens, threads=threads or (os.cpu_count() or 1))
        self.dimension = int(self._graph.run(["x"]).shape[1])

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        if len(parts) == 1:
            return normalise_rows(self._graph.run(parts[0]))
        return normalise_rows(np.vstack([self._graph.run(p) for p in parts]))

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._graph.counter.encode_batch(list(texts))]

