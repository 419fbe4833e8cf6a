from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.fakes import FakeEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("VERBATIM_SHOW_PROGRESS", "false")

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
REAL_CORPUS = ROOT / "corpus"


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fixture_corpus(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled model as `verbatim index` runs it by default (``auto``: torch for passages)."""
    from embeddings.backends import load_embedder

    return load_embedder(None, "auto", cache_dir=ROOT / "var" / "cache")


@pytest.fixture(scope="session")
def torch_embedder(real_embedder):
    from embeddings.sentence_transformer import SentenceTransformerEmbedder

    assert isinstance(real_embedder, SentenceTransformerEmbedder)
    return real_embedder


@pytest.fixture(scope="session")
def onnx_embedder():
    """The same model on ONNX Runtime, float32 (the questions' int8 graph is tested on its own)."""
    from embeddings.onnx_runtime import OnnxEmbedder

    return OnnxEmbedder(cache_dir=ROOT / "var" / "cache")


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory, real_embedder) -> Path:
    """The real corpus indexed with the real model, once per test session (vectors cached in var/cache)."""
    from index_build.build import BuildOptions, build_index

    index_dir = tmp_path_factory.mktemp("real") / "index"
    build_index(REAL_CORPUS, index_dir, real_embedder, BuildOptions(show_progress=False), cache_dir=ROOT / "var" / "cache")
    return index_dir


@pytest.fixture(scope="session")
def real_index(real_index_dir, real_embedder):
    from retrieval.index import load_index

    return load_index(real_index_dir, REAL_CORPUS, real_embedder.fingerprint)
