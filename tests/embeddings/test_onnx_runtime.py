"""The ONNX Runtime backend gives the torch backend's vectors and token counts for the bundled model."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from embeddings.backends import load_embedder
from embeddings.onnx_runtime import OnnxEmbedder, graph_path
from embeddings.sentence_transformer import SentenceTransformerEmbedder, default_model_path

pytestmark = pytest.mark.slow

TEXTS = [
    "Who signed the letter?",
    "Ryutin's platform, 1932",
    "Orjonikidze and Ezhov at the plenum: \"the Conunittee resolved\" — rhe pany's line.",
    # past the model's 256 word pieces: both must cut it at the same place
    " ".join(["The plenum of the Central Committee heard the report of the commission on the case."] * 30),
]


def test_onnx_vectors_equal_the_torch_models_for_short_and_overlong_texts(onnx_embedder, torch_embedder) -> None:
    assert isinstance(onnx_embedder, OnnxEmbedder)
    onnx, torch = onnx_embedder.embed_batch(TEXTS), torch_embedder.embed_batch(TEXTS)
    assert onnx.shape == torch.shape == (len(TEXTS), 384)
    assert float(np.abs(onnx - torch).max()) < 1e-5
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    # batched or alone, a text gets the same vector (padding does not leak into the mean)
    alone = np.vstack([onnx_embedder.embed_batch([t]) for t in TEXTS])
    assert float(np.abs(alone - onnx).max()) < 1e-5


def test_onnx_backend_counts_tokens_and_fingerprints_as_torch_so_one_index_serves_both(
        onnx_embedder, torch_embedder) -> None:
    assert onnx_embedder.count_tokens(TEXTS) == torch_embedder.count_tokens(TEXTS)
    assert onnx_embedder.count_tokens(TEXTS)[-1] > onnx_embedder.max_tokens == torch_embedder.max_tokens == 256
    assert onnx_embedder.fingerprint == torch_embedder.fingerprint
    assert onnx_embedder.weights_sha256 == torch_embedder.weights_sha256


def test_the_graph_is_exported_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    first = OnnxEmbedder(cache_dir=tmp_path)
    graph = graph_path(tmp_path, first.weights_sha256)
    assert graph.is_file()
    assert sorted(p.name for p in graph.parent.iterdir()) == sorted([graph.name, graph.with_suffix(".json").name])
    written = graph.stat().st_mtime_ns
    second = OnnxEmbedder(cache_dir=tmp_path)
    assert graph.stat().st_mtime_ns == written
    np.testing.assert_array_equal(first.embed_batch(TEXTS[:2]), second.embed_batch(TEXTS[:2]))


def test_a_model_folder_without_a_fast_tokenizer_falls_back_to_torch_with_a_warning(tmp_path: Path, caplog) -> None:
    folder = tmp_path / "model"
    shutil.copytree(default_model_path(), folder, ignore=shutil.ignore_patterns("tokenizer.json"))
    with caplog.at_level(logging.WARNING, logger="verbatim.embeddings"):
        embedder = load_embedder(folder, "onnx", cache_dir=tmp_path / "cache")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert "no tokenizer.json" in caplog.text and "embedding with torch instead" in caplog.text
    assert not (tmp_path / "cache" / "onnx").exists()


def test_int8_questions_stay_close_to_float32_and_query_the_same_index(onnx_embedder, tmp_path: Path) -> None:
    from embeddings.onnx_runtime import quantised_path

    int8 = OnnxEmbedder(cache_dir=tmp_path, threads=1, precision="int8")
    assert int8.graph == quantised_path(graph_path(tmp_path, int8.weights_sha256)) and int8.graph.is_file()
    assert int8.graph.stat().st_size < 0.75 * graph_path(tmp_path, int8.weights_sha256).stat().st_size
    assert int8.fingerprint == onnx_embedder.fingerprint
    questions = TEXTS[:3] + ["Why was Ryutin expelled from the party?", "Which source says Rudzutaks was shot?"]
    a, b = int8.embed_batch(questions), onnx_embedder.embed_batch(questions)
    cosines = (a * b).sum(axis=1)
    assert float(cosines.min()) > 0.97
    assert float(np.abs(a - b).max()) > 1e-4  # really another graph, not the float32 one again


@pytest.mark.parametrize(("backend", "precision", "kind", "expected"), [
    ("onnx", "int8", OnnxEmbedder, "int8"),
    ("onnx", "float32", OnnxEmbedder, "float32"),
    ("torch", "int8", SentenceTransformerEmbedder, None),  # the torch backend has no int8 path: float32
])
def test_the_server_embeds_questions_with_the_backend_and_precision_settings_behind_the_batcher(
        real_index_dir: Path, backend: str, precision: str, kind: type, expected: str | None) -> None:
    from embeddings.batching import MicroBatcher
    from service.core.config import Settings
    from service.core.resources import load_resources
    from tests.conftest import REAL_CORPUS, ROOT

    settings = Settings(corpus_dir=REAL_CORPUS, index_dir=real_index_dir, cache_dir=ROOT / "var" / "cache",
                        embedding_backend=backend, query_precision=precision, batch_wait_ms=3, batch_max=8)
    resources = load_resources(settings)
    batcher = resources.embedder
    assert isinstance(batcher, MicroBatcher) and isinstance(batcher.inner, kind)
    assert (batcher.max_wait, batcher.max_batch) == (0.003, 8)
    assert getattr(batcher.inner, "precision", None) == expected
    assert resources.retriever.search("Who was Ryutin?", 3).hits


def test_auto_backend_builds_with_torch_and_embeds_questions_with_onnx() -> None:
    from embeddings.backends import resolve

    assert (resolve("auto", questions=False), resolve("auto", questions=True)) == ("torch", "onnx")
    assert (resolve("onnx", questions=False), resolve("torch", questions=True)) == ("onnx", "torch")


def test_index_command_exports_the_question_graph_so_serving_never_exports(tmp_path: Path, fixture_corpus: Path,
                                                                          monkeypatch) -> None:
    from embeddings.onnx_runtime import quantised_path
    from embeddings.sentence_transformer import weights_hash
    from service.core.config import get_settings
    from verbatim.cli import main

    monkeypatch.setenv("VERBATIM_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    try:
        code = main(["index", "--corpus", str(fixture_corpus), "--index-dir", str(tmp_path / "index"), "--quiet"])
    finally:
        get_settings.cache_clear()
    assert code == 0
    exported = graph_path(tmp_path / "cache", weights_hash(default_model_path()))
    assert exported.is_file() and quantised_path(exported).is_file()
