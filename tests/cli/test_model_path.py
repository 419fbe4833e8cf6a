"""Every command honours VERBATIM_MODEL_PATH: an index built with a second model is then served."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_CORPUS
from verbatim.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def second_model(tmp_path_factory) -> Path:
    """The bundled model cut to one transformer layer: other weights, so another fingerprint."""
    from sentence_transformers import SentenceTransformer

    from embeddings.sentence_transformer import default_model_path

    model = SentenceTransformer(str(default_model_path()), device="cpu")
    encoder = model[0].auto_model.encoder
    encoder.layer = encoder.layer[:1]
    model[0].auto_model.config.num_hidden_layers = 1
    folder = tmp_path_factory.mktemp("models") / "one-layer-minilm"
    model.save(str(folder))
    return folder


@pytest.fixture
def settings_from_env(monkeypatch):
    from service.core.config import get_settings

    def use(**env: str):
        for key, value in env.items():
            monkeypatch.setenv(f"VERBATIM_{key.upper()}", value)
        get_settings.cache_clear()
        return get_settings()

    yield use
    get_settings.cache_clear()


def test_index_built_with_model_path_setting_is_served_with_it(tmp_path: Path, second_model: Path, settings_from_env,
                                                               capsys) -> None:
    from index_build import store
    from index_build.freshness import serving_problem
    from service.core.resources import load_resources

    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    settings = settings_from_env(model_path=str(second_model), corpus_dir=str(corpus),
                                 index_dir=str(tmp_path / "index"), cache_dir=str(tmp_path / "cache"))
    assert main(["index", "--quiet"]) == 0
    manifest = store.read_manifest(tmp_path / "index")
    assert manifest.model["name"] == "one-layer-minilm"

    assert serving_problem(settings.index_dir, corpus, model_path=settings.model_path) is None
    resources = load_resources(settings)
    assert resources.embedder.fingerprint == manifest.model["fingerprint"]
    result = resources.retriever.search("Who kept the northern lighthouse?", 3)
    assert result.hits and result.hits[0].passage.doc_id == "lighthouse"
    # the bundled model is not the one that built this index: refused with the fix
    assert "another embedding model" in serving_problem(settings.index_dir, corpus)

    capsys.readouterr()
    assert main(["index", "--if-stale", "--quiet"]) == 0
    assert "up to date" in capsys.readouterr().out
