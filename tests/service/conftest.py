from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index_build.build import BuildOptions, build_index
from retrieval.index import load_index
from service.core.config import Settings
from service.core.resources import assemble
from service.main import create_app
from tests.conftest import FIXTURE_CORPUS
from tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory) -> tuple[Path, Path]:
    import shutil

    root = tmp_path_factory.mktemp("svc")
    corpus = root / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    build_index(corpus, root / "index", FakeEmbedder(), BuildOptions(show_progress=False))
    return corpus, root / "index"


def make_client(fixture_index, **overrides) -> TestClient:
    corpus, index_dir = fixture_index
    settings = Settings(corpus_dir=corpus, index_dir=index_dir, cache_dir=index_dir.parent / "cache", **overrides)
    embedder = FakeEmbedder()
    resources = assemble(load_index(index_dir, corpus, embedder.fingerprint), embedder, settings)
    return TestClient(create_app(settings, resources), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(fixture_index) -> TestClient:
    # the shipped abstention model is fitted to MiniLM's scores, not the fake model's: these tests
    # judge support by the cosine threshold (tests/retrieval/test_abstention.py covers the model)
    with make_client(fixture_index, abstain_threshold=0.4, calibrated_abstention=False) as c:
        yield c
