from __future__ import annotations

import shutil

import pytest

from index_build.build import BuildOptions, build_index
from retrieval.index import load_index
from retrieval.search import Retriever
from tests.conftest import FIXTURE_CORPUS
from tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def fixture_retriever(tmp_path_factory) -> Retriever:
    root = tmp_path_factory.mktemp("retrieval")
    shutil.copytree(FIXTURE_CORPUS, root / "corpus")
    embedder = FakeEmbedder()
    build_index(root / "corpus", root / "index", embedder, BuildOptions(show_progress=False))
    return Retriever(load_index(root / "index", root / "corpus", embedder.fingerprint), embedder)
